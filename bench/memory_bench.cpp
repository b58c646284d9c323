// Memory per run (allocations, bytes, peak live heap of one run) and no growth over many runs.

#include "memory_bench.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "alloc_counter.hpp"
#include "reference.hpp"

namespace chaosq::bench {
namespace {

constexpr std::size_t k_pool_size = 4096;
constexpr std::uint64_t k_pool_seed = 7;
constexpr std::uint64_t k_schedule_seed = 1;

/// Heap traffic of one reference run: operator new calls and bytes per schedule, and the peak
/// of live heap within a run above what was live before it.
void memory_per_run(benchmark::State& state, crash_model model) {
  if (!counting_allocations()) {
    state.SkipWithError("allocation counting is off in sanitizer builds");
    return;
  }
  std::vector<harness::workload> const pool =
      reference_pool(queue::queue_kind::fifo, model, k_pool_size, k_pool_seed);
  run_tally tally;
  std::uint64_t i = 0;
  alloc_counting_scope const counting;
  std::int64_t peak_sum = 0;
  std::int64_t peak_max = 0;
  alloc_stats const before = alloc_snapshot();
  for (auto _ : state) {
    reset_alloc_peak();
    std::int64_t const live = alloc_snapshot().live_bytes;
    run_schedules(pool, k_schedule_seed, i++, 1, {}, tally);
    std::int64_t const peak = alloc_snapshot().peak_live_bytes - live;
    peak_sum += peak;
    peak_max = std::max(peak_max, peak);
  }
  alloc_stats const after = alloc_snapshot();
  auto const n = static_cast<double>(tally.schedules);
  state.SetItemsProcessed(static_cast<std::int64_t>(tally.schedules));
  state.counters["allocs/schedule"] =
      static_cast<double>(after.allocations - before.allocations) / n;
  state.counters["bytes/schedule"] = static_cast<double>(after.bytes - before.bytes) / n;
  state.counters["allocs/step"] = static_cast<double>(after.allocations - before.allocations) /
                                  static_cast<double>(tally.steps);
  state.counters["peak_live_B/run"] = static_cast<double>(peak_sum) / n;
  state.counters["max_peak_live_B"] = static_cast<double>(peak_max);
}
BENCHMARK_CAPTURE(memory_per_run, fifo_pinned, crash_model::pinned);

void no_growth(benchmark::State& state, std::uint64_t schedules) {
  constexpr std::uint64_t k_chunks = 10;
  std::vector<harness::workload> const pool =
      reference_pool(queue::queue_kind::fifo, crash_model::pinned, k_pool_size, k_pool_seed);
  std::uint64_t const chunk = std::max<std::uint64_t>(schedules / k_chunks, 1);
  std::vector<std::int64_t> rss;
  std::vector<std::int64_t> live;
  rss.reserve(k_chunks);
  live.reserve(k_chunks);
  run_tally tally;
  alloc_counting_scope const counting;
  for (auto _ : state) {
    for (std::uint64_t c = 0; c < k_chunks; ++c) {
      run_schedules(pool, k_schedule_seed, c * chunk, chunk, {}, tally);
      rss.push_back(proc_status_kib("VmRSS"));
      live.push_back(alloc_snapshot().live_bytes);
    }
  }
  std::string label = "VmRSS KiB after each tenth:";
  for (std::int64_t r : rss) {
    label += ' ';
    label += std::to_string(r);
  }
  state.SetLabel(label);
  state.SetItemsProcessed(static_cast<std::int64_t>(tally.schedules));
  state.counters["schedules"] = static_cast<double>(tally.schedules);
  state.counters["rss_first_KiB"] = static_cast<double>(rss.front());
  state.counters["rss_growth_KiB"] = static_cast<double>(rss.back() - rss.front());
  state.counters["rss_max_growth_KiB"] =
      static_cast<double>(*std::max_element(rss.begin(), rss.end()) - rss.front());
  state.counters["live_heap_growth_B"] = static_cast<double>(live.back() - live.front());
  state.counters["VmHWM_KiB"] = static_cast<double>(proc_status_kib("VmHWM"));
}

}  // namespace

void register_no_growth(std::uint64_t schedules) {
  benchmark::RegisterBenchmark("no_growth", no_growth, schedules)
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
}

}  // namespace chaosq::bench

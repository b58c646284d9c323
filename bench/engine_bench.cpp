// The engine on the reference workload: schedules per second per queue kind and crash model,
// in coroutines mode and in threads mode, the cost of verdict text and tracing, the rates under PCT
// and DFS, and the time to shrink the classic leak.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/shrink.hpp"
#include "chaosq/harness/strategy.hpp"

#include "reference.hpp"

namespace chaosq::bench {
namespace {

constexpr std::size_t k_pool_size = 4096;
constexpr std::uint64_t k_pool_seed = 7;
constexpr std::uint64_t k_schedule_seed = 1;

/// How much a run writes down besides its verdict.
enum class output : std::uint8_t {
  search,     ///< verdicts without text, no trace: how `explore` runs its search
  explained,  ///< verdict messages written (the default of `harness::run`)
  traced,     ///< messages and the event trace: what a replay of a failure costs
};

harness::run_options options_for(output o) {
  return {.trace = o == output::traced, .explain = o != output::search};
}

void report(benchmark::State& state, const run_tally& t) {
  auto const n = static_cast<double>(t.schedules);
  state.SetItemsProcessed(static_cast<std::int64_t>(t.schedules));
  state.counters["steps/schedule"] = static_cast<double>(t.steps) / n;
  state.counters["decisions/schedule"] = static_cast<double>(t.decisions) / n;
  state.counters["violation%"] = 100.0 * static_cast<double>(t.violations) / n;
  state.counters["hang%"] =
      100.0 *
      static_cast<double>(t.by_oracle[static_cast<std::size_t>(harness::oracle::join_hang)]) / n;
}

/// Schedules per second of the engine on the reference workload (items_per_second), its tasks
/// run as coroutines (asyncio tasks, asyncio.Queue) or as threads (`--mode threads`:
/// chaosq::sync threads, queue.Queue).
void engine_reference(benchmark::State& state, queue::queue_kind kind, crash_model model,
                      output out, harness::run_mode mode = harness::run_mode::coroutines) {
  std::vector<harness::workload> const pool =
      reference_pool(kind, model, k_pool_size, k_pool_seed, mode);
  harness::run_options const options = options_for(out);
  run_tally tally;
  std::uint64_t i = 0;
  for (auto _ : state) run_schedules(pool, k_schedule_seed, i++, 1, options, tally);
  report(state, tally);
}
BENCHMARK_CAPTURE(engine_reference, fifo_mid_item, queue::queue_kind::fifo, crash_model::mid_item,
                  output::search);
BENCHMARK_CAPTURE(engine_reference, lifo_mid_item, queue::queue_kind::lifo, crash_model::mid_item,
                  output::search);
BENCHMARK_CAPTURE(engine_reference, priority_mid_item, queue::queue_kind::priority,
                  crash_model::mid_item, output::search);
BENCHMARK_CAPTURE(engine_reference, fifo_pinned, queue::queue_kind::fifo, crash_model::pinned,
                  output::search);
BENCHMARK_CAPTURE(engine_reference, lifo_pinned, queue::queue_kind::lifo, crash_model::pinned,
                  output::search);
BENCHMARK_CAPTURE(engine_reference, priority_pinned, queue::queue_kind::priority,
                  crash_model::pinned, output::search);
BENCHMARK_CAPTURE(engine_reference, fifo_any_point, queue::queue_kind::fifo, crash_model::any_point,
                  output::search);
// The cost of text: every verdict's message written, then the event trace too.
BENCHMARK_CAPTURE(engine_reference, fifo_mid_item_explained, queue::queue_kind::fifo,
                  crash_model::mid_item, output::explained);
BENCHMARK_CAPTURE(engine_reference, fifo_mid_item_traced, queue::queue_kind::fifo,
                  crash_model::mid_item, output::traced);
// Threads mode on the same workloads (same pool, same schedule seeds): producer, consumers and
// joiner as chaosq::sync threads against the queue.Queue reference (a mutex, three condition
// variables). `_mid_item_threads` is the reference workload; `_any_point_threads` draws crashes
// at the CLI's default crash points (every point a thread reaches itself: threads mode strikes
// no thread blocked in get).
BENCHMARK_CAPTURE(engine_reference, fifo_mid_item_threads, queue::queue_kind::fifo,
                  crash_model::mid_item, output::search, harness::run_mode::threads);
BENCHMARK_CAPTURE(engine_reference, fifo_any_point_threads, queue::queue_kind::fifo,
                  crash_model::any_point, output::search, harness::run_mode::threads);

// ---- strategies ----

/// Schedules per second when a strategy picks the schedules, on the reference workload: each
/// strategy explores one workload of the pool for 1,000 schedules (DFS: or until it has covered
/// the workload's space within its bound), then starts over on the next, as `explore` would on
/// each. `random` is the random walk on this same path, for comparison.
void engine_strategy(benchmark::State& state, harness::strategy_kind kind) {
  std::vector<harness::workload> const pool =
      reference_pool(queue::queue_kind::fifo, crash_model::mid_item, k_pool_size, k_pool_seed);
  harness::run_options const options = options_for(output::search);
  strategy_walk walk{.kind = kind, .seed = k_schedule_seed};
  run_tally tally;
  for (auto _ : state) run_strategy_schedules(pool, walk, 1, options, tally);
  report(state, tally);
  state.counters["workloads"] = static_cast<double>(walk.workload_index);
}
BENCHMARK_CAPTURE(engine_strategy, fifo_random, harness::strategy_kind::random);
BENCHMARK_CAPTURE(engine_strategy, fifo_pct, harness::strategy_kind::pct);
BENCHMARK_CAPTURE(engine_strategy, fifo_dfs, harness::strategy_kind::dfs);

// ---- every core ----

/// Schedules per wall-clock second of `harness::explore` on `jobs` threads (`--jobs`): each
/// iteration explores the next workload of the reference pool for 65,536 schedules, every
/// oracle on, counting every verdict (`keep_going`), as `chaosq explore --jobs N` does. Long
/// enough that starting the threads (once per exploration) does not decide the rate.
void engine_jobs(benchmark::State& state) {
  std::vector<harness::workload> const pool =
      reference_pool(queue::queue_kind::fifo, crash_model::mid_item, k_pool_size, k_pool_seed);
  auto const jobs = static_cast<unsigned>(state.range(0));
  constexpr std::uint64_t k_per_workload = 65'536;
  std::uint64_t i = 0;
  std::uint64_t schedules = 0;
  std::uint64_t steps = 0;
  for (auto _ : state) {
    harness::explore_result const r =
        harness::explore(pool[i % pool.size()], {.schedules = k_per_workload,
                                                 .seed = k_schedule_seed + i,
                                                 .keep_going = true,
                                                 .jobs = jobs});
    ++i;
    schedules += r.stats.schedules;
    steps += r.stats.total_steps;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(schedules));
  state.counters["steps/schedule"] = static_cast<double>(steps) / static_cast<double>(schedules);
}
BENCHMARK(engine_jobs)->Name("engine_jobs/fifo_mid_item")->Arg(1)->Arg(2)->UseRealTime();

// ---- shrinking ----

/// The classic leak (`on-success`: a crash skips task_done) as engine_test.cpp has it, and a
/// larger one of the reference workload's upper size.
harness::workload classic_leak(std::uint32_t items, std::uint32_t consumers) {
  harness::workload w;
  w.policy = harness::ack_policy::on_success;
  w.items = items;
  w.consumers = consumers;
  w.faults.crashes = 1;
  return w;
}

/// Time to shrink the first failure an exploration (seed 1) finds to a minimal trace.
void shrink_classic_leak(benchmark::State& state) {
  harness::workload const w = classic_leak(static_cast<std::uint32_t>(state.range(0)),
                                           static_cast<std::uint32_t>(state.range(1)));
  harness::explore_result const found = harness::explore(w, {.schedules = 100'000, .seed = 1});
  if (!found.first_failure) {
    state.SkipWithError("exploration found no leak");
    return;
  }
  const harness::run_report& failure = *found.first_failure;
  std::string const signature = failure.violation->signature();
  harness::shrink_result last;
  for (auto _ : state) {
    last = harness::shrink(w, failure.decisions, signature);
    benchmark::DoNotOptimize(last.runs);
  }
  state.counters["runs/shrink"] = static_cast<double>(last.runs);
  state.counters["decisions_before"] = static_cast<double>(last.original_size);
  state.counters["decisions_after"] = static_cast<double>(last.minimal_size);
  state.counters["stopped_early"] = last.stopped_early ? 1 : 0;
  state.SetLabel(signature);
}
BENCHMARK(shrink_classic_leak)
    ->ArgNames({"items", "consumers"})
    ->Args({3, 2})
    ->Args({20, 4})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chaosq::bench

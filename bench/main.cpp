// chaosq_bench: Google Benchmark's flags, plus
//   --growth_schedules=N     schedules the no_growth benchmark runs (default 10,000,000)
//   --profile=KIND_MODEL[@STRATEGY]:N
//                            no benchmarks: run N reference schedules (KIND fifo|lifo|priority,
//                            MODEL mid_item|pinned|any_point on the engine as explore searches,
//                            with "-explained" for verdict text, "-traced" for text and trace,
//                            then "-threads" for threads mode (--mode threads);
//                            or bare|bare-value: sim+queue alone, crashes thrown
//                            or returned; or minimal (fifo only): the minimal scheduler and
//                            queue of minimal.hpp; STRATEGY random|pct|dfs|portfolio picks the
//                            schedules as the engine_strategy benchmarks do, a random walk without
//                            it) and print a summary; for callgrind and perf

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>

#include "chaosq/harness/explore.hpp"

#include "bare.hpp"
#include "memory_bench.hpp"
#include "minimal.hpp"
#include "reference.hpp"

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// What one schedule of the reference workload did, as the bare rows report it.
struct schedule_outcome {
  std::uint64_t steps;
  bool joined;
};

/// Runs `schedules` reference schedules with `run(items, consumers, seed)`, shapes and seeds drawn
/// as the bare_reference and bare_minimal benchmarks draw them, and prints a summary.
template <class Run>
int profile_bare_rows(std::string_view label, std::uint64_t schedules, Run run) {
  chaosq::sim::splitmix64 shape(7);
  std::uint64_t steps = 0;
  std::uint64_t hangs = 0;
  double const start = cpu_seconds();
  for (std::uint64_t i = 0; i < schedules; ++i) {
    std::uint32_t const items = 1 + shape.below(chaosq::bench::k_max_items);
    std::uint32_t const consumers = 1 + shape.below(chaosq::bench::k_max_consumers);
    schedule_outcome const out = run(items, consumers, chaosq::harness::schedule_seed(1, i));
    steps += out.steps;
    hangs += out.joined ? 0 : 1;
  }
  double const seconds = cpu_seconds() - start;
  std::cout << "profile " << label << ": " << schedules << " schedules, " << steps << " steps, "
            << hangs << " hangs, " << static_cast<double>(schedules) / seconds
            << " schedules/s (CPU)\n";
  return 0;
}

int profile_bare(chaosq::queue::queue_kind kind, std::uint64_t schedules,
                 chaosq::bench::crash_delivery delivery) {
  return profile_bare_rows(
      "bare", schedules, [&](std::uint32_t items, std::uint32_t consumers, std::uint64_t seed) {
        chaosq::sim::random_decisions decisions(seed);
        auto const out =
            chaosq::bench::run_bare_schedule(kind, items, consumers, decisions, delivery);
        return schedule_outcome{out.steps, out.joined};
      });
}

int profile_minimal(std::uint64_t schedules) {
  return profile_bare_rows("minimal", schedules,
                           [](std::uint32_t items, std::uint32_t consumers, std::uint64_t seed) {
                             auto const out = chaosq::bench::minimal::run_schedule(
                                 items, consumers, chaosq::bench::k_crash_odds, seed);
                             return schedule_outcome{out.steps, out.joined};
                           });
}

int profile(std::string_view spec) {
  using chaosq::bench::crash_model;
  using chaosq::queue::queue_kind;
  auto const colon = spec.find(':');
  auto const under = spec.find('_');
  if (colon == std::string_view::npos || under == std::string_view::npos || under > colon) {
    std::cerr << "chaosq_bench: --profile=KIND_MODEL:N, e.g. --profile=fifo_mid_item:5000\n";
    return 2;
  }
  std::string_view const kind_name = spec.substr(0, under);
  std::string_view model_name = spec.substr(under + 1, colon - under - 1);
  std::uint64_t const schedules =
      std::strtoull(std::string(spec.substr(colon + 1)).c_str(), nullptr, 10);
  queue_kind kind = queue_kind::fifo;
  if (kind_name == "lifo") {
    kind = queue_kind::lifo;
  } else if (kind_name == "priority") {
    kind = queue_kind::priority;
  } else if (kind_name != "fifo") {
    std::cerr << "chaosq_bench: unknown queue kind " << kind_name << "\n";
    return 2;
  }
  if (model_name == "bare") {
    return profile_bare(kind, schedules, chaosq::bench::crash_delivery::exception);
  }
  if (model_name == "bare-value") {
    return profile_bare(kind, schedules, chaosq::bench::crash_delivery::value);
  }
  if (model_name == "minimal") {
    if (kind != queue_kind::fifo) {
      std::cerr << "chaosq_bench: the minimal queue is FIFO only\n";
      return 2;
    }
    return profile_minimal(schedules);
  }
  std::optional<chaosq::harness::strategy_kind> strategy;
  if (auto const at = model_name.find('@'); at != std::string_view::npos) {
    strategy =
        chaosq::harness::parse_name<chaosq::harness::strategy_kind>(model_name.substr(at + 1));
    if (!strategy) {
      std::cerr << "chaosq_bench: unknown strategy " << model_name.substr(at + 1) << "\n";
      return 2;
    }
    model_name = model_name.substr(0, at);
  }
  bool const threads = model_name.ends_with("-threads");
  if (threads) model_name.remove_suffix(std::string_view("-threads").size());
  bool const traced = model_name.ends_with("-traced");
  if (traced) model_name.remove_suffix(std::string_view("-traced").size());
  bool const explained = traced || model_name.ends_with("-explained");
  if (model_name.ends_with("-explained"))
    model_name.remove_suffix(std::string_view("-explained").size());
  crash_model model = crash_model::mid_item;
  if (model_name == "pinned") {
    model = crash_model::pinned;
  } else if (model_name == "any_point") {
    model = crash_model::any_point;
  } else if (model_name != "mid_item") {
    std::cerr << "chaosq_bench: unknown crash model " << model_name << "\n";
    return 2;
  }
  auto const pool = chaosq::bench::reference_pool(
      kind, model, 4096, 7,
      threads ? chaosq::harness::run_mode::threads : chaosq::harness::run_mode::coroutines);
  chaosq::bench::run_tally tally;
  double const start = cpu_seconds();
  chaosq::harness::run_options const options{.trace = traced, .explain = explained};
  if (strategy) {
    chaosq::bench::strategy_walk walk{.kind = *strategy, .seed = 1};
    chaosq::bench::run_strategy_schedules(pool, walk, schedules, options, tally);
  } else {
    chaosq::bench::run_schedules(pool, 1, 0, schedules, options, tally);
  }
  double const seconds = cpu_seconds() - start;
  std::cout << "profile " << spec << ": " << tally.schedules << " schedules, " << tally.steps
            << " steps, " << tally.violations << " violations, "
            << static_cast<double>(tally.schedules) / seconds << " schedules/s (CPU)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::uint64_t growth_schedules = 10'000'000;
  constexpr std::string_view k_growth_flag = "--growth_schedules=";
  constexpr std::string_view k_profile_flag = "--profile=";
  for (int i = 1; i < argc; ++i) {
    std::string_view const arg = argv[i];
    if (arg.starts_with(k_growth_flag)) {
      growth_schedules = std::strtoull(argv[i] + k_growth_flag.size(), nullptr, 10);
    } else if (arg.starts_with(k_profile_flag)) {
      return profile(arg.substr(k_profile_flag.size()));
    } else {
      std::cerr << "chaosq_bench: unknown flag " << arg << "\n";
      return 2;
    }
  }
  chaosq::bench::register_no_growth(growth_schedules);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

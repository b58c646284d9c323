#pragma once
/// \file
/// The reference workload of DESIGN.md "Performance": one producer putting 1-20 items, 1-4
/// consumers acknowledging in `finally`, each item crashing mid-item with p = 0.2, one joiner
/// joining after the producer, a uniform random-walk schedule, every oracle on.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/strategy.hpp"
#include "chaosq/harness/workload.hpp"
#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::bench {

/// How the reference workload's crashes ("each item crashes mid-item with p = 0.2") are placed.
enum class crash_model : std::uint8_t {
  /// The reference: `faults.crashes = items`, `faults.odds = 5`, drawn crashes restricted to
  /// `fault_point::mid_item` (`faults.crash_points`). Each item's one mid-item point draws its
  /// crash from the decision stream with p = 0.2, like every other choice.
  mid_item,
  /// Exact as well, but not from the decision stream: each item's crash is drawn per workload
  /// from a seeded splitmix64 and pinned on every consumer (whichever takes the item crashes).
  pinned,
  /// `faults.crashes = items`, `faults.odds = 5` at every point (no `crash_points` mask): each
  /// opportunity strikes with p = 0.2 at every consumer point (after-get, mid-item, before-ack,
  /// after-ack), before each put, and while a consumer waits in get. More crashes, shorter runs.
  any_point,
};

inline constexpr std::uint32_t k_max_items = 20;
inline constexpr std::uint32_t k_max_consumers = 4;
inline constexpr std::uint32_t k_crash_odds = 5;  // p = 1/5 = 0.2

/// One reference workload with `items` items and `consumers` consumers. `crashes` draws which
/// items crash (crash_model::pinned only). `mode` runs it as asyncio tasks against the
/// asyncio.Queue reference (coroutines, the default) or as chaosq::sync threads against the
/// queue.Queue reference (threads, `--mode threads`): the same workload, the same faults.
[[nodiscard]] harness::workload reference_workload(
    queue::queue_kind kind, std::uint32_t items, std::uint32_t consumers, crash_model model,
    sim::splitmix64& crashes, harness::run_mode mode = harness::run_mode::coroutines);

/// `count` reference workloads (a power of two), items in 1-20 and consumers in 1-4 drawn
/// uniformly from splitmix64(`seed`). Schedule i of a benchmark runs workload i % count, so
/// building workloads (task names, pinned faults) stays out of the timed loop.
[[nodiscard]] std::vector<harness::workload> reference_pool(
    queue::queue_kind kind, crash_model model, std::size_t count, std::uint64_t seed,
    harness::run_mode mode = harness::run_mode::coroutines);

/// What a batch of runs did.
struct run_tally {
  std::uint64_t schedules = 0;
  std::uint64_t steps = 0;
  std::uint64_t decisions = 0;
  std::uint64_t violations = 0;
  std::array<std::uint64_t, harness::names_of<harness::oracle>::values.size()> by_oracle{};

  void add(const harness::run_report& r) noexcept;
};

/// Runs schedules [first, first + count): schedule i runs `pool[i % pool.size()]` under a
/// uniform random walk seeded with `harness::schedule_seed(seed, i)`, as `harness::explore`
/// seeds its schedules.
void run_schedules(const std::vector<harness::workload>& pool, std::uint64_t seed,
                   std::uint64_t first, std::uint64_t count, const harness::run_options& options,
                   run_tally& tally);

/// Runs schedules a strategy picks, as `explore` would: the strategy explores one workload of
/// `pool` for `per_workload` schedules (DFS: or until it has covered that workload's space within
/// its bound), then starts over on the next workload, seeded `seed + workload index`. Each call
/// runs `count` more schedules, carrying on where the last call of the same `state` stopped.
struct strategy_walk {
  harness::strategy_kind kind;
  std::uint64_t seed = 1;
  std::uint64_t per_workload = 1000;
  std::unique_ptr<harness::strategy> strategy{};
  std::uint64_t workload_index = 0;
  std::uint64_t explored = 0;  ///< schedules of the current workload
};
void run_strategy_schedules(const std::vector<harness::workload>& pool, strategy_walk& state,
                            std::uint64_t count, const harness::run_options& options,
                            run_tally& tally);

}  // namespace chaosq::bench

#pragma once
/// \file
/// Exploration: many runs of one workload, each under its own seeded decision stream.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chaosq/harness/blame.hpp"
#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/strategy.hpp"

namespace chaosq::harness {

/// One part of an exploration split across machines: shard `index` of `count` (from 0) runs
/// the schedules of every unit of `k_shard_unit` schedules whose number is `index` modulo
/// `count`, and `merge_shards` adds the parts up to what one machine would have seen.
struct shard_spec {
  std::uint32_t index = 0;
  std::uint32_t count = 1;  ///< 1: the whole exploration
  friend bool operator==(const shard_spec&, const shard_spec&) = default;
};

/// Schedules per unit of a split exploration: long enough that each shard runs whole blocks,
/// short enough that every shard gets a fair share of a short exploration.
inline constexpr std::uint64_t k_shard_unit = 4096;

/// Whether shard `s` runs schedule `schedule`.
[[nodiscard]] constexpr bool owns(shard_spec s, std::uint64_t schedule) noexcept {
  return (schedule / k_shard_unit) % s.count == s.index;
}

/// How many of the schedules `0..schedules-1` shard `s` runs.
[[nodiscard]] std::uint64_t owned_schedules(shard_spec s, std::uint64_t schedules) noexcept;

struct explore_options {
  std::uint64_t schedules = 10'000;
  std::uint64_t seed = 1;
  bool keep_going = false;  ///< run every schedule and count verdicts instead of stopping
  strategy_kind strategy = strategy_kind::random;
  std::uint32_t depth = strategy_options{}.depth;              ///< PCT's bug depth d
  std::uint32_t preemptions = strategy_options{}.preemptions;  ///< DFS's preemption bound k
  std::uint32_t max_faults = strategy_options{}.max_faults;    ///< DFS's drawn faults per schedule
  run_options run;  ///< the queue and consumers under test (tracing is ignored)
  /// With a queue under test (`run.make_queue`): which violations count, judged by the
  /// reference queue on the same decisions (`blames_code_under_test`); `passes` for a user's
  /// queue: what remains is the queue's own, not the workload's.
  reference_check against_reference = reference_check::off;
  /// Threads that run schedules (1: the calling thread alone). The result does not depend on
  /// it: schedules run in blocks the strategy hands out before it learns from any (see
  /// `strategy::ready`) and are judged in order. With more than one, `run.make_queue` and
  /// `run.consumer` are called from several threads at once. Mode python runs on the calling
  /// thread whatever this says.
  unsigned jobs = 1;
  /// The part of the exploration to run. Only strategies whose schedules stop depending on
  /// each other after a while can be split (`strategy::splits`: random and PCT): each shard
  /// runs the schedules that teach the strategy (PCT's first 256) but counts only its own.
  shard_spec shard;
  /// Called with each schedule's index and run (untraced, without verdict text), in schedule
  /// order on the calling thread, before the loop judges it; returning false ends the exploration
  /// there. How the scenario runner judges every schedule against its expectation with the same
  /// loop as `chaosq explore`.
  std::function<bool(std::uint64_t schedule, const run_report& run)> on_schedule;
  /// Called after each schedule is judged, with the schedules run and the violations counted so
  /// far: how a front-end shows its progress. It runs once per schedule, so it must be cheap.
  std::function<void(std::uint64_t schedules, std::uint64_t violations)> on_progress;
};

/// What an exploration saw.
struct explore_stats {
  std::uint64_t schedules = 0;
  std::uint64_t violations = 0;
  std::uint64_t min_steps = 0;
  std::uint64_t max_steps = 0;
  std::uint64_t total_steps = 0;
  std::map<std::string, std::uint64_t> signatures;  ///< verdict signature -> runs
  std::uint32_t max_tasks = 0;                      ///< n: the most tasks a run spawned
  std::uint32_t max_schedule_steps = 0;             ///< k: the most scheduling decisions a run took
  bool exhausted = false;  ///< the strategy covered its whole space (DFS): nothing left
  /// What the strategy verified (DFS: its last finished level), when it verifies anything.
  std::optional<search_coverage> covered;
};

/// PCT's guarantee after `runs` schedules: a bug of depth `d` in a program of `n` tasks and `k`
/// steps is missed with probability at most (1 - 1/(n k^(d-1)))^runs.
[[nodiscard]] double pct_miss_bound(std::uint32_t n, std::uint32_t k, std::uint32_t d,
                                    std::uint64_t runs);

/// Adds `part`'s statistics to `into`'s, as if one exploration had seen both.
void add(explore_stats& into, const explore_stats& part);

/// The statistics of a shard when it had finished unit `unit` (schedules `unit * k_shard_unit`
/// onwards), counting every schedule of its own so far.
struct unit_end {
  std::uint64_t unit = 0;
  explore_stats stats;
};

struct explore_result {
  explore_stats stats;
  std::optional<run_report> first_failure;  ///< untraced; replay its decisions to trace it
  std::uint64_t first_failure_schedule = 0;
  /// A shard that stops at its first failure: its statistics at the end of each of its units
  /// (in order), so that `merge_shards` counts only what one machine would have run.
  std::vector<unit_end> unit_ends;
};

/// What one machine would have seen exploring what shards `parts[0..count-1]` (`parts[i]` run
/// as shard i, every one with the same workload and options but the shard) saw: the lowest
/// failing schedule, and the statistics of every schedule up to it (all of them with
/// `keep_going`). Precondition: every shard is there, once.
[[nodiscard]] explore_result merge_shards(std::span<const explore_result> parts, bool keep_going);

/// The decision seed of schedule `index` of an exploration seeded with `seed`.
[[nodiscard]] std::uint64_t schedule_seed(std::uint64_t seed, std::uint64_t index) noexcept;

/// Runs up to `options.schedules` schedules of `w`, each under the decisions the chosen
/// strategy hands out (a random walk: schedule i seeded with `schedule_seed(seed, i)`). Stops
/// at the first violation unless `keep_going`, or when the strategy is exhausted.
/// Deterministic: a function of (w, options).
[[nodiscard]] explore_result explore(const workload& w, const explore_options& options);

}  // namespace chaosq::harness

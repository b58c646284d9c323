#pragma once
/// \file
/// Exploring a space of generated workloads: workloads drawn from a `workload_space` one after
/// another, each explored with a strategy (`explore`), judged against the reference as one
/// workload is, and the first failure made (`make_failure`) with its workload shrunk too.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chaosq/harness/blame.hpp"
#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/strategy.hpp"

namespace chaosq::harness {

struct explore_space_options {
  std::uint64_t workloads = 100;  ///< workloads to draw from the space
  std::uint64_t schedules = 100;  ///< schedules per workload
  std::uint64_t seed = 1;
  bool keep_going = false;  ///< explore every workload and count verdicts instead of stopping
  /// A handful of schedules per workload: every strategy takes its turn.
  strategy_kind strategy = strategy_kind::portfolio;
  std::uint32_t depth = strategy_options{}.depth;              ///< PCT's bug depth d
  std::uint32_t preemptions = strategy_options{}.preemptions;  ///< DFS's preemption bound k
  std::uint32_t max_faults = strategy_options{}.max_faults;    ///< DFS's drawn faults per schedule
  /// The code under test, bound once for every workload (the space's `base` names it).
  run_options run;
  /// As `explore_options::against_reference`, applied on every workload and while shrinking.
  reference_check against_reference = reference_check::off;
  std::uint64_t shrink_runs = k_shrink_runs;  ///< candidate runs shrinking the failure may try
  /// Asked before each shrink candidate; true stops shrinking (a front-end's wall-clock limit).
  std::function<bool()> out_of_time;
  /// Asked before each schedule; true ends the exploration there, reporting what it saw so far
  /// (a front-end's interrupt).
  std::function<bool()> stop;
  /// As `explore_options::on_progress`, counting over every workload explored so far.
  std::function<void(std::uint64_t schedules, std::uint64_t violations)> on_progress;
  std::string command = "chaosq";  ///< see `failure_options::command`
  std::string replay_flags;        ///< see `failure_options::replay_flags`
  std::string no_token_reason;     ///< see `failure_options::no_token_reason`
  unsigned jobs = 1;               ///< as `explore_options::jobs`, for every workload
};

/// What one drawn workload's exploration saw.
struct space_workload_stats {
  workload work;
  explore_stats stats;
};

/// What an exploration of a space saw, over every workload it drew.
/// What the exploration of every workload saw, added up (`add`), and per workload.
struct explore_space_stats : explore_stats {
  std::uint64_t workloads = 0;            ///< workloads drawn and explored
  std::uint64_t failing_workloads = 0;    ///< workloads with at least one counted violation
  std::uint64_t exhausted_workloads = 0;  ///< workloads whose strategy covered its space (DFS)
  std::vector<space_workload_stats> per_workload;  ///< in the order drawn
};

struct explore_space_result {
  explore_space_stats stats;
  /// The first failure: made from the first counted violation, shrunk (record and workload:
  /// the shrunk workload is never larger than `failure::original_work`, the workload it was
  /// found on), traced, with tokens that `chaosq replay` replays.
  std::optional<failure> first_failure;
  std::uint64_t first_failure_workload = 0;  ///< index of the workload it was found on
  std::uint64_t first_failure_schedule = 0;  ///< index of the schedule within that workload
};

/// The decision seed that draws workload `index` of a space explored with `seed`.
[[nodiscard]] std::uint64_t workload_seed(std::uint64_t seed, std::uint64_t index) noexcept;

/// Workload `index` of a space explored with `seed`: what `explore_space` draws.
[[nodiscard]] workload draw_workload(const workload_space& space, std::uint64_t seed,
                                     std::uint64_t index);

/// Draws up to `options.workloads` workloads from `space` (workload i from
/// `workload_seed(seed, i)`) and explores each with `options.strategy` for `options.schedules`
/// schedules (seeded with `schedule_seed(seed, i)`), counting violations as `explore` does
/// (`against_reference`). Stops after the first workload with a violation unless `keep_going`.
/// The first failure is shrunk as a user's fixed workload is, with the workload shrinker
/// (`shrinking::record_and_workload`): every smaller workload it keeps fails with the same
/// signature, and its token names the shrunk workload and its own run's decisions.
/// Deterministic: a function of (space, options) apart from where `out_of_time` stops
/// shrinking.
[[nodiscard]] explore_space_result explore_space(const workload_space& space,
                                                 const explore_space_options& options);

}  // namespace chaosq::harness

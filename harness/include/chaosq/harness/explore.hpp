#pragma once
/// \file
/// Exploration: many runs of one workload, each under its own seeded decision stream.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "chaosq/harness/engine.hpp"

namespace chaosq::harness {

struct explore_options {
  std::uint64_t schedules = 10'000;
  std::uint64_t seed = 1;
  bool keep_going = false;  ///< run every schedule and count verdicts instead of stopping
  run_options run;          ///< the queue and consumers under test (tracing is ignored)
};

/// What an exploration saw.
struct explore_stats {
  std::uint64_t schedules = 0;
  std::uint64_t violations = 0;
  std::uint64_t min_steps = 0;
  std::uint64_t max_steps = 0;
  std::uint64_t total_steps = 0;
  std::map<std::string, std::uint64_t> signatures;  ///< verdict signature -> runs
};

struct explore_result {
  explore_stats stats;
  std::optional<run_report> first_failure;  ///< untraced; replay its decisions to trace it
  std::uint64_t first_failure_schedule = 0;
};

/// The decision seed of schedule `index` of an exploration seeded with `seed`.
[[nodiscard]] std::uint64_t schedule_seed(std::uint64_t seed, std::uint64_t index) noexcept;

/// Runs up to `options.schedules` schedules of `w`, schedule i under a uniform random walk
/// seeded with `schedule_seed(seed, i)`. Stops at the first violation unless `keep_going`.
/// Deterministic: a function of (w, options).
[[nodiscard]] explore_result explore(const workload& w, const explore_options& options);

}  // namespace chaosq::harness

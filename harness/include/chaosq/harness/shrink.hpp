#pragma once
/// \file
/// Shrinking: from a failing run to a minimal one with the same verdict signature.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "chaosq/harness/blame.hpp"
#include "chaosq/harness/engine.hpp"

namespace chaosq::harness {

/// Candidate runs a shrink may try by default: every front-end's budget (a deterministic bound;
/// about a second on the reference workload).
inline constexpr std::uint64_t k_shrink_runs = 20'000;

struct shrink_options {
  std::uint64_t max_runs = k_shrink_runs;  ///< candidate runs before giving up
  /// Also shrink the workload (fewer items, producers, consumers, steps, faults): for failures
  /// whose workload was itself generated (properties, fuzzing), not for a user's fixed one.
  bool shrink_workload = false;
  /// Asked before each candidate; returning true stops early. Front-ends put their wall-clock
  /// deadline here: the engine never reads a clock, so without it shrinking is deterministic.
  std::function<bool()> out_of_time;
  run_options run;  ///< the queue and consumers under test (tracing is ignored)
  /// With a queue under test: a candidate is kept only if its violation is still the code's
  /// own (`blames_code_under_test`), so that with `passes` the reference passes the minimal
  /// record too and the trace points at the queue, never at the workload.
  reference_check against_reference = reference_check::off;
};

struct shrink_result {
  workload work;                         ///< the workload of the minimal run
  std::vector<std::uint32_t> decisions;  ///< the minimal record (no trailing zeros)
  run_report report;                     ///< the minimal run, traced
  std::size_t original_size = 0;         ///< decisions in the record given
  std::size_t minimal_size = 0;          ///< decisions in the minimal record
  std::uint64_t runs = 0;                ///< candidates tried
  bool stopped_early = false;            ///< out of runs or time: smaller may exist
  std::uint32_t preemptions = 0;         ///< schedule decisions that differ from asyncio order
  std::uint32_t drawn_faults = 0;        ///< faults the minimal run drew from its decisions
};

/// Minimizes a failing run of `w` whose record is `decisions` and whose verdict signature is
/// `signature`: deletes spans of decisions, zeroes and lowers values (which moves toward
/// asyncio order and drops drawn faults), and, if asked, shrinks the workload. A candidate is
/// kept only if it fails with the same signature, is smaller (a smaller workload, or the same
/// workload and a shorter record, or as short and lexicographically smaller) and, with
/// `options.against_reference`, its violation is still the code under test's
/// (`blames_code_under_test`), so the result is never larger than the input, replays to the
/// same signature, and with `passes` passes on the reference queue.
/// Precondition: replaying `decisions` on `w` fails with `signature`, blamed on the code under
/// test as `options.against_reference` says.
[[nodiscard]] shrink_result shrink(const workload& w, std::span<const std::uint32_t> decisions,
                                   const std::string& signature,
                                   const shrink_options& options = {});

struct workload_space;

/// As `shrink`, for a run whose workload was generated from the same record
/// (`run_generated`): shrinking the record shrinks the workload too.
[[nodiscard]] shrink_result shrink_generated(const workload_space& space,
                                             std::span<const std::uint32_t> decisions,
                                             const std::string& signature,
                                             const shrink_options& options = {});

/// How far a run of `w` strays from asyncio order without faults.
struct deviations {
  std::uint32_t preemptions = 0;   ///< schedule decisions that differ from asyncio order
  std::uint32_t drawn_faults = 0;  ///< faults the run drew from its decisions
};
[[nodiscard]] deviations count_deviations(const workload& w, const run_report& r);

/// The record without its trailing zeros (which an exhausted stream supplies anyway).
[[nodiscard]] std::vector<std::uint32_t> trim_record(std::span<const std::uint32_t> decisions);

}  // namespace chaosq::harness

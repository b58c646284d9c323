#pragma once
/// \file
/// Whose a violation is: on code under test (a user's queue, a planted bug), a violation is the
/// code's only where chaosq's reference queue, with the same consumers, passes the same
/// decisions; otherwise the workload is at fault. One rule, decided here, that exploration,
/// shrinking, fuzz targets and properties all apply.

#include <cstdint>
#include <span>
#include <string>

#include "chaosq/harness/engine.hpp"

namespace chaosq::harness {

/// Whether and how a violation on code under test is judged against the reference queue.
enum class reference_check : std::uint8_t {
  off,  ///< every violation counts (the reference itself, or nothing to compare with)
  /// A violation counts only where the reference passes the same decisions: what remains is
  /// the code's own. The rule for a user's queue.
  passes,
  /// A violation counts also where the reference fails with another signature: the code
  /// departs from the reference, on a workload that the reference rejects too. Only for a bug
  /// that nothing but a misbehaving consumer reaches (the zoo's task-done-unchecked: the
  /// reference refuses a second task_done where the bug lets the count go negative).
  differs,
};

/// How the reference queue fares on the decisions of a violation found on code under test.
enum class reference_outcome : std::uint8_t {
  passes,       ///< the reference passes: the violation is the code's own
  fails_other,  ///< the reference fails with another signature
  fails_alike,  ///< the reference fails with the same signature: the workload's
};

/// Replays `decisions` on `w` with chaosq's reference queue (`make_reference_queue`) and the
/// same consumers as `options` (its `consumer`, or the workload's policy), and compares its
/// verdict with `signature`, the violation found on the code under test.
[[nodiscard]] reference_outcome run_reference(const workload& w,
                                              std::span<const std::uint32_t> decisions,
                                              const std::string& signature,
                                              const run_options& options);

/// The one rule: true if a violation with `signature`, found by running `decisions` on `w` with
/// `options`, is the code under test's own under `check`. Always true with `check` off or with
/// no queue under test (`options.make_queue` empty: the reference is what runs); otherwise it
/// replays the decisions on the reference (`run_reference`) and says whether its outcome
/// counts. Used by `explore`, by `shrink` for every candidate it keeps, and by the fuzz
/// targets and properties.
[[nodiscard]] bool blames_code_under_test(const workload& w,
                                          std::span<const std::uint32_t> decisions,
                                          const std::string& signature, const run_options& options,
                                          reference_check check);

}  // namespace chaosq::harness

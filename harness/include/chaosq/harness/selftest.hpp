#pragma once
/// \file
/// The self-test: every strategy against every planted bug and every leaky policy, to show
/// what chaosq finds and how fast.

#include <cstdint>
#include <string>
#include <vector>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/zoo.hpp"

namespace chaosq::harness {

/// One known bug and a workload that can show it.
struct selftest_case {
  std::string name;  ///< "bug:no-pass-on", "policy:on-success", ...
  workload work;
  planted_bug bug = planted_bug::none;  ///< none: the reference queue, the policy is the bug
  /// DFS, with its bound of two preemptions, can reach it; false for a bug that needs a ready
  /// task passed over for a whole item, where DFS covers its bounded space without a catch.
  bool within_dfs_bound = true;
};

/// Every planted bug (each in a workload whose reference run is clean) and every leaky policy.
[[nodiscard]] std::vector<selftest_case> selftest_cases();

struct selftest_row {
  std::string target;
  strategy_kind strategy = strategy_kind::random;
  bool caught = false;
  std::uint64_t schedules = 0;  ///< to the first catch, or all that ran
  std::string signature;
  std::size_t minimal_decisions = 0;  ///< of the shrunk failure
  std::uint64_t minimal_steps = 0;
  bool exhausted = false;  ///< DFS covered its space without a catch
};

/// Explores `c` with `kind` (planted bugs are judged against the reference on the same
/// decisions) and shrinks the first catch with at most `shrink_runs` candidates.
[[nodiscard]] selftest_row run_selftest(const selftest_case& c, strategy_kind kind,
                                        std::uint64_t schedules, std::uint64_t seed,
                                        std::uint64_t shrink_runs = 2'000, unsigned jobs = 1);

}  // namespace chaosq::harness

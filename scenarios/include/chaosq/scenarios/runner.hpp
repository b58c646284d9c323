#pragma once
/// \file
/// Running a scenario: its schedules (explored, or the one pinned run), each judged against the
/// expectation; a failure shrunk to a minimal run that replays bit for bit.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/registry.hpp"
#include "chaosq/scenarios/scenario.hpp"

namespace chaosq::scenarios {

struct run_settings {
  /// The queues and behaviours the scenario may name; nullptr: `harness::builtin_registry()`.
  const harness::registry* registry = nullptr;
  bool shrink = true;                                  ///< shrink a failing run to a minimal one
  std::uint64_t shrink_runs = harness::k_shrink_runs;  ///< candidate runs shrinking may try
  /// Asked before each shrink candidate; true stops shrinking (a front-end's wall-clock limit).
  std::function<bool()> out_of_time;
  unsigned jobs = 1;  ///< threads that run schedules (`harness::explore_options::jobs`)
};

/// What running a scenario showed.
struct scenario_result {
  bool passed = false;
  std::string reason;           ///< one line: what was expected and what happened
  std::uint64_t schedules = 0;  ///< schedules run
  std::map<std::string, std::uint64_t> signatures;  ///< verdict signature -> schedules
  /// A run that shows something: for a FAIL, the run that breaks the expectation (or the closest
  /// one seen, when no schedule showed an expected verdict), shrunk; for a PASS, the schedule
  /// that showed the expected verdict, as run.
  std::optional<harness::failure> evidence;
  std::uint64_t evidence_schedule = 0;  ///< the evidence's schedule index (0 for a pinned run)
};

/// Runs `s` and checks its expectation. Deterministic, apart from where `out_of_time` stops
/// shrinking. Precondition: `s` came from the loader (or passes its checks), and the registry
/// has the code it names (`harness::registry::problem` is empty).
[[nodiscard]] scenario_result run_scenario(const scenario& s, const run_settings& settings = {});

/// The reproducer of a result's evidence: `s` with the evidence's decisions pinned and the
/// expectation replaced by exactly what that run shows. Precondition: `r.evidence` is set.
[[nodiscard]] scenario reproducer(const scenario& s, const scenario_result& r);

}  // namespace chaosq::scenarios

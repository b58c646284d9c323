#pragma once
/// \file
/// Scenarios as YAML: the canonical text of a scenario, and reproducers that pin a failing run's
/// decisions so `chaosq run` reproduces its verdict.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/trace.hpp"
#include "chaosq/scenarios/scenario.hpp"

namespace chaosq::scenarios {

/// The scenario as YAML that `parse_scenario` reads back to an equal scenario: every key
/// written out explicitly (defaults included, so a later change of a default cannot change what
/// the file means), in schema order. `comment` lines are written first, each prefixed "# ".
[[nodiscard]] std::string to_yaml(const scenario& s, std::string_view comment = {});

/// A valid scenario name made from `text` (a file's stem, a signature): every character that a
/// name may not hold becomes '-', at most 100 characters; "scenario" when nothing is left.
[[nodiscard]] std::string scenario_name_from(std::string_view text);

/// A scenario that replays `decisions` on `work` and expects exactly what `traced` (the traced
/// replay of that record) shows: its verdict, or none; for a hang, `join: hangs` and the
/// unacknowledged items (the engine's, from the verdict). Precondition: `traced` was run with
/// verdict text (`run_options::explain`).
[[nodiscard]] scenario pinned_scenario(std::string name, std::string description,
                                       const harness::workload& work,
                                       std::span<const std::uint32_t> decisions,
                                       const harness::run_report& traced);

/// The YAML reproducer of a failure: its minimal run pinned, expecting what that run shows.
[[nodiscard]] scenario pinned_scenario(std::string name, std::string description,
                                       const harness::failure& f);

}  // namespace chaosq::scenarios

#pragma once
/// \file
/// Reports of `chaosq run` for people and for CI: the text of a failure, JUnit XML.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chaosq/scenarios/loader.hpp"
#include "chaosq/scenarios/runner.hpp"
#include "chaosq/scenarios/scenario.hpp"

namespace chaosq::scenarios {

/// One file `chaosq run` was given, and what became of it.
struct file_report {
  std::string file;
  std::optional<scenarios::scenario> scenario;  ///< nullopt: the file did not load
  std::vector<load_error> load_errors;          ///< why it did not load
  std::optional<scenario_result> result;        ///< set when the scenario ran
  std::string internal_error;                   ///< set when running it threw
  double seconds = 0;  ///< wall-clock time it took (reported in JUnit; never used to judge)

  [[nodiscard]] bool passed() const { return result && result->passed; }
  [[nodiscard]] bool failed() const { return result && !result->passed; }
};

/// The evidence of a result, for people: `harness::failure_text` of it (the verdict, the
/// (minimal) trace, the unacknowledged items, the replay token and command), then a YAML
/// reproducer ready to save. Empty without evidence.
[[nodiscard]] std::string evidence_text(const file_report& r);

/// The evidence's token (`harness::failure::token`), or empty when a token cannot carry the run
/// (a scenario whose consumers run a registered behaviour).
[[nodiscard]] std::string evidence_token(const file_report& r);

/// JUnit XML: one <testcase> per file; a FAIL is a <failure> whose text holds the verdict, the
/// minimal trace and the commands that reproduce it; a file that did not load is an <error>.
[[nodiscard]] std::string junit_xml(std::span<const file_report> reports);

}  // namespace chaosq::scenarios

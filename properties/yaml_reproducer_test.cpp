// The YAML reproducer round trip: a generated run pinned as a scenario (chaosq::scenarios),
// written as YAML, loaded back and run by the scenario runner reproduces the run's verdict.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/shrink.hpp"
#include "chaosq/properties/support.hpp"
#include "chaosq/scenarios/loader.hpp"
#include "chaosq/scenarios/runner.hpp"
#include "chaosq/scenarios/writer.hpp"

namespace chaosq::properties {
namespace {

std::string errors_of(const scenarios::load_result& loaded) {
  std::string out;
  if (const auto* errors = std::get_if<std::vector<scenarios::load_error>>(&loaded))
    for (const scenarios::load_error& e : *errors) out += e.to_string() + "\n";
  return out;
}

TEST(reproducers, a_yaml_round_trip_reproduces_the_verdict) {
  failure_sink sink(every_policy());
  check_workload_property(
      sink, rc::detail::toProperty([&sink] {
        std::vector<std::uint32_t> const record = *decision_records();
        harness::generated_run const g =
            harness::replay_generated(sink.space(), record, {.trace = true});
        split_record const split = split_generated(sink.space(), g.report.decisions);
        std::vector<std::uint32_t> const run = harness::trim_record(split.run);
        scenarios::scenario const pinned = scenarios::pinned_scenario(
            "generated", "a generated run, pinned by a property test", split.work, run, g.report);
        std::string const yaml = scenarios::to_yaml(pinned);
        scenarios::load_result const loaded = scenarios::parse_scenario(yaml, "generated.yaml");
        const auto* parsed = std::get_if<scenarios::scenario>(&loaded);
        if (parsed == nullptr)
          sink.report({record, {}, "the YAML did not load:\n" + errors_of(loaded)});
        RC_ASSERT(errors_of(loaded) == "");
        RC_ASSERT(*parsed == pinned);
        RC_ASSERT(scenarios::to_yaml(*parsed) == yaml);
        scenarios::scenario_result const result =
            scenarios::run_scenario(*parsed, {.shrink = false});
        if (!result.passed)
          sink.report({record, {}, "the YAML reproducer failed: " + result.reason});
        RC_ASSERT(result.passed);
        if (result.evidence)
          RC_ASSERT(signature_of(result.evidence->report) == signature_of(g.report));
      }));
}

}  // namespace
}  // namespace chaosq::properties

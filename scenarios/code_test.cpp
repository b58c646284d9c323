// Scenarios that name code under test (`queue.impl`, `consumers.behaviour`): the loader checks
// the names against its registry, the runner runs what they name, and the reproducer and token
// of a failure name it with the version that ran.

#include <gtest/gtest.h>

#include "chaosq/harness/registry.hpp"
#include "chaosq/harness/token.hpp"
#include "chaosq/harness/zoo.hpp"
#include "chaosq/scenarios/loader.hpp"
#include "chaosq/scenarios/runner.hpp"
#include "chaosq/scenarios/writer.hpp"

namespace chaosq::scenarios {
namespace {

/// A user's consumer with a bug of its own: it acknowledges only even item ids.
sim::task<void> ack_even_only(harness::consumer_context& ctx) {
  for (;;) {
    harness::item const it = co_await ctx.get();
    co_await ctx.process(it);
    if (it.id % 2 == 0) ctx.task_done(it);
  }
}

std::string const k_even_only = R"(version: 1
name: mine
producers: {count: 1, items: 3}
consumers: {count: 1, behaviour: ack-even-only}
decisions: []
expect:
  join: hangs
  verdict: join-hang/never-acked
  unacknowledged: [i1]
)";

TEST(ScenarioCode, AScenarioRunsARegisteredBehaviourByName) {
  harness::registry r;
  ASSERT_TRUE(r.add_behaviour("ack-even-only", "acknowledges even item ids only", ack_even_only));
  load_result loaded = parse_scenario(k_even_only, "mine.yaml", {.registry = &r});
  ASSERT_TRUE(std::holds_alternative<scenario>(loaded)) << std::get<1>(loaded).front().to_string();
  const scenario& s = std::get<scenario>(loaded);
  EXPECT_EQ(s.work.behaviour.text, "ack-even-only");
  scenario_result const result = run_scenario(s, {.registry = &r});
  EXPECT_TRUE(result.passed) << result.reason;

  // The built-in policy of the same workload acknowledges every item: the behaviour ran.
  scenario with_policy = s;
  with_policy.work.behaviour = {};
  EXPECT_FALSE(run_scenario(with_policy).passed);
}

TEST(ScenarioCode, ALoaderWithoutTheNameSaysWhatItHas) {
  load_result unknown = parse_scenario(k_even_only, "mine.yaml");
  ASSERT_TRUE(std::holds_alternative<std::vector<load_error>>(unknown));
  EXPECT_EQ(std::get<1>(unknown).front().to_string(),
            "mine.yaml:4:34: error: consumers.behaviour: this command has no consumer behaviour "
            "'ack-even-only' (--consumer; it has get-with-timeout). Run it with the command that "
            "registered it.");
}

TEST(ScenarioCode, AVersionOtherThanTheRegisteredOneIsRefused) {
  harness::registry r;
  ASSERT_TRUE(r.add_behaviour("ack-even-only", "", ack_even_only, "2.0"));
  std::string text = k_even_only;
  text.replace(text.find("ack-even-only"), 13, "ack-even-only@1.0");
  load_result loaded = parse_scenario(text, "mine.yaml", {.registry = &r});
  ASSERT_TRUE(std::holds_alternative<std::vector<load_error>>(loaded));
  EXPECT_EQ(std::get<1>(loaded).front().to_string(),
            "mine.yaml:4:34: error: consumers.behaviour: the run used consumer behaviour "
            "ack-even-only@1.0, but this command has ack-even-only@2.0: name it without '@1.0' "
            "to run this command's");
}

TEST(ScenarioCode, AFailureOnANamedQueueCarriesItsNameInTheTokenAndTheReproducer) {
  std::string const text = R"(version: 1
name: planted
queue: {impl: planted/get-counts-down}
producers: {count: 1, items: 2}
consumers: {count: 1}
explore: {schedules: 50}
expect: {verdict: none}
)";
  load_result loaded = parse_scenario(text, "planted.yaml");
  ASSERT_TRUE(std::holds_alternative<scenario>(loaded)) << std::get<1>(loaded).front().to_string();
  const scenario& s = std::get<scenario>(loaded);
  scenario_result const result = run_scenario(s);
  ASSERT_FALSE(result.passed) << "the planted queue fails where the reference passes";
  ASSERT_TRUE(result.evidence.has_value());
  auto decoded = harness::decode_token(result.evidence->token);
  ASSERT_TRUE(std::holds_alternative<harness::decoded_token>(decoded));
  EXPECT_EQ(std::get<harness::decoded_token>(decoded).work.queue_impl.text,
            "planted/get-counts-down");
  EXPECT_TRUE(result.evidence->token.starts_with("cq4-")) << result.evidence->token;
  std::string const yaml = to_yaml(reproducer(s, result));
  EXPECT_NE(yaml.find("impl: planted/get-counts-down"), std::string::npos) << yaml;
  // The reproducer loads and shows the same verdict.
  load_result again = parse_scenario(yaml, "reproducer.yaml");
  ASSERT_TRUE(std::holds_alternative<scenario>(again)) << std::get<1>(again).front().to_string();
  EXPECT_TRUE(run_scenario(std::get<scenario>(again)).passed);
}

TEST(ScenarioCode, GetWithTimeoutRetriesAndExitsWhenIdle) {
  // Consumers that only ever time out exit after three idle timeouts: the run completes.
  std::string const text = R"(version: 1
name: idle
producers: {count: 0}
consumers: {count: 2, behaviour: get-with-timeout}
joiners: {count: 0}
decisions: []
expect: {verdict: none}
)";
  load_result loaded = parse_scenario(text, "idle.yaml");
  ASSERT_TRUE(std::holds_alternative<scenario>(loaded));
  scenario_result const r = run_scenario(std::get<scenario>(loaded));
  EXPECT_TRUE(r.passed) << r.reason;
  harness::run_options options;
  options.consumer = harness::get_with_timeout;
  options.trace = true;
  harness::run_report const run =
      harness::replay(std::get<scenario>(loaded).work, std::vector<std::uint32_t>{}, options);
  EXPECT_EQ(run.end, harness::run_end::complete) << run.trace->to_text();
  std::size_t waits = 0;
  for (const harness::trace_event& e : run.trace->events)
    if (e.operation == "get" && e.outcome == "waiting") ++waits;
  EXPECT_EQ(waits, 6U) << "three timed-out waits per consumer\n" << run.trace->to_text();
}

}  // namespace
}  // namespace chaosq::scenarios

#include "chaosq/scenarios/behaviours.hpp"

#include <gtest/gtest.h>

#include "chaosq/scenarios/loader.hpp"
#include "chaosq/scenarios/runner.hpp"

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

sim::task<void> ack_in_finally(harness::consumer_context& ctx) {
  for (;;) {
    harness::item const it = co_await ctx.get();
    try {
      co_await ctx.process(it);
    } catch (...) {
      ctx.task_done(it);
      throw;
    }
    ctx.task_done(it);
  }
}

TEST(BehaviourRegistry, AddsFindsAndKeepsNamesSorted) {
  behaviour_registry r;
  EXPECT_TRUE(r.add("zeta", "z", ack_in_finally));
  EXPECT_TRUE(r.add("alpha", "a", ack_even_only));
  ASSERT_EQ(r.all().size(), 2U);
  EXPECT_EQ(r.all()[0].name, "alpha");
  EXPECT_EQ(r.all()[1].name, "zeta");
  ASSERT_NE(r.find("zeta"), nullptr);
  EXPECT_EQ(r.find("zeta")->help, "z");
  EXPECT_EQ(r.find("beta"), nullptr);
}

TEST(BehaviourRegistry, RefusesTakenMalformedAndEmpty) {
  behaviour_registry r;
  EXPECT_TRUE(r.add("mine", "", ack_in_finally));
  EXPECT_FALSE(r.add("mine", "again", ack_even_only));
  EXPECT_EQ(r.find("mine")->help, "") << "the first registration stays";
  EXPECT_FALSE(r.add("two words", "", ack_in_finally));
  EXPECT_FALSE(r.add("", "", ack_in_finally));
  EXPECT_FALSE(r.add("empty", "", harness::consumer_fn{}));
  EXPECT_EQ(r.all().size(), 1U);
}

TEST(BehaviourRegistry, BuiltinsHaveHelp) {
  behaviour_registry const r = builtin_behaviours();
  ASSERT_NE(r.find("get-with-timeout"), nullptr);
  for (const behaviour& b : r.all()) EXPECT_FALSE(b.help.empty()) << b.name;
}

TEST(BehaviourRegistry, AScenarioRunsARegisteredBehaviourByName) {
  behaviour_registry r;
  r.add("ack-even-only", "acknowledges even item ids only", ack_even_only);
  std::string const text = R"(version: 1
name: mine
producers: {count: 1, items: 3}
consumers: {count: 1, behaviour: ack-even-only}
decisions: []
expect:
  join: hangs
  verdict: join-hang/never-acked
  unacknowledged: [i1]
)";
  load_result loaded = parse_scenario(text, "mine.yaml", {.behaviours = &r});
  ASSERT_TRUE(std::holds_alternative<scenario>(loaded)) << std::get<1>(loaded).front().to_string();
  const scenario& s = std::get<scenario>(loaded);
  EXPECT_EQ(s.behaviour, "ack-even-only");
  scenario_result const result = run_scenario(s, {.behaviours = &r});
  EXPECT_TRUE(result.passed) << result.reason;

  // The built-in policy of the same workload acknowledges every item: the behaviour ran.
  scenario with_policy = s;
  with_policy.behaviour.clear();
  EXPECT_FALSE(run_scenario(with_policy).passed);

  // Another registry does not know the name.
  load_result unknown = parse_scenario(text, "mine.yaml");
  ASSERT_TRUE(std::holds_alternative<std::vector<load_error>>(unknown));
  EXPECT_EQ(std::get<1>(unknown).front().to_string(),
            "mine.yaml:4:34: error: consumers.behaviour: no behaviour 'ack-even-only' is "
            "registered (registered: get-with-timeout)");
}

TEST(BehaviourRegistry, GetWithTimeoutRetriesAndExitsWhenIdle) {
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
  options.consumer = builtin_behaviours().find("get-with-timeout")->consumer;
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

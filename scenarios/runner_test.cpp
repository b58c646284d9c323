#include "chaosq/scenarios/runner.hpp"

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/shrink.hpp"
#include "chaosq/scenarios/loader.hpp"
#include "chaosq/scenarios/writer.hpp"

namespace chaosq::scenarios {
namespace {

scenario from_text(std::string_view text) {
  load_result r = parse_scenario(text, "t.yaml");
  if (auto* e = std::get_if<std::vector<load_error>>(&r)) {
    ADD_FAILURE() << e->front().to_string();
    return {};
  }
  return std::get<scenario>(r);
}

scenario bundled(const std::string& name) {
  load_result r = load_scenario(std::string(CHAOSQ_SCENARIOS_DIR) + "/" + name + ".yaml");
  if (auto* e = std::get_if<std::vector<load_error>>(&r)) {
    ADD_FAILURE() << e->front().to_string();
    return {};
  }
  return std::get<scenario>(r);
}

/// The classic leak, left open to exploration: a drawn crash may strike any consumer anywhere.
constexpr const char* leak = R"(version: 1
name: leak
producers: {count: 1, items: 3}
consumers: {count: 2, policy: on-success}
faults: {budget: {crashes: 1}}
explore: {schedules: 2000, seed: 1}
)";

std::string leak_expecting(std::string_view expect) {
  return std::string(leak) + std::string(expect);
}

std::string signature_of(const harness::run_report& r) {
  return r.violation ? r.violation->signature() : "none";
}

std::vector<std::uint32_t> ids(const std::vector<harness::item_account>& items) {
  std::vector<std::uint32_t> out;
  for (const harness::item_account& item : items) out.push_back(item.id);
  return out;
}

TEST(Runner, SeedIncidentShowsTheHangAndTheLeakedItem) {
  scenario_result const r = run_scenario(bundled("seed-incident"));
  EXPECT_TRUE(r.passed) << r.reason;
  ASSERT_TRUE(r.evidence);
  const harness::run_report& run = r.evidence->report;
  ASSERT_TRUE(run.violation);
  EXPECT_EQ(run.violation->signature(), "join-hang/held-by-crashed");
  EXPECT_EQ(ids(r.evidence->unacknowledged), std::vector<std::uint32_t>{1});
  EXPECT_NE(run.violation->message.find("Unacknowledged: i1 ("), std::string::npos);
  EXPECT_NE(run.violation->message.find("held by c0"), std::string::npos);
  EXPECT_FALSE(r.evidence->shrunk) << "a PASS shows the schedule as it ran";
  EXPECT_EQ(r.reason, "join-hang/held-by-crashed shown by schedule " +
                          std::to_string(r.evidence_schedule) + ", unacknowledged i1");
}

TEST(Runner, EveryScheduleExpectationFailsOnTheFirstScheduleThatBreaksIt) {
  scenario const s = from_text(leak_expecting("expect: {verdict: none}\n"));
  scenario_result const r = run_scenario(s);
  EXPECT_FALSE(r.passed);
  // The same schedules, in the same order, as `chaosq explore` with the same seed.
  harness::explore_result const explored = harness::explore(s.work, {.schedules = 2000, .seed = 1});
  ASSERT_TRUE(explored.first_failure);
  EXPECT_EQ(r.schedules, explored.first_failure_schedule + 1);
  std::string const signature = explored.first_failure->violation->signature();
  EXPECT_EQ(r.reason, "expected no violation, but schedule " +
                          std::to_string(explored.first_failure_schedule) + " shows " + signature);
  ASSERT_TRUE(r.evidence);
  EXPECT_TRUE(r.evidence->shrunk);
  EXPECT_LE(r.evidence->decisions.size(), r.evidence->original_decisions.size());
  EXPECT_EQ(signature_of(r.evidence->report), signature);
  // The minimal record replays to the same verdict, bit for bit.
  harness::run_report const again = harness::replay(r.evidence->work, r.evidence->decisions);
  EXPECT_EQ(signature_of(again), signature);
  EXPECT_EQ(again.steps, r.evidence->report.steps);
}

TEST(Runner, JoinCompletesFailsOnAHang) {
  scenario_result const r =
      run_scenario(from_text(leak_expecting("expect: {join: completes, verdict: lost}\n")));
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.reason.rfind("expected every join to complete, but schedule ", 0), 0U) << r.reason;
  EXPECT_NE(r.reason.find(" hangs: join-hang/"), std::string::npos) << r.reason;
  ASSERT_TRUE(r.evidence);
  ASSERT_TRUE(r.evidence->report.violation);
  EXPECT_EQ(r.evidence->report.violation->oracle(), harness::oracle::join_hang);
}

TEST(Runner, ForbiddenVerdictFails) {
  scenario const s = from_text(R"(version: 1
name: retry
consumers: {count: 2, policy: twice}
faults: {budget: {crashes: 1}}
explore: {schedules: 2000}
expect: {verdict: over-ack, forbid: [work-unfinished]}
)");
  scenario_result const r = run_scenario(s);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("shows work-unfinished/acked-before-done, forbidden by 'forbid: "
                          "work-unfinished'"),
            std::string::npos)
      << r.reason;
}

TEST(Runner, AnExpectedVerdictNoScheduleShowsFails) {
  scenario const s = from_text(R"(version: 1
name: fine
explore: {schedules: 50}
expect: {verdict: join-hang}
)");
  scenario_result const r = run_scenario(s);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.schedules, 50U);
  EXPECT_EQ(r.reason,
            "no schedule of 50 schedule(s) shows join-hang; every run ended without a violation");
  EXPECT_FALSE(r.evidence);
}

TEST(Runner, OtherUnacknowledgedItemsFailWithTheClosestRun) {
  scenario s = bundled("seed-incident");
  s.expect.unacknowledged = std::vector<std::uint32_t>{2};
  scenario_result const r = run_scenario(s);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("shows join-hang/held-by-crashed with unacknowledged i2; schedule "),
            std::string::npos)
      << r.reason;
  EXPECT_NE(r.reason.find(" shows it with unacknowledged i1"), std::string::npos) << r.reason;
  ASSERT_TRUE(r.evidence);
  EXPECT_EQ(ids(r.evidence->unacknowledged), std::vector<std::uint32_t>{1});
}

TEST(Runner, EveryScheduleAndSomeScheduleTogether) {
  // Early acks: joins complete on every schedule, and some schedule returns one too early.
  scenario_result const r = run_scenario(bundled("early-ack"));
  EXPECT_TRUE(r.passed) << r.reason;
  EXPECT_EQ(r.schedules, 1000U) << "the every-schedule part runs every schedule";
  EXPECT_NE(r.reason.find("; no join hangs and no forbidden verdict in 1000 schedule(s)"),
            std::string::npos)
      << r.reason;
}

TEST(Runner, PinnedDecisionsRunExactlyOnce) {
  scenario_result const r = run_scenario(bundled("seed-incident-pinned"));
  EXPECT_TRUE(r.passed) << r.reason;
  EXPECT_EQ(r.schedules, 1U);
  EXPECT_EQ(r.reason, "join-hang/held-by-crashed shown by the pinned run, unacknowledged i1");
  ASSERT_TRUE(r.evidence);
  EXPECT_EQ(r.evidence->decisions, std::vector<std::uint32_t>{1});
}

TEST(Runner, RunsAreDeterministic) {
  scenario const s = from_text(leak_expecting("expect: {verdict: none}\n"));
  scenario_result const a = run_scenario(s);
  scenario_result const b = run_scenario(s);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.signatures, b.signatures);
  ASSERT_TRUE(a.evidence && b.evidence);
  EXPECT_EQ(a.evidence->decisions, b.evidence->decisions);
  EXPECT_EQ(a.evidence->report.trace->to_text(), b.evidence->report.trace->to_text());
}

// ---- round trip: a failure, written as YAML, run again, shows the same verdict ----

void expect_round_trip(const scenario& pinned, const std::string& signature) {
  std::string const text = to_yaml(pinned, "round trip");
  load_result loaded = parse_scenario(text, "repro.yaml");
  ASSERT_TRUE(std::holds_alternative<scenario>(loaded))
      << std::get<1>(loaded).front().to_string() << "\n"
      << text;
  EXPECT_EQ(std::get<scenario>(loaded), pinned);
  scenario_result const again = run_scenario(std::get<scenario>(loaded));
  EXPECT_TRUE(again.passed) << again.reason << "\n" << text;
  EXPECT_EQ(again.schedules, 1U);
  if (signature == "none") {
    EXPECT_EQ(again.reason, "no violation in the pinned run");
    return;
  }
  ASSERT_TRUE(again.evidence);
  EXPECT_EQ(signature_of(again.evidence->report), signature);
}

TEST(RoundTrip, ARunFailureSavedAsAReproducerReproducesItsVerdict) {
  scenario const s = from_text(leak_expecting("expect: {verdict: none}\n"));
  scenario_result const r = run_scenario(s);
  ASSERT_FALSE(r.passed);
  ASSERT_TRUE(r.evidence);
  scenario const repro = reproducer(s, r);
  EXPECT_EQ(repro.name, "leak-repro");
  EXPECT_EQ(repro.decisions, r.evidence->decisions);
  EXPECT_EQ(repro.expect.join, join_outcome::hangs);
  EXPECT_EQ(repro.expect.unacknowledged, ids(r.evidence->unacknowledged));
  expect_round_trip(repro, signature_of(r.evidence->report));
}

TEST(RoundTrip, AnExploreFailureSavedAsAScenarioReproducesItsVerdict) {
  // What `chaosq explore --save-scenario` does: explore, shrink, pin.
  harness::workload w;
  w.policy = harness::ack_policy::twice;
  w.faults.crashes = 1;
  w.joiners = 0;
  harness::explore_result const found = harness::explore(w, {.schedules = 5000, .seed = 3});
  ASSERT_TRUE(found.first_failure);
  std::string const signature = found.first_failure->violation->signature();
  harness::shrink_result const minimal =
      harness::shrink(w, found.first_failure->decisions, signature);
  scenario const pinned = pinned_scenario("explored", "found by explore", minimal.work,
                                          minimal.decisions, minimal.report);
  EXPECT_EQ(pinned.expect.verdict->to_string(), signature);
  expect_round_trip(pinned, signature);
}

TEST(RoundTrip, APassingRunPinnedExpectsNoViolation) {
  harness::workload const w;
  harness::run_report const r = harness::replay(w, std::vector<std::uint32_t>{}, {.trace = true});
  ASSERT_FALSE(r.violation);
  scenario const pinned = pinned_scenario("clean", "", w, {}, r);
  EXPECT_FALSE(pinned.expect.verdict);
  expect_round_trip(pinned, "none");
}

TEST(Strategies, EveryTableEntryIsFoundByName) {
  ASSERT_FALSE(strategies().empty());
  EXPECT_EQ(strategies().front().name, "random");
  for (const strategy& s : strategies()) {
    EXPECT_EQ(find_strategy(s.name), &s);
    EXPECT_FALSE(s.help.empty());
    EXPECT_EQ(harness::name_of(s.kind), s.name);
  }
  EXPECT_EQ(find_strategy("no-such-strategy"), nullptr);
}

// ---- the strategy knobs reach harness::explore, the loop `chaosq explore` runs ----

TEST(Strategies, DfsBoundsFromTheScenarioBoundTheSearch) {
  auto dfs_scenario = [](std::uint32_t preemptions) {
    return from_text(R"(version: 1
name: bounded
producers: {count: 1, items: 2}
consumers: {count: 2, policy: finally}
faults: {budget: {crashes: 1}}
explore: {strategy: dfs, schedules: 100000, preemptions: )" +
                     std::to_string(preemptions) + R"(, max_faults: 0}
expect: {verdict: none}
)");
  };
  for (std::uint32_t k : {0U, 1U}) {
    scenario const s = dfs_scenario(k);
    EXPECT_EQ(s.explore.preemptions, k);
    EXPECT_EQ(s.explore.max_faults, 0U);
    scenario_result const r = run_scenario(s);
    EXPECT_TRUE(r.passed) << r.reason;
    harness::explore_result const direct =
        harness::explore(s.work, {.schedules = 100000,
                                  .strategy = harness::strategy_kind::dfs,
                                  .preemptions = k,
                                  .max_faults = 0});
    EXPECT_TRUE(direct.stats.exhausted);
    EXPECT_EQ(r.schedules, direct.stats.schedules) << "preemptions " << k;
  }
  EXPECT_LT(run_scenario(dfs_scenario(0)).schedules, run_scenario(dfs_scenario(1)).schedules);
}

TEST(Strategies, PctDepthFromTheScenarioReachesTheStrategy) {
  for (std::uint32_t d : {1U, 4U}) {
    std::string text = leak_expecting("expect: {verdict: none}\n");
    text.replace(text.find("explore: {"), 10,
                 "explore: {strategy: pct, depth: " + std::to_string(d) + ", ");
    scenario const s = from_text(text);
    EXPECT_EQ(s.explore.depth, d);
    scenario_result const r = run_scenario(s, {.shrink = false});
    harness::explore_result const direct = harness::explore(
        s.work, {.schedules = 2000, .strategy = harness::strategy_kind::pct, .depth = d});
    ASSERT_TRUE(direct.first_failure);
    EXPECT_EQ(r.evidence_schedule, direct.first_failure_schedule) << "depth " << d;
    EXPECT_EQ(r.evidence->decisions, harness::trim_record(direct.first_failure->decisions));
  }
}

}  // namespace
}  // namespace chaosq::scenarios

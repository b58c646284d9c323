#include "chaosq/harness/engine.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"

namespace chaosq::harness {
namespace {

workload classic_leak() {
  workload w;
  w.policy = ack_policy::on_success;
  w.items = 3;
  w.consumers = 2;
  w.faults.crashes = 1;
  return w;
}

TEST(engine, classic_leak_hangs_join_and_names_the_leaked_item) {
  explore_result const found = explore(classic_leak(), {.schedules = 1000, .seed = 1});
  ASSERT_TRUE(found.first_failure);
  const verdict& v = *found.first_failure->violation;
  EXPECT_EQ(v.signature(), "join-hang/held-by-crashed");
  EXPECT_NE(v.message.find("held by c"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("crash at "), std::string::npos) << v.message;
}

TEST(engine, the_correct_policy_survives_the_same_exploration) {
  workload w = classic_leak();
  w.policy = ack_policy::finally;
  explore_result const found = explore(w, {.schedules = 2000, .seed = 1});
  EXPECT_FALSE(found.first_failure) << found.first_failure->violation->message;
  EXPECT_EQ(found.stats.schedules, 2000U);
}

TEST(engine, a_run_is_a_function_of_its_decision_record) {
  workload w = classic_leak();
  w.faults.cancels = 1;
  w.faults.shutdown = shutdown_allowance::any;
  w.maxsize = 2;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    sim::random_decisions d(seed);
    run_report const first = run(w, d, {.trace = true});
    run_report const again = replay(w, first.decisions, {.trace = true});
    ASSERT_EQ(first.decisions, again.decisions);
    ASSERT_EQ(first.trace->to_text(), again.trace->to_text()) << "seed " << seed;
    ASSERT_EQ(first.trace->to_json(), again.trace->to_json());
    ASSERT_EQ(first.violation.has_value(), again.violation.has_value());
    if (first.violation) {
      EXPECT_EQ(first.violation->message, again.violation->message);
    }
  }
}

TEST(engine, tracing_does_not_change_the_run) {
  workload w = classic_leak();
  w.faults.cancels = 2;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    sim::random_decisions a(seed);
    sim::random_decisions b(seed);
    run_report const fast = run(w, a);
    run_report const traced = run(w, b, {.trace = true});
    EXPECT_EQ(fast.decisions, traced.decisions);
    EXPECT_EQ(fast.steps, traced.steps);
    EXPECT_FALSE(fast.trace.has_value());
  }
}

/// The checked-in trace was produced by one compiler; every other build must print the same
/// bytes. Set CHAOSQ_UPDATE_GOLDEN=1 to rewrite it after an intended change of the engine.
TEST(engine, traces_are_byte_identical_across_compilers) {
  workload w = classic_leak();
  w.items = 4;
  w.maxsize = 2;
  w.faults.cancels = 1;
  w.faults.shutdown = shutdown_allowance::any;
  std::string text;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    sim::random_decisions d(seed);
    run_report const r = run(w, d, {.trace = true});
    text += "seed " + std::to_string(seed) + ": " +
            (r.violation ? r.violation->signature() + " " + r.violation->message : "pass") + "\n" +
            r.trace->to_text();
  }
  std::string const path = std::string(CHAOSQ_TESTDATA) + "/golden_traces.txt";
  if (std::getenv("CHAOSQ_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << text;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(golden.str(), text);
}

}  // namespace
}  // namespace chaosq::harness

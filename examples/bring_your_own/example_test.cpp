// The engine judges a user's own queue and consumer as it judges its own: it must catch the bug
// planted in job_queue, and the reference queue (and the corrected job_queue) must pass the very
// decisions that expose it.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/shrink.hpp"

#include "demo.hpp"

namespace byo {
namespace {

namespace harness = chaosq::harness;

harness::explore_options exploration(harness::run_options run, std::uint64_t seed = k_seed) {
  harness::explore_options options;
  options.schedules = k_schedules;
  options.seed = seed;
  options.run = std::move(run);
  return options;
}

std::vector<std::uint32_t> decisions_that_expose_the_bug() {
  harness::explore_result const found =
      harness::explore(demo_workload(), exploration(with_job_queue(flaw::drain_forgets_join)));
  if (!found.first_failure) return {};
  return found.first_failure->decisions;
}

TEST(example, the_engine_catches_the_planted_bug_with_its_signature) {
  harness::explore_result const found =
      harness::explore(demo_workload(), exploration(with_job_queue(flaw::drain_forgets_join)));
  ASSERT_TRUE(found.first_failure) << "not caught in " << k_schedules << " schedules";
  const harness::verdict& v = *found.first_failure->violation;
  EXPECT_EQ(v.signature(), "join-late/not-woken") << v.message;
  EXPECT_NE(v.message.find("was not woken"), std::string::npos) << v.message;
}

harness::shrink_result shrunk(const std::vector<std::uint32_t>& decisions) {
  harness::shrink_options options;
  options.run = with_job_queue(flaw::drain_forgets_join);
  return harness::shrink(demo_workload(), decisions, "join-late/not-woken", options);
}

TEST(example, the_shrunk_failure_shows_the_immediate_shutdown_that_strands_join) {
  std::vector<std::uint32_t> const decisions = decisions_that_expose_the_bug();
  ASSERT_FALSE(decisions.empty());
  harness::shrink_result const minimal = shrunk(decisions);
  EXPECT_LE(minimal.minimal_size, decisions.size());
  harness::run_options traced = with_job_queue(flaw::drain_forgets_join);
  traced.trace = true;
  harness::run_report const r = harness::replay(demo_workload(), minimal.decisions, traced);
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->signature(), "join-late/not-woken");
  ASSERT_TRUE(r.trace);
  bool marked_shutdown = false;
  bool marked_join = false;
  for (const harness::trace_event& e : r.trace->events) {
    marked_shutdown |= e.marked && e.operation == "shutdown-immediate";
    marked_join |= e.marked && e.operation == "join";
  }
  EXPECT_TRUE(marked_shutdown) << r.trace->to_text();
  EXPECT_TRUE(marked_join) << r.trace->to_text();
}

// The oracles judge the queue's behaviour with the reference as the model: on the decisions
// that expose the bug (found, and shrunk), the reference and the corrected job_queue pass.
TEST(example, the_reference_queue_passes_the_same_decisions) {
  std::vector<std::uint32_t> const found = decisions_that_expose_the_bug();
  ASSERT_FALSE(found.empty());
  std::vector<std::uint32_t> const minimal = shrunk(found).decisions;
  for (const std::vector<std::uint32_t>& decisions : {found, minimal}) {
    harness::run_report const ref =
        harness::replay(demo_workload(), decisions, with_reference_queue());
    EXPECT_FALSE(ref.violation) << ref.violation->signature() << " " << ref.violation->message;
    harness::run_report const fixed =
        harness::replay(demo_workload(), decisions, with_job_queue(flaw::none));
    EXPECT_FALSE(fixed.violation) << fixed.violation->signature() << " "
                                  << fixed.violation->message;
  }
}

TEST(example, the_reference_and_the_corrected_queue_pass_the_whole_exploration) {
  for (const harness::run_options& run : {with_reference_queue(), with_job_queue(flaw::none)}) {
    harness::explore_result const r = harness::explore(demo_workload(), exploration(run));
    EXPECT_FALSE(r.first_failure) << r.first_failure->violation->signature() << " "
                                  << r.first_failure->violation->message;
    EXPECT_EQ(r.stats.schedules, k_schedules);
  }
}

// A plain run (asyncio order, no fault: what a hand-written unit test does) does not show the
// bug; every seed's exploration does.
TEST(example, the_bug_needs_the_engine_and_every_seed_finds_it) {
  harness::run_report const plain =
      harness::replay(demo_workload(), {}, with_job_queue(flaw::drain_forgets_join));
  EXPECT_FALSE(plain.violation);
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    harness::explore_result const r = harness::explore(
        demo_workload(), exploration(with_job_queue(flaw::drain_forgets_join), seed));
    ASSERT_TRUE(r.first_failure) << "seed " << seed;
    EXPECT_EQ(r.first_failure->violation->signature(), "join-late/not-woken") << "seed " << seed;
  }
}

}  // namespace
}  // namespace byo

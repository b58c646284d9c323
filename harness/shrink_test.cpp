#include "chaosq/harness/shrink.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/zoo.hpp"

#include "testing/workloads.hpp"

namespace chaosq::harness {
namespace {

shrink_result shrink_first_failure(const workload& w, strategy_kind kind = strategy_kind::random) {
  explore_result const found = explore(w, {.schedules = 20'000, .seed = 1, .strategy = kind});
  EXPECT_TRUE(found.first_failure);
  if (!found.first_failure) return {};
  shrink_result s = shrink(w, found.first_failure->decisions,
                           found.first_failure->violation->signature(), {.max_runs = 20'000});
  EXPECT_FALSE(s.stopped_early);
  EXPECT_LE(s.minimal_size, s.original_size);
  return s;
}

std::vector<std::uint64_t> marked_steps_of(const run_report& r) {
  std::vector<std::uint64_t> steps;
  for (const trace_event& e : r.trace->events)
    if (e.marked && (steps.empty() || steps.back() != e.step)) steps.push_back(e.step);
  return steps;
}

const trace_event* find_event(const run_report& r, std::string_view operation, std::int64_t item) {
  for (const trace_event& e : r.trace->events)
    if (e.operation == operation && (item < 0 || e.item == item)) return &e;
  return nullptr;
}

/// The promise: from a 20-item, 4-consumer workload, the classic leak shrinks to one
/// crash, zero preemptions, and marked steps that are exactly the leaked item's put, get and
/// crash and the pending join.
TEST(shrink, the_classic_leak_shrinks_to_one_crash_and_no_preemption) {
  workload w;
  w.policy = ack_policy::on_success;
  w.items = 20;
  w.consumers = 4;
  w.faults.crashes = 1;
  shrink_result const s = shrink_first_failure(w);
  ASSERT_TRUE(s.report.violation);
  EXPECT_EQ(s.report.violation->signature(), "join-hang/held-by-crashed");
  EXPECT_EQ(s.drawn_faults, 1U);
  EXPECT_EQ(s.preemptions, 0U);

  const trace_event* crash = find_event(s.report, "crash", -1);
  ASSERT_NE(crash, nullptr);
  std::int64_t const leaked = crash->item;
  const trace_event* put = find_event(s.report, "put", leaked);
  const trace_event* get = find_event(s.report, "get", leaked);
  const trace_event* join = find_event(s.report, "join", -1);
  ASSERT_TRUE(put && get && join);
  std::vector<std::uint64_t> expected{put->step, get->step, crash->step, join->step};
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  EXPECT_EQ(marked_steps_of(s.report), expected);
}

/// Each built-in policy bug has a small, recognisable minimal trace.
TEST(shrink, each_leaky_policy_shrinks_to_its_characteristic_trace) {
  struct expectation {
    ack_policy policy;
    std::uint32_t crashes;
    std::string signature_prefix;
    std::uint32_t drawn_faults;
  };
  for (const expectation& e :
       {expectation{ack_policy::on_success, 1, "join-hang/held-by-crashed", 1},
        expectation{ack_policy::before_work, 0, "work-unfinished/", 0},
        expectation{ack_policy::twice, 1, "", 1},
        expectation{ack_policy::never, 0, "join-hang/never-acked", 0}}) {
    workload w;
    w.policy = e.policy;
    w.items = 5;
    w.consumers = 3;
    w.work_steps = 2;
    w.faults.crashes = e.crashes;
    shrink_result const s = shrink_first_failure(w);
    ASSERT_TRUE(s.report.violation) << name_of(e.policy);
    EXPECT_TRUE(s.report.violation->signature().starts_with(e.signature_prefix))
        << name_of(e.policy) << ": " << s.report.violation->signature();
    EXPECT_EQ(s.drawn_faults, e.drawn_faults) << name_of(e.policy);
    EXPECT_EQ(s.preemptions, 0U) << name_of(e.policy) << "\n" << s.report.trace->to_text();
  }
}

TEST(shrink, a_shrunk_record_fails_the_same_way_and_is_never_larger) {
  workload w;
  w.policy = ack_policy::on_success;
  w.items = 4;
  w.consumers = 3;
  w.faults = {.crashes = 2, .cancels = 1, .shutdown = shutdown_allowance::any};
  int checked = 0;
  for (std::uint64_t seed = 0; seed < 300 && checked < 25; ++seed) {
    sim::random_decisions d(seed);
    run_report const r = run(w, d);
    if (!r.violation) continue;
    ++checked;
    shrink_result const s = shrink(w, r.decisions, r.violation->signature(), {.max_runs = 3'000});
    EXPECT_LE(s.minimal_size, trim_record(r.decisions).size());
    run_report const again = replay(s.work, s.decisions);
    ASSERT_TRUE(again.violation);
    EXPECT_EQ(again.violation->signature(), r.violation->signature());
  }
  EXPECT_GT(checked, 0);
}

TEST(shrink, a_generated_workload_shrinks_with_its_record) {
  workload_space space;
  space.policies = {ack_policy::on_success};
  space.max_items = 6;
  space.max_consumers = 3;
  space.max_crashes = 2;
  for (std::uint64_t seed = 0; seed < 500; ++seed) {
    sim::random_decisions d(seed);
    generated_run const g = run_generated(space, d);
    if (!g.report.violation || g.report.violation->signature() != "join-hang/held-by-crashed")
      continue;
    shrink_result const s = shrink_generated(space, g.report.decisions,
                                             g.report.violation->signature(), {.max_runs = 5'000});
    // The workload is drawn from the record, so it can only get smaller with it.
    EXPECT_LE(s.work.producers * s.work.items, g.work.producers * g.work.items);
    EXPECT_LE(s.work.consumers, g.work.consumers);
    EXPECT_LE(s.work.items, 2U);
    EXPECT_EQ(s.drawn_faults, 1U);
    EXPECT_EQ(s.report.violation->signature(), "join-hang/held-by-crashed");
    return;
  }
  FAIL() << "no leak found to shrink";
}

TEST(shrink, shrinks_the_workload_field_by_field_as_the_field_table_says) {
  workload w;
  w.kind = queue::queue_kind::lifo;
  w.maxsize = 6;
  w.producers = 3;
  w.items = 40;
  w.consumers = 4;
  w.policy = ack_policy::on_success;
  w.work_steps = 3;
  w.joiners = 2;
  w.join_timeout_ms = 5000;
  w.faults.crashes = 3;
  w.faults.cancels = 2;
  w.faults.shutdown = shutdown_allowance::graceful;
  explore_result const found = explore(w, {.schedules = 2000, .seed = 1});
  ASSERT_TRUE(found.first_failure);
  std::string const signature = found.first_failure->violation->signature();
  shrink_result const s = shrink(w, found.first_failure->decisions, signature,
                                 {.max_runs = 20'000, .shrink_workload = true});
  EXPECT_EQ(s.report.violation->signature(), signature);
  EXPECT_EQ(s.work.producers, 1U);
  EXPECT_EQ(s.work.joiners, 1U);
  EXPECT_EQ(s.work.maxsize, 1);  // its floor: 0 would be unbounded, no smaller
  EXPECT_LE(s.work.items, 2U);
  EXPECT_LE(s.work.consumers, 1U);
  EXPECT_EQ(s.work.work_steps, 0U);
  EXPECT_EQ(s.work.faults.crashes, 1U);
  EXPECT_EQ(s.work.faults.cancels, 0U);
  EXPECT_EQ(s.work.faults.shutdown, shutdown_allowance::none);  // back to its default
  // Not shrunk (-1 in the table): the queue kind, the policy, the join's deadline.
  EXPECT_EQ(s.work.kind, w.kind);
  EXPECT_EQ(s.work.policy, w.policy);
  EXPECT_EQ(s.work.join_timeout_ms, w.join_timeout_ms);
}

TEST(shrink, stops_when_out_of_runs_and_says_so) {
  workload w;
  w.policy = ack_policy::on_success;
  w.items = 10;
  w.consumers = 3;
  w.faults.crashes = 1;
  explore_result const found = explore(w, {.schedules = 1000, .seed = 3});
  ASSERT_TRUE(found.first_failure);
  shrink_result const s = shrink(w, found.first_failure->decisions,
                                 found.first_failure->violation->signature(), {.max_runs = 3});
  EXPECT_TRUE(s.stopped_early);
  EXPECT_EQ(s.runs, 3U);
  ASSERT_TRUE(s.report.violation) << "even stopped early, the result still fails";
}

/// A queue with a planted bug (get lowers the count) under consumers that ack before the work:
/// the reference fails this workload too, with the bug's own signature on some records. Found
/// against the reference, the failure is the queue's; shrinking it by signature alone walks onto
/// a record the reference fails too (the workload's fault, not the queue's); shrinking it
/// against the reference ends on a record the reference passes.
TEST(shrink, against_the_reference_keeps_every_candidate_the_queues_own) {
  workload const w = testing::early_ack();
  run_options queue;
  queue.make_queue = planted_queue_factory(planted_bug::get_counts_down);
  explore_result const found = explore(
      w,
      {.schedules = 5'000, .seed = 1, .run = queue, .against_reference = reference_check::passes});
  ASSERT_TRUE(found.first_failure);
  std::string const signature = found.first_failure->violation->signature();
  ASSERT_EQ(run_reference(w, found.first_failure->decisions, signature, queue),
            reference_outcome::passes);

  shrink_result const by_signature =
      shrink(w, found.first_failure->decisions, signature, {.run = queue});
  ASSERT_TRUE(by_signature.report.violation);
  EXPECT_NE(run_reference(w, by_signature.decisions, signature, queue), reference_outcome::passes)
      << "the workload no longer shows what it is for: shrinking by signature alone should end "
         "on a record the reference fails too";

  shrink_result const mine = shrink(w, found.first_failure->decisions, signature,
                                    {.run = queue, .against_reference = reference_check::passes});
  ASSERT_TRUE(mine.report.violation);
  EXPECT_EQ(mine.report.violation->signature(), signature);
  EXPECT_FALSE(mine.stopped_early);
  EXPECT_LE(mine.minimal_size, mine.original_size);
  EXPECT_EQ(run_reference(w, mine.decisions, signature, queue), reference_outcome::passes)
      << "the minimal record fails on the reference queue too";
  EXPECT_GT(mine.minimal_size, by_signature.minimal_size);
}

/// Shrinking a generated workload keeps the rule too: the minimal workload and record pass on
/// the reference.
TEST(shrink, a_generated_workload_shrinks_against_the_reference) {
  workload_space space;
  space.policies = {ack_policy::before_work};
  run_options queue;
  queue.make_queue = planted_queue_factory(planted_bug::late_count);
  queue.explain = false;
  int shrunk = 0;
  for (std::uint64_t seed = 0; seed < 400 && shrunk < 5; ++seed) {
    sim::random_decisions d(seed);
    generated_run const g = run_generated(space, d, queue);
    if (!g.report.violation) continue;
    std::string const signature = g.report.violation->signature();
    std::span<const std::uint32_t> const record = g.report.decisions;
    std::span<const std::uint32_t> const own = record.subspan(workload_prefix(space, record));
    if (!blames_code_under_test(g.work, own, signature, queue, reference_check::passes)) continue;
    ++shrunk;
    shrink_result const s = shrink_generated(
        space, record, signature, {.run = queue, .against_reference = reference_check::passes});
    ASSERT_TRUE(s.report.violation);
    EXPECT_EQ(s.report.violation->signature(), signature);
    std::span<const std::uint32_t> const minimal = s.decisions;
    EXPECT_EQ(
        run_reference(s.work, minimal.subspan(workload_prefix(space, minimal)), signature, queue),
        reference_outcome::passes)
        << "seed " << seed << ": " << describe(s.work);
  }
  EXPECT_EQ(shrunk, 5);
}

}  // namespace
}  // namespace chaosq::harness

#include "chaosq/harness/explore_space.hpp"

#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "chaosq/harness/token.hpp"
#include "chaosq/harness/zoo.hpp"

namespace chaosq::harness {
namespace {

/// A small space: every drawn field, a couple of each.
workload_space small_space() {
  workload_space space;
  space.max_items = 3;
  space.max_producers = 2;
  space.max_consumers = 2;
  space.max_joiners = 1;
  return space;
}

explore_space_options planted(planted_bug bug, strategy_kind strategy) {
  explore_space_options options{.workloads = 50, .schedules = 200, .seed = 1, .strategy = strategy};
  options.run.make_queue = planted_queue_factory(bug);
  options.against_reference = reference_check_for(bug);
  return options;
}

std::string outcome(const workload& w, const std::vector<std::uint32_t>& decisions,
                    const run_options& run) {
  run_report const r = replay(w, decisions, run);
  return r.violation ? r.violation->signature() : "pass";
}

class explore_space_strategy : public testing::TestWithParam<strategy_kind> {};

/// Each strategy, driven over drawn workloads, catches a planted bug; the failure it makes is
/// shrunk to a workload no larger than the one it was found on, still fails on the planted
/// queue with its signature, passes on the reference, and its token replays it.
TEST_P(explore_space_strategy, finds_a_planted_bug_and_shrinks_its_workload) {
  explore_space_options const options = planted(planted_bug::get_counts_down, GetParam());
  explore_space_result const r = explore_space(small_space(), options);
  ASSERT_TRUE(r.first_failure) << name_of(GetParam());
  const failure& f = *r.first_failure;
  EXPECT_EQ(r.stats.workloads, r.first_failure_workload + 1);
  EXPECT_EQ(r.stats.failing_workloads, 1U);
  ASSERT_EQ(r.stats.per_workload.size(), r.stats.workloads);
  for (std::uint64_t i = 0; i < r.first_failure_workload; ++i)
    EXPECT_EQ(r.stats.per_workload[i].stats.violations, 0U) << "workload " << i;
  EXPECT_GT(r.stats.per_workload.back().stats.violations, 0U);
  EXPECT_EQ(f.original_work, draw_workload(small_space(), options.seed, r.first_failure_workload));
  EXPECT_TRUE(f.shrunk);

  const workload& was = f.original_work;
  const workload& now = f.work;
  EXPECT_LE(now.producers, was.producers);
  EXPECT_LE(now.items, was.items);
  EXPECT_LE(now.consumers, was.consumers);
  EXPECT_LE(now.joiners, was.joiners);
  EXPECT_LE(now.work_steps, was.work_steps);
  EXPECT_LE(now.restarts, was.restarts);
  EXPECT_LE(now.faults.crashes, was.faults.crashes);
  EXPECT_LE(now.faults.cancels, was.faults.cancels);
  EXPECT_LE(now.producers * now.items, was.producers * was.items);

  EXPECT_EQ(outcome(f.work, f.decisions, options.run), f.signature);
  EXPECT_EQ(outcome(f.work, f.decisions, {}), "pass");
  EXPECT_EQ(outcome(was, f.original_decisions, options.run), f.signature);

  auto decoded = decode_token(f.token);
  ASSERT_TRUE(std::holds_alternative<decoded_token>(decoded)) << f.token;
  EXPECT_EQ(std::get<decoded_token>(decoded).work, f.work);
  EXPECT_EQ(outcome(std::get<decoded_token>(decoded).work,
                    std::get<decoded_token>(decoded).decisions, options.run),
            f.signature);
}

INSTANTIATE_TEST_SUITE_P(harness, explore_space_strategy,
                         testing::Values(strategy_kind::random, strategy_kind::pct,
                                         strategy_kind::dfs, strategy_kind::portfolio),
                         [](const auto& p) { return std::string(name_of(p.param)); });

TEST(explore_space, the_same_seed_gives_the_same_result_and_another_seed_other_workloads) {
  explore_space_options options = planted(planted_bug::late_count, strategy_kind::pct);
  options.keep_going = true;
  options.workloads = 12;
  options.schedules = 30;
  explore_space_result const a = explore_space(small_space(), options);
  explore_space_result const b = explore_space(small_space(), options);
  ASSERT_TRUE(a.first_failure);
  ASSERT_TRUE(b.first_failure);
  EXPECT_EQ(a.first_failure->token, b.first_failure->token);
  EXPECT_EQ(a.first_failure->original_token, b.first_failure->original_token);
  EXPECT_EQ(a.first_failure_workload, b.first_failure_workload);
  EXPECT_EQ(a.first_failure_schedule, b.first_failure_schedule);
  EXPECT_EQ(a.stats.signatures, b.stats.signatures);
  EXPECT_EQ(a.stats.total_steps, b.stats.total_steps);
  EXPECT_EQ(a.stats.workloads, 12U);
  ASSERT_EQ(a.stats.per_workload.size(), 12U);
  for (std::uint64_t i = 0; i < 12; ++i)
    EXPECT_EQ(a.stats.per_workload[i].work, draw_workload(small_space(), options.seed, i));

  std::size_t differ = 0;
  for (std::uint64_t i = 0; i < 30; ++i)
    differ += draw_workload(small_space(), 2, i) != draw_workload(small_space(), 1, i);
  EXPECT_GT(differ, 15U);
}

TEST(explore_space, keep_going_counts_every_workload_and_stop_ends_at_the_first) {
  explore_space_options options = planted(planted_bug::get_counts_down, strategy_kind::random);
  options.workloads = 20;
  options.schedules = 50;
  explore_space_result const stopped = explore_space(small_space(), options);
  options.keep_going = true;
  explore_space_result const all = explore_space(small_space(), options);
  ASSERT_TRUE(stopped.first_failure);
  ASSERT_TRUE(all.first_failure);
  EXPECT_EQ(stopped.stats.workloads, stopped.first_failure_workload + 1);
  EXPECT_EQ(all.stats.workloads, 20U);
  EXPECT_GT(all.stats.failing_workloads, 1U);
  EXPECT_EQ(all.first_failure_workload, stopped.first_failure_workload);
  EXPECT_EQ(all.first_failure->token, stopped.first_failure->token);
  std::uint64_t violations = 0;
  std::uint64_t schedules = 0;
  for (const space_workload_stats& s : all.stats.per_workload) {
    violations += s.stats.violations;
    schedules += s.stats.schedules;
  }
  EXPECT_EQ(all.stats.violations, violations);
  EXPECT_EQ(all.stats.schedules, schedules);
}

/// on_progress sees each schedule once, as it is judged, with counts over every workload so far
/// rising to the totals; watching changes nothing found. Without keep_going, its last call is the
/// failing schedule's.
TEST(explore_space, on_progress_counts_every_schedule_over_every_workload) {
  workload_space space = small_space();
  space.policies = {ack_policy::on_success};
  space.max_crashes = 1;
  explore_space_options options{.workloads = 20, .schedules = 50, .seed = 1};
  for (bool const keep_going : {true, false}) {
    options.keep_going = keep_going;
    options.on_progress = nullptr;
    explore_space_result const unwatched = explore_space(space, options);
    std::uint64_t calls = 0;
    std::uint64_t schedules = 0;
    std::uint64_t violations = 0;
    bool rising = true;
    options.on_progress = [&](std::uint64_t done, std::uint64_t counted) {
      ++calls;
      rising = rising && done == schedules + 1 && counted >= violations && counted <= done;
      schedules = done;
      violations = counted;
    };
    explore_space_result const watched = explore_space(space, options);
    EXPECT_TRUE(rising) << keep_going;
    EXPECT_EQ(calls, watched.stats.schedules) << keep_going;
    EXPECT_EQ(schedules, watched.stats.schedules) << keep_going;
    EXPECT_EQ(violations, watched.stats.violations) << keep_going;
    EXPECT_EQ(violations > 1, keep_going);
    EXPECT_EQ(watched.stats.schedules, unwatched.stats.schedules) << keep_going;
    ASSERT_TRUE(watched.first_failure && unwatched.first_failure);
    EXPECT_EQ(watched.first_failure->token, unwatched.first_failure->token) << keep_going;
  }
}

/// The space's fixed fields stay fixed: code names and policy come from the base workload.
TEST(explore_space, fixed_fields_carry_to_every_drawn_workload) {
  workload_space space = small_space();
  space.base.queue_impl.text = "planted/late-count";
  space.base.faults.odds = 7;
  space.policies = {ack_policy::twice};
  space.shutdown = false;
  space.base.faults.shutdown = shutdown_allowance::graceful;
  for (std::uint64_t i = 0; i < 20; ++i) {
    workload const w = draw_workload(space, 5, i);
    EXPECT_EQ(w.queue_impl.text, "planted/late-count");
    EXPECT_EQ(w.faults.odds, 7U);
    EXPECT_EQ(w.policy, ack_policy::twice);
    EXPECT_EQ(w.faults.shutdown, shutdown_allowance::graceful);
  }
}

/// The reference queue with correct consumers: nothing to find over a few hundred workloads
/// (every queue kind, bound, put mode, joiners at start, drawn shutdowns), as long as no fault
/// ends the consumers (which strands the items: the workload's fault, see below).
TEST(explore_space, the_reference_with_finally_finds_nothing) {
  workload_space space;
  space.policies = {ack_policy::finally};
  space.max_crashes = 0;
  space.max_cancels = 0;
  explore_space_result const r =
      explore_space(space, {.workloads = 300, .schedules = 20, .seed = 7, .keep_going = true});
  EXPECT_FALSE(r.first_failure) << (r.first_failure ? failure_text(*r.first_failure) : "");
  EXPECT_EQ(r.stats.workloads, 300U);
  EXPECT_EQ(r.stats.schedules, 300U * 20U);
  EXPECT_EQ(r.stats.violations, 0U);
}

/// With crashes and cancellations drawn, faults can end every consumer and strand items on the
/// reference itself; judged against the reference (`passes`), a queue that behaves as the
/// reference is never blamed for them, while unjudged the same space does fail.
TEST(explore_space, against_the_reference_faults_that_break_the_workload_are_not_the_queues) {
  workload_space space;
  space.policies = {ack_policy::finally};
  explore_space_options options{.workloads = 300, .schedules = 20, .seed = 7, .keep_going = true};
  explore_space_result const unjudged = explore_space(space, options);
  EXPECT_GT(unjudged.stats.violations, 0U);
  EXPECT_TRUE(unjudged.stats.signatures.contains("join-hang/unconsumed"));

  options.run.make_queue = planted_queue_factory(planted_bug::none);
  options.against_reference = reference_check::passes;
  explore_space_result const judged = explore_space(space, options);
  EXPECT_FALSE(judged.first_failure)
      << (judged.first_failure ? failure_text(*judged.first_failure) : "");
  EXPECT_EQ(judged.stats.violations, 0U);
  EXPECT_EQ(judged.stats.schedules, unjudged.stats.schedules);
}

/// A leaky policy is found on the reference queue too, without a queue under test.
TEST(explore_space, a_leaky_policy_is_found_without_a_queue_under_test) {
  workload_space space = small_space();
  space.policies = {ack_policy::on_success};
  space.max_crashes = 1;
  explore_space_result const r =
      explore_space(space, {.workloads = 50, .schedules = 200, .seed = 1});
  ASSERT_TRUE(r.first_failure);
  EXPECT_EQ(r.first_failure->work.policy, ack_policy::on_success);
  EXPECT_EQ(outcome(r.first_failure->work, r.first_failure->decisions, {}),
            r.first_failure->signature);
}

}  // namespace
}  // namespace chaosq::harness

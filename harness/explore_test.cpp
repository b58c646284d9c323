#include "chaosq/harness/explore.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/workload.hpp"

namespace chaosq::harness {
namespace {

/// Leaks on a crash mid-item, sometimes: most schedules pass, some fail, with several verdicts.
workload sometimes_leaky() {
  workload w;
  w.maxsize = 1;
  w.producers = 2;
  w.items = 2;
  w.consumers = 2;
  w.policy = ack_policy::on_success;
  w.faults = {.crashes = 1, .cancels = 1, .shutdown = shutdown_allowance::any, .odds = 40};
  return w;
}

void expect_same(const explore_result& a, const explore_result& b, const std::string& where) {
  EXPECT_EQ(a.stats.schedules, b.stats.schedules) << where;
  EXPECT_EQ(a.stats.violations, b.stats.violations) << where;
  EXPECT_EQ(a.stats.min_steps, b.stats.min_steps) << where;
  EXPECT_EQ(a.stats.max_steps, b.stats.max_steps) << where;
  EXPECT_EQ(a.stats.total_steps, b.stats.total_steps) << where;
  EXPECT_EQ(a.stats.signatures, b.stats.signatures) << where;
  EXPECT_EQ(a.stats.max_tasks, b.stats.max_tasks) << where;
  EXPECT_EQ(a.stats.max_schedule_steps, b.stats.max_schedule_steps) << where;
  EXPECT_EQ(a.stats.exhausted, b.stats.exhausted) << where;
  ASSERT_EQ(a.first_failure.has_value(), b.first_failure.has_value()) << where;
  if (!a.first_failure) return;
  EXPECT_EQ(a.first_failure_schedule, b.first_failure_schedule) << where;
  EXPECT_EQ(a.first_failure->decisions, b.first_failure->decisions) << where;
  EXPECT_EQ(a.first_failure->violation->message, b.first_failure->violation->message) << where;
}

TEST(explore, the_result_does_not_depend_on_the_number_of_threads) {
  workload const w = sometimes_leaky();
  for (const auto& n : names_of<strategy_kind>::values) {
    for (bool keep_going : {false, true}) {
      explore_options options{.schedules = 1'500,
                              .seed = 9,
                              .keep_going = keep_going,
                              .strategy = n.value,
                              .preemptions = 1,
                              .max_faults = 1};
      explore_result const alone = explore(w, options);
      if (keep_going) {
        EXPECT_GT(alone.stats.violations, 0U) << n.name << ": the workload fails sometimes";
        EXPECT_LT(alone.stats.violations, alone.stats.schedules) << n.name;
      }
      for (unsigned jobs : {2U, 3U, 8U}) {
        options.jobs = jobs;
        expect_same(alone, explore(w, options),
                    std::string(n.name) + (keep_going ? " keep-going" : "") + " on " +
                        std::to_string(jobs) + " threads");
      }
    }
  }
}

TEST(explore, schedules_are_judged_in_order_and_the_one_that_ends_it_is_the_last_counted) {
  workload const w = sometimes_leaky();
  for (unsigned jobs : {1U, 2U, 4U}) {
    std::vector<std::uint64_t> seen;
    explore_options options{.schedules = 2'000, .keep_going = true, .jobs = jobs};
    options.on_schedule = [&seen](std::uint64_t i, const run_report&) {
      seen.push_back(i);
      return i < 700;  // a front-end's interrupt, in the middle of a block
    };
    std::vector<std::uint64_t> progress;
    options.on_progress = [&progress](std::uint64_t schedules, std::uint64_t) {
      progress.push_back(schedules);
    };
    explore_result const r = explore(w, options);
    ASSERT_EQ(seen.size(), 701U) << jobs;
    for (std::uint64_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i) << jobs;
    EXPECT_EQ(r.stats.schedules, 701U) << jobs;
    ASSERT_EQ(progress.size(), 700U) << jobs << ": the last schedule ended it before judgement";
    EXPECT_EQ(progress.back(), 700U) << jobs;
  }
}

TEST(explore, a_throw_from_the_code_under_test_reaches_the_caller_from_any_thread) {
  workload const w = sometimes_leaky();
  for (unsigned jobs : {1U, 3U}) {
    explore_options options{.schedules = 600, .jobs = jobs};
    std::atomic<int> made = 0;
    options.run.make_queue = [&made](const workload&) -> std::unique_ptr<work_queue> {
      ++made;
      throw std::runtime_error("the factory broke");
    };
    EXPECT_THROW((void)explore(w, options), std::runtime_error) << jobs;
    EXPECT_GE(made.load(), 1) << jobs;
  }
}

}  // namespace
}  // namespace chaosq::harness

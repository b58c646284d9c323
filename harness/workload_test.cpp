#include "chaosq/harness/workload.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::harness {
namespace {

TEST(step_budget, the_default_scales_with_the_workload_and_never_falls_below_100000) {
  workload w;
  EXPECT_EQ(w.step_budget, 0U) << "0: left to scale";
  EXPECT_EQ(scaled_step_budget(w), 100'000U);
  // 10 x (items in all x (work-steps + 5) + 5 x tasks), the tasks being producers, joiners and
  // each consumer slot's incarnations and supervisor.
  w.producers = 2;
  w.items = 50'000;
  w.consumers = 1000;
  w.work_steps = 3;
  EXPECT_EQ(scaled_step_budget(w), 10 * (100'000 * 8 + 5 * (2 + 1 + 1000)));
  w.restarts = 4;
  EXPECT_EQ(scaled_step_budget(w), 10 * (100'000 * 8 + 5 * (2 + 1 + 1000 * 6)));
  w.joiners = 7;
  EXPECT_EQ(scaled_step_budget(w), 10 * (100'000 * 8 + 5 * (2 + 7 + 1000 * 6)));
  // The workload: a million items for a thousand consumers.
  workload big;
  big.items = 1'000'000;
  big.consumers = 1000;
  EXPECT_EQ(scaled_step_budget(big), 10 * (1'000'000 * 6 + 5 * (1 + 1 + 1000)));
}

TEST(step_budget, the_default_stays_within_the_rows_range_for_any_workload) {
  std::uint64_t const hi = info(field_id::step_budget).hi;
  workload w;
  w.items = 1'000'000;
  w.work_steps = 1000;
  EXPECT_EQ(scaled_step_budget(w), hi);
  // Past every row's hi (an invalid workload): no overflow, still the hi.
  w.producers = 4'000'000'000;
  w.items = 4'000'000'000;
  w.consumers = 4'000'000'000;
  w.restarts = 4'000'000'000;
  w.work_steps = 4'000'000'000;
  w.joiners = 4'000'000'000;
  EXPECT_EQ(scaled_step_budget(w), hi);
}

TEST(step_budget, a_budget_that_is_set_is_the_budget) {
  workload w;
  w.items = 1'000'000;
  w.step_budget = 50;
  EXPECT_EQ(step_budget_of(w), 50U);
  w.step_budget = 0;
  EXPECT_EQ(step_budget_of(w), scaled_step_budget(w));
}

TEST(step_budget, runs_turn_fair_at_four_times_their_work_and_at_most_half_the_budget) {
  workload w;  // 1 producer x 3 items, 2 consumers, 1 joiner, 1 work step
  std::uint64_t const work = 3 * (1 + 5) + 5 * (1 + 2 + 1);
  EXPECT_EQ(fair_from_step(w), 4 * work);
  w.items = 1'000'000;
  EXPECT_EQ(fair_from_step(w), 4 * (1'000'000 * 6 + 5 * 4));
  EXPECT_LT(fair_from_step(w), step_budget_of(w) / 2);
  w.step_budget = 100;
  EXPECT_EQ(fair_from_step(w), 50U) << "never past half a budget that is set";
}

TEST(step_budget, validation_takes_0_to_the_rows_hi) {
  workload w;
  w.step_budget = 0;
  EXPECT_TRUE(validate(w).empty());
  w.step_budget = info(field_id::step_budget).hi;
  EXPECT_TRUE(validate(w).empty());
  w.step_budget = std::uint64_t{1} << 40;
  EXPECT_EQ(validate(w),
            std::vector<std::string>{"step-budget is 1099511627776, not in 0..100000000"});
}

TEST(step_budget, describe_says_when_the_budget_scales) {
  workload w;
  std::string const text = describe(w);
  EXPECT_TRUE(text.ends_with(" step-budget=100000 (scales with the workload)")) << text;
  w.step_budget = 100'000;
  EXPECT_TRUE(describe(w).ends_with(" step-budget=100000")) << describe(w);
}

}  // namespace
}  // namespace chaosq::harness

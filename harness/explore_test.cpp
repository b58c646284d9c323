#include "chaosq/harness/explore.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload.hpp"

#include "testing/brute_force.hpp"

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

/// The classic leak, but a crash strikes so rarely that the first failure comes late: at
/// schedule 8579 for the random walk and 9984 for PCT (seed 1), in unit 2 of a split.
workload rarely_leaky() {
  workload w;
  w.items = 4;
  w.consumers = 3;
  w.policy = ack_policy::on_success;
  w.faults = {.crashes = 1, .odds = 100'000};
  return w;
}

TEST(explore, shards_merged_are_what_one_machine_sees) {
  workload const w = rarely_leaky();
  for (strategy_kind kind : {strategy_kind::random, strategy_kind::pct}) {
    for (bool keep_going : {false, true}) {
      explore_options options{
          .schedules = 4 * k_shard_unit, .seed = 1, .keep_going = keep_going, .strategy = kind};
      explore_result const whole = explore(w, options);
      std::string const what = std::string(name_of(kind)) + (keep_going ? " keep-going" : "");
      ASSERT_TRUE(whole.first_failure) << what;
      ASSERT_GE(whole.first_failure_schedule, 2 * k_shard_unit)
          << what << ": the other shards must have run units one machine would not have";
      // Two shards: 0 runs units 0 and 2 (the failure's), 1 runs units 1 and 3; one machine
      // would not have run unit 3.
      for (std::uint32_t const count : {2U}) {
        std::vector<explore_result> parts;
        for (std::uint32_t index = 0; index < count; ++index) {
          options.shard = {index, count};
          options.jobs = 1 + index % 2;
          parts.push_back(explore(w, options));
          EXPECT_LE(parts.back().stats.schedules, owned_schedules(options.shard, 4 * k_shard_unit))
              << what;
        }
        if (!keep_going) {
          std::uint64_t plain_sum = 0;
          for (const explore_result& p : parts) plain_sum += p.stats.schedules;
          EXPECT_GT(plain_sum, whole.stats.schedules) << what << ": a plain sum counts unit 3";
        }
        expect_same(whole, merge_shards(parts, keep_going),
                    what + ", " + std::to_string(count) + " shards merged");
      }
      options.shard = {};
      options.jobs = 1;
    }
  }
}

TEST(explore, the_units_of_a_split_are_shared_out_in_turn) {
  for (std::uint64_t schedules : {0ULL, 1ULL, 4095ULL, 4096ULL, 4097ULL, 10'000ULL, 1'000'000ULL}) {
    for (std::uint32_t count : {1U, 2U, 3U, 7U}) {
      std::uint64_t sum = 0;
      for (std::uint32_t index = 0; index < count; ++index) {
        std::uint64_t counted = 0;
        if (schedules <= 10'000) {
          for (std::uint64_t i = 0; i < schedules; ++i) counted += owns({index, count}, i) ? 1 : 0;
          EXPECT_EQ(owned_schedules({index, count}, schedules), counted) << schedules;
        }
        sum += owned_schedules({index, count}, schedules);
      }
      EXPECT_EQ(sum, schedules) << schedules << " schedules in " << count << " shards";
    }
  }
  EXPECT_TRUE(owns({1, 2}, 4096));
  EXPECT_FALSE(owns({1, 2}, 4095));
}

TEST(explore, only_strategies_whose_schedules_stop_depending_on_each_other_split) {
  for (strategy_kind kind : {strategy_kind::dfs, strategy_kind::portfolio}) {
    try {
      (void)explore(sometimes_leaky(), {.schedules = 10, .strategy = kind, .shard = {0, 2}});
      ADD_FAILURE() << name_of(kind) << " was split";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("cannot be split into shards"), std::string::npos);
    }
  }
  EXPECT_THROW((void)explore(sometimes_leaky(), {.schedules = 10, .shard = {2, 2}}),
               std::invalid_argument);
}

TEST(explore, a_priority_strategy_that_starves_a_ready_task_is_no_livelock) {
  // Nowait producers spin on a full queue (QueueFull, yield, again) while the consumer they
  // wait for is ready: PCT and POS can keep a spinning producer above it for good, a schedule
  // asyncio never takes. From `fair_from_step` on, runs are in asyncio's order, so the
  // consumer gets its turn and the run ends. (Each workload is one where the strategy did
  // report a livelock before.)
  workload spinning;
  spinning.maxsize = 2;
  spinning.producers = 2;
  spinning.items = 2;
  spinning.put = put_mode::nowait;
  spinning.consumers = 1;
  spinning.restarts = 1;
  spinning.faults.crashes = 0;
  spinning.step_budget = 20'000;
  workload for_pct = spinning;
  for_pct.work_steps = 2;
  for_pct.join_when = join_when::at_start;
  workload for_pos = spinning;
  for_pos.kind = queue::queue_kind::priority;
  for_pos.maxsize = 1;
  for_pos.items = 4;
  for (auto const& [kind, w] :
       {std::pair{strategy_kind::pct, for_pct}, std::pair{strategy_kind::pos, for_pos}}) {
    explore_result const r = explore(w, {.schedules = 400, .seed = 1, .strategy = kind});
    EXPECT_FALSE(r.first_failure.has_value())
        << name_of(kind) << ": " << r.first_failure->violation->signature() << " at schedule "
        << r.first_failure_schedule;
    EXPECT_GT(r.stats.max_steps, fair_from_step(w))
        << name_of(kind) << ": some schedule did starve the consumer until the fair step";
  }
  // A producer that spins with no consumer at all spins in asyncio's order too: a livelock.
  workload alone = spinning;
  alone.consumers = 0;
  alone.restarts = 0;
  alone.joiners = 0;
  explore_result const r =
      explore(alone, {.schedules = 5, .seed = 1, .strategy = strategy_kind::pct});
  ASSERT_TRUE(r.first_failure.has_value());
  EXPECT_EQ(r.first_failure->violation->signature(), "livelock/step-budget");
}

TEST(explore, dfs_verifies_exactly_the_schedules_within_its_bounds) {
  // What `chaosq explore --strategy dfs` prints as verified: the size of its last level, which
  // a brute-force enumeration of the decision tree counts independently.
  workload w;
  w.producers = 2;
  w.items = 1;
  w.consumers = 1;
  w.faults.crashes = 1;
  w.faults.crash_points = {fault_point::mid_item};
  w.faults.odds = 3;
  for (std::uint32_t preemptions : {0U, 1U, 2U}) {
    for (std::uint32_t max_faults : {0U, 1U}) {
      std::string const where = "preemptions " + std::to_string(preemptions) + ", max faults " +
                                std::to_string(max_faults);
      std::set<testing::decisions> const runs =
          testing::every_run_within(w, {.preemptions = preemptions, .max_faults = max_faults});
      explore_result const r = explore(w, {.schedules = 1'000'000,
                                           .keep_going = true,
                                           .strategy = strategy_kind::dfs,
                                           .preemptions = preemptions,
                                           .max_faults = max_faults});
      EXPECT_TRUE(r.stats.exhausted) << where;
      ASSERT_TRUE(r.stats.covered.has_value()) << where;
      EXPECT_EQ(r.stats.covered->schedules, runs.size()) << where;
      EXPECT_GE(r.stats.schedules, runs.size()) << where << ": the levels before re-run some";
      if (preemptions + max_faults > 0) {
        EXPECT_GT(runs.size(), 1U) << where;
      }
    }
  }
}

}  // namespace
}  // namespace chaosq::harness

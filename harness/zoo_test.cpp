#include "chaosq/harness/zoo.hpp"

#include <algorithm>
#include <array>

#include <gtest/gtest.h>

#include "chaosq/harness/selftest.hpp"

namespace chaosq::harness {
namespace {

/// The zoo's control is the reference queue, written again: on the same decisions it must
/// behave identically, so every difference a planted bug makes is that bug's alone.
TEST(zoo, the_unplanted_copy_behaves_as_the_reference) {
  for (const auto& policy : names_of<ack_policy>::values) {
    for (auto kind :
         {queue::queue_kind::fifo, queue::queue_kind::lifo, queue::queue_kind::priority}) {
      workload w;
      w.kind = kind;
      w.policy = policy.value;
      w.maxsize = 2;
      w.producers = 2;
      w.items = 3;
      w.consumers = 2;
      w.faults = {.crashes = 1, .cancels = 1, .shutdown = shutdown_allowance::any, .odds = 6};
      for (std::uint64_t seed = 0; seed < 40; ++seed) {
        sim::random_decisions a(seed);
        sim::random_decisions b(seed);
        run_report const reference = run(w, a, {.trace = true});
        run_report const copy =
            run(w, b, {.trace = true, .make_queue = planted_queue_factory(planted_bug::none)});
        ASSERT_EQ(reference.decisions, copy.decisions) << policy.name << " seed " << seed;
        ASSERT_EQ(reference.trace->to_text(), copy.trace->to_text());
        ASSERT_EQ(reference.violation.has_value(), copy.violation.has_value());
      }
    }
  }
}

TEST(zoo, every_bug_has_a_name_and_a_selftest_case) {
  auto const cases = selftest_cases();
  for (const auto& n : names_of<planted_bug>::values) {
    if (n.value == planted_bug::none) continue;
    EXPECT_EQ(parse_name<planted_bug>(n.name), n.value);
    bool found = false;
    for (const auto& c : cases) found = found || c.bug == n.value;
    EXPECT_TRUE(found) << n.name;
  }
}

/// The deeper zoo (issue 17): the bugs of depth `deeper` in detail/planted_bugs.def show only
/// after three or more events in one order. Each is caught by PCT, POS and SURW within 10,000
/// schedules of seed 1; the random walk, which rarely strings the events together, misses
/// those listed here within the same budget (and catches the others).
constexpr std::array missed_by_random{planted_bug::putter_defers_to_getter};

selftest_case case_of(planted_bug bug) {
  for (selftest_case& c : selftest_cases())
    if (c.bug == bug) return c;
  ADD_FAILURE() << name_of(bug) << " has no selftest case";
  return {};
}

/// What the issue promises: every planted bug and every leaky policy is caught by PCT and by
/// DFS within a fixed budget and seed (DFS where it is within its bound); the reference passes
/// each planted bug's workload.
class caught : public testing::TestWithParam<selftest_case> {};

TEST_P(caught, by_pct_and_by_dfs_within_the_budget) {
  const selftest_case& c = GetParam();
  for (strategy_kind kind : {strategy_kind::pct, strategy_kind::dfs}) {
    if (kind == strategy_kind::dfs && !c.within_dfs_bound) continue;
    selftest_row const row = run_selftest(c, kind, 20'000, 1, 500);
    EXPECT_TRUE(row.caught) << c.name << " not caught by " << name_of(kind) << " in "
                            << row.schedules << " schedules";
  }
  if (c.bug != planted_bug::none && c.work.policy == ack_policy::finally) {
    explore_result const clean =
        explore(c.work, {.schedules = 2'000, .seed = 1, .strategy = strategy_kind::random});
    EXPECT_FALSE(clean.first_failure)
        << c.name
        << ": the reference fails this workload too: " << clean.first_failure->violation->message;
  }
}

TEST(zoo, deeper_bugs_are_caught_by_pct_pos_and_surw_and_some_missed_by_random) {
  constexpr std::uint64_t budget = 10'000;
  std::size_t deeper = 0;
  for (const auto& entry : names_of<planted_bug>::values) {
    if (depth_of(entry.value) != bug_depth::deeper) continue;
    ++deeper;
    selftest_case const c = case_of(entry.value);
    for (strategy_kind kind : {strategy_kind::pct, strategy_kind::pos, strategy_kind::surw}) {
      selftest_row const row = run_selftest(c, kind, budget, 1, 0);
      EXPECT_TRUE(row.caught) << c.name << " not caught by " << name_of(kind) << " in " << budget
                              << " schedules";
    }
    bool const missed = std::find(missed_by_random.begin(), missed_by_random.end(), entry.value) !=
                        missed_by_random.end();
    selftest_row const random = run_selftest(c, strategy_kind::random, budget, 1, 0);
    EXPECT_EQ(random.caught, !missed)
        << c.name << ": the random walk " << (random.caught ? "caught it after " : "missed it in ")
        << random.schedules << " schedules";
  }
  EXPECT_GE(deeper, 4U) << "the issue asks for at least four deeper bugs";
  for (planted_bug b : missed_by_random)
    EXPECT_EQ(depth_of(b), bug_depth::deeper) << name_of(b) << " is listed as a deeper bug";
}

TEST(selftest, a_row_is_the_same_on_any_number_of_threads) {
  // A planted bug judged against the reference: the queue factory runs on every thread.
  for (const selftest_case& c : selftest_cases()) {
    if (c.bug == planted_bug::none) continue;
    for (strategy_kind kind : {strategy_kind::random, strategy_kind::pct}) {
      selftest_row const alone = run_selftest(c, kind, 3'000, 1, 200, 1);
      selftest_row const three = run_selftest(c, kind, 3'000, 1, 200, 3);
      EXPECT_EQ(three.caught, alone.caught) << c.name;
      EXPECT_EQ(three.schedules, alone.schedules) << c.name;
      EXPECT_EQ(three.signature, alone.signature) << c.name;
      EXPECT_EQ(three.minimal_decisions, alone.minimal_decisions) << c.name;
    }
    return;  // one planted bug is enough: every row runs the same explore
  }
  FAIL() << "no planted bug in the selftest";
}

INSTANTIATE_TEST_SUITE_P(zoo, caught, testing::ValuesIn(selftest_cases()),
                         [](const testing::TestParamInfo<selftest_case>& param_info) {
                           std::string name = param_info.param.name;
                           for (char& ch : name)
                             if (ch == ':' || ch == '-') ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace chaosq::harness

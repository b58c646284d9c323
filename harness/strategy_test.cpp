#include "chaosq/harness/strategy.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload.hpp"

#include "testing/brute_force.hpp"

namespace chaosq::harness {
namespace {

using decisions = std::vector<std::uint32_t>;

/// A workload with every kind of decision: schedules, drawn crashes and cancels, shutdowns.
workload busy_workload() {
  workload w;
  w.maxsize = 2;
  w.producers = 2;
  w.items = 3;
  w.consumers = 2;
  w.policy = ack_policy::on_success;
  w.faults = {.crashes = 1, .cancels = 1, .shutdown = shutdown_allowance::any, .odds = 4};
  return w;
}

/// One producer putting one item, one consumer, no joiner: a tree small enough to enumerate.
workload tiny_workload(std::uint32_t crashes) {
  workload w;
  w.producers = 1;
  w.items = 1;
  w.consumers = 1;
  w.joiners = 0;
  w.faults.crashes = crashes;
  w.faults.odds = 3;
  return w;
}

/// Runs `schedules` schedules of `s` on `w`, feeding it every run; the decision record of each.
/// Stops early when `s` has nothing left.
std::vector<decisions> drive(strategy& s, const workload& w, std::size_t schedules) {
  std::vector<decisions> out;
  for (std::size_t i = 0; i < schedules; ++i) {
    sim::decision_source* source = s.next();
    if (source == nullptr) break;
    run_report const report = run(w, *source);
    s.observe(report);
    out.push_back(report.decisions);
  }
  return out;
}

std::vector<decisions> drive(strategy_kind kind, const strategy_options& options, const workload& w,
                             std::size_t schedules) {
  auto s = make_strategy(kind, options);
  return drive(*s, w, schedules);
}

TEST(strategy, each_is_a_function_of_its_options_and_the_runs_it_observes) {
  workload const w = busy_workload();
  for (const auto& n : names_of<strategy_kind>::values) {
    strategy_options const options{.seed = 7, .depth = 3, .preemptions = 2, .max_faults = 2};
    std::vector<decisions> const first = drive(n.value, options, w, 200);
    std::vector<decisions> const second = drive(n.value, options, w, 200);
    ASSERT_EQ(first.size(), 200U) << n.name << " ran out on a large workload";
    EXPECT_EQ(first, second) << n.name;
    // The schedules are not all the same one: the strategy explores.
    EXPECT_GT(std::set<decisions>(first.begin(), first.end()).size(), 100U) << n.name;
  }
}

TEST(strategy, different_seeds_give_different_schedules) {
  workload const w = busy_workload();
  // DFS takes no seed: its order is fixed by the tree.
  for (strategy_kind kind : {strategy_kind::random, strategy_kind::pct, strategy_kind::portfolio}) {
    for (std::uint64_t seed : {1U, 2U, 1000U}) {
      std::vector<decisions> const a = drive(kind, {.seed = seed}, w, 50);
      std::vector<decisions> const b = drive(kind, {.seed = seed + 1}, w, 50);
      EXPECT_NE(a, b) << name_of(kind) << " seed " << seed;
      // Not merely shifted by one: the first schedules already differ.
      EXPECT_NE(a.front(), b.front()) << name_of(kind) << " seed " << seed;
    }
  }
}

TEST(strategy, random_and_pct_never_run_out) {
  // A workload whose whole tree DFS covers in a handful of schedules.
  workload const w = tiny_workload(0);
  for (strategy_kind kind : {strategy_kind::random, strategy_kind::pct}) {
    auto s = make_strategy(kind, {.seed = 3});
    for (int i = 0; i < 2'000; ++i) {
      sim::decision_source* source = s->next();
      ASSERT_NE(source, nullptr) << name_of(kind) << " schedule " << i;
      s->observe(run(w, *source));
      ASSERT_FALSE(s->exhausted()) << name_of(kind) << " schedule " << i;
    }
  }
}

/// As `drive`, but in blocks: takes every schedule `ready()` allows, runs them all, and only
/// then observes them, in order (how an exploration on several threads uses a strategy).
std::vector<decisions> drive_in_blocks(strategy& s, const workload& w, std::size_t schedules) {
  std::vector<decisions> out;
  while (out.size() < schedules) {
    std::uint32_t const ready = s.ready();
    EXPECT_GE(ready, 1U);
    EXPECT_LE(ready, k_block);
    std::vector<sim::decision_source*> block;
    while (block.size() < std::min<std::size_t>(ready, schedules - out.size())) {
      sim::decision_source* source = s.next();
      if (source == nullptr) break;
      block.push_back(source);
    }
    if (block.empty()) break;
    std::vector<run_report> reports;
    for (sim::decision_source* source : block) reports.push_back(run(w, *source));
    for (const run_report& r : reports) {
      s.observe(r);
      out.push_back(r.decisions);
    }
  }
  return out;
}

/// As `drive_in_blocks`, but pipelined, as an exploration on several threads runs: the next
/// block is handed out before the one before it is observed.
std::vector<decisions> drive_pipelined(strategy& s, const workload& w, std::size_t schedules) {
  std::vector<decisions> out;
  std::deque<run_report> unobserved;
  std::size_t handed = 0;
  for (;;) {
    std::size_t const want = std::min<std::size_t>(s.ready(), schedules - handed);
    EXPECT_LE(want, k_block);
    std::size_t got = 0;
    bool ran_out = false;
    while (got < want) {
      sim::decision_source* source = s.next();
      if (source == nullptr) {
        ran_out = true;
        break;
      }
      unobserved.push_back(run(w, *source));
      ++got;
      ++handed;
    }
    if (got == 0 && unobserved.empty() && !ran_out && handed < schedules) {
      ADD_FAILURE() << "ready() is 0 with nothing to learn from";
      break;
    }
    // What came before this block is observed; this block waits, as if it were running.
    while (unobserved.size() > got) {
      s.observe(unobserved.front());
      out.push_back(unobserved.front().decisions);
      unobserved.pop_front();
    }
    if (got == 0 && (ran_out || handed == schedules)) break;
  }
  return out;
}

TEST(strategy, a_block_handed_out_at_once_gives_the_schedules_handed_out_one_by_one) {
  for (const workload& w : {busy_workload(), tiny_workload(1)}) {
    for (const auto& n : names_of<strategy_kind>::values) {
      strategy_options const options{.seed = 5, .depth = 3, .preemptions = 1, .max_faults = 1};
      auto one_by_one = make_strategy(n.value, options);
      auto in_blocks = make_strategy(n.value, options);
      auto pipelined = make_strategy(n.value, options);
      // Past PCT's learning blocks (the first k_block schedules) into its fixed-k ones.
      std::vector<decisions> const want = drive(*one_by_one, w, 3 * k_block);
      EXPECT_EQ(drive_in_blocks(*in_blocks, w, 3 * k_block), want) << n.name;
      EXPECT_EQ(in_blocks->exhausted(), one_by_one->exhausted()) << n.name;
      EXPECT_EQ(drive_pipelined(*pipelined, w, 3 * k_block), want) << n.name << " pipelined";
      EXPECT_EQ(pipelined->exhausted(), one_by_one->exhausted()) << n.name;
    }
  }
}

TEST(strategy, how_many_each_hands_out_before_it_learns) {
  workload const w = busy_workload();
  auto random = make_strategy(strategy_kind::random, {.seed = 1});
  EXPECT_EQ(random->ready(), k_block) << "the random walk learns nothing";
  auto dfs = make_strategy(strategy_kind::dfs, {});
  EXPECT_EQ(dfs->ready(), 1U) << "each DFS prefix comes from the run before";
  sim::decision_source* waiting = dfs->next();
  EXPECT_EQ(dfs->ready(), 0U) << "so the next waits for the last to be observed";
  dfs->observe(run(w, *waiting));
  EXPECT_EQ(dfs->ready(), 1U);
  (void)random->next();
  EXPECT_EQ(random->ready(), k_block) << "with one outstanding, as many again";
  // PCT learns k in doubling blocks: schedules 0, 1, 2-3, 4-7, ..., 128-255; then k is fixed.
  auto pct = make_strategy(strategy_kind::pct, {.seed = 1});
  {
    auto learning = make_strategy(strategy_kind::pct, {.seed = 1});
    sim::decision_source* first = learning->next();
    EXPECT_EQ(learning->ready(), 0U) << "schedule 1 waits for what schedule 0 teaches";
    learning->observe(run(w, *first));
    EXPECT_EQ(learning->ready(), 1U);
  }
  std::vector<std::uint32_t> blocks;
  for (std::size_t handed = 0; handed < 4 * k_block;) {
    blocks.push_back(pct->ready());
    std::vector<run_report> reports;
    for (std::uint32_t b = 0; b < blocks.back(); ++b) reports.push_back(run(w, *pct->next()));
    for (const run_report& r : reports) pct->observe(r);
    handed += blocks.back();
  }
  EXPECT_EQ(blocks, (std::vector<std::uint32_t>{1, 1, 2, 4, 8, 16, 32, 64, 128, k_block, k_block,
                                                k_block}));
  // SURW learns its step counts in the same blocks; POS learns nothing.
  auto surw = make_strategy(strategy_kind::surw, {.seed = 1});
  std::vector<std::uint32_t> surw_blocks;
  for (std::size_t handed = 0; handed < 2 * k_block;) {
    surw_blocks.push_back(surw->ready());
    std::vector<run_report> reports;
    for (std::uint32_t b = 0; b < surw_blocks.back(); ++b) reports.push_back(run(w, *surw->next()));
    for (const run_report& r : reports) surw->observe(r);
    handed += surw_blocks.back();
  }
  EXPECT_EQ(surw_blocks, (std::vector<std::uint32_t>{1, 1, 2, 4, 8, 16, 32, 64, 128, k_block}));
  auto pos = make_strategy(strategy_kind::pos, {.seed = 1});
  EXPECT_EQ(pos->ready(), k_block);
  EXPECT_FALSE(pos->learns());
  // The portfolio: random, PCT d=2 and d=3, POS and SURW may go on, DFS k=1 only once per block.
  auto portfolio = make_strategy(strategy_kind::portfolio, {.seed = 1});
  EXPECT_EQ(portfolio->ready(), 7U) << "random, pct d=2, pct d=3, pos, surw, dfs, random; then "
                                       "pct d=2 must learn from its first run";
}

using testing::every_run_within;
using testing::identity;

TEST(strategy, pos_keeps_the_priority_of_a_task_passed_over) {
  // Two tasks always ready: the one that ran draws a fresh priority, the other keeps the one
  // that lost. A task that lost holds a low priority and waits long: the same task runs again
  // far more often than the random walk's 1/2 (a POS that redrew every priority at every step
  // would be that random walk).
  auto const repeats = [](strategy_kind kind) {
    auto s = make_strategy(kind, {.seed = 5});
    sim::decision_source& d = *s->next();
    std::array<std::uint32_t, 2> const ready{0, 1};
    std::uint32_t last = d.pick_ready(ready);
    int same = 0;
    constexpr int k_picks = 6000;
    for (int i = 0; i < k_picks; ++i) {
      std::uint32_t const now = d.pick_ready(ready);
      same += now == last ? 1 : 0;
      last = now;
    }
    return static_cast<double>(same) / k_picks;
  };
  EXPECT_GT(repeats(strategy_kind::pos), 0.9);
  EXPECT_LT(repeats(strategy_kind::pos), 1.0) << "and the waiting task does get its turns";
  EXPECT_NEAR(repeats(strategy_kind::random), 0.5, 0.03);
}

TEST(strategy, surw_weights_each_task_by_the_contested_steps_it_has_left) {
  auto surw = make_strategy(strategy_kind::surw, {.seed = 3});
  // Schedule 0, every weight 1: tasks 0, 1 and 2 share 30 contested steps.
  sim::decision_source* first = surw->next();
  std::array<std::uint32_t, 3> const three{0, 1, 2};
  std::array<std::uint32_t, 3> taken{};
  for (int i = 0; i < 30; ++i) ++taken[three[first->pick_ready(three)]];
  surw->observe(run_report{});
  ASSERT_GE(taken[0], 4U) << "the seed gives task 0 a share to learn";
  // Later schedules: task 0 is expected to take taken[0] steps, task 3 (never seen) none, so
  // task 0 wins a first pick between them with probability taken[0] / (taken[0] + 1).
  std::array<std::uint32_t, 2> const pair{3, 0};
  int zero_first = 0;
  constexpr int k_schedules = 1000;
  for (int i = 0; i < k_schedules;) {
    std::uint32_t const block = surw->ready();
    std::vector<sim::decision_source*> sources;
    for (std::uint32_t b = 0; b < block && i < k_schedules; ++b, ++i)
      sources.push_back(surw->next());
    for (sim::decision_source* d : sources) {
      zero_first += pair[d->pick_ready(pair)] == 0 ? 1 : 0;
      surw->observe(run_report{});
    }
  }
  double const expected = static_cast<double>(taken[0]) / (taken[0] + 1);
  EXPECT_NEAR(static_cast<double>(zero_first) / k_schedules, expected, 0.04);
}

TEST(strategy, dfs_covers_every_schedule_within_its_bounds_then_is_exhausted) {
  workload two_producers = tiny_workload(0);
  two_producers.producers = 2;
  two_producers.joiners = 1;
  struct scenario {
    workload w;
    strategy_options bounds;
  };
  for (const scenario& c : {
           scenario{tiny_workload(0), {.preemptions = 0}},
           scenario{tiny_workload(0), {.preemptions = 1}},
           scenario{tiny_workload(0), {.preemptions = 2}},
           scenario{tiny_workload(1), {.preemptions = 0, .max_faults = 0}},
           scenario{tiny_workload(1), {.preemptions = 0, .max_faults = 1}},
           scenario{tiny_workload(1), {.preemptions = 1, .max_faults = 1}},
           scenario{two_producers, {.preemptions = 0}},
           scenario{two_producers, {.preemptions = 1}},
           scenario{two_producers, {.preemptions = 2}},
           scenario{two_producers, {.preemptions = 3}},
       }) {
    const workload& w = c.w;
    std::string const where = describe(w) + " preemptions=" + std::to_string(c.bounds.preemptions) +
                              " max_faults=" + std::to_string(c.bounds.max_faults);
    std::set<decisions> const expected = every_run_within(w, c.bounds);

    auto dfs = make_strategy(strategy_kind::dfs, c.bounds);
    std::vector<decisions> runs;
    while (sim::decision_source* source = dfs->next()) {
      ASSERT_FALSE(dfs->exhausted()) << where;
      run_report const r = run(w, *source);
      dfs->observe(r);
      runs.push_back(identity(r));
      ASSERT_LE(runs.size(), 10'000U) << where << ": DFS does not terminate";
    }
    EXPECT_TRUE(dfs->exhausted()) << where;
    EXPECT_EQ(dfs->next(), nullptr) << where << ": exhausted stays exhausted";
    // Level by level, the last pass is the whole space, each schedule once; the levels before
    // it ran some of them already.
    std::set<decisions> const seen(runs.begin(), runs.end());
    EXPECT_EQ(seen, expected) << where;
    ASSERT_GE(runs.size(), expected.size()) << where;
    std::set<decisions> last_pass;
    for (std::size_t i = runs.size() - expected.size(); i < runs.size(); ++i)
      EXPECT_TRUE(last_pass.insert(runs[i]).second) << where << ": a run repeated in the last pass";
    EXPECT_EQ(last_pass, expected) << where;
    std::optional<search_coverage> const covered = dfs->covered();
    ASSERT_TRUE(covered.has_value()) << where;
    EXPECT_EQ(covered->schedules, expected.size()) << where;
    EXPECT_LE(covered->preemptions, c.bounds.preemptions) << where;
    EXPECT_LE(covered->faults, c.bounds.max_faults) << where;
  }
}

TEST(strategy, dfs_deepens_faults_first_then_preemptions) {
  // Level by level: no fault and asyncio's order first, then preemptions, then one fault, so
  // the first schedules are those of the smallest space, in order.
  workload const w = tiny_workload(1);
  strategy_options const bounds{.preemptions = 1, .max_faults = 1};
  auto const space = [&](std::uint32_t p, std::uint32_t f) {
    return every_run_within(w, {.preemptions = p, .max_faults = f});
  };
  std::vector<std::set<decisions>> const levels{space(0, 0), space(1, 0), space(0, 1), space(1, 1)};
  ASSERT_LT(levels[0].size(), levels[1].size()) << "the tiny tree has a preemption to bound";
  ASSERT_LT(levels[1].size(), levels[3].size()) << "and a fault";
  auto dfs = make_strategy(strategy_kind::dfs, bounds);
  EXPECT_FALSE(dfs->covered().has_value()) << "nothing verified before a level is finished";
  std::size_t at = 0;
  for (std::size_t level = 0; level < levels.size(); ++level) {
    std::set<decisions> pass;
    for (std::size_t i = 0; i < levels[level].size(); ++i, ++at) {
      sim::decision_source* source = dfs->next();
      ASSERT_NE(source, nullptr) << "level " << level << ", schedule " << i;
      run_report const r = run(w, *source);
      dfs->observe(r);
      pass.insert(identity(r));
    }
    EXPECT_EQ(pass, levels[level]) << "level " << level;
    if (level == 1) {
      ASSERT_TRUE(dfs->covered().has_value());
      EXPECT_EQ(dfs->covered()->faults, 0U);
      EXPECT_EQ(dfs->covered()->preemptions, 1U);
      EXPECT_EQ(dfs->covered()->schedules, levels[1].size());
    }
  }
  EXPECT_EQ(dfs->next(), nullptr);
  ASSERT_TRUE(dfs->covered().has_value());
  EXPECT_EQ(dfs->covered()->faults, 1U);
  EXPECT_EQ(dfs->covered()->schedules, levels[3].size());
}

TEST(strategy, dfs_bounds_grow_the_space) {
  // The counts above are not vacuous: the tiny tree has preemptions and strikes to bound.
  workload const w = tiny_workload(1);
  std::size_t previous = 0;
  for (std::uint32_t k : {0U, 1U, 2U}) {
    std::size_t const n =
        drive(strategy_kind::dfs, {.preemptions = k, .max_faults = 1}, w, 10'000).size();
    EXPECT_GT(n, previous) << "preemptions " << k;
    previous = n;
  }
  EXPECT_LT(drive(strategy_kind::dfs, {.preemptions = 1, .max_faults = 0}, w, 10'000).size(),
            drive(strategy_kind::dfs, {.preemptions = 1, .max_faults = 1}, w, 10'000).size());
}

TEST(strategy, the_portfolio_takes_its_members_in_turn_and_skips_an_exhausted_one) {
  // The documented order (detail/strategies.def, strategies/portfolio.cpp): random (seed), PCT
  // d=2 (seed+1), PCT d=3 (seed+2), POS (seed+3), SURW (seed+4), DFS k=1 (max_faults), one
  // schedule each, again and again.
  for (const workload& w : {busy_workload(), tiny_workload(0)}) {
    strategy_options const options{.seed = 11, .max_faults = 1};
    std::vector<std::unique_ptr<strategy>> members;
    members.push_back(make_strategy(strategy_kind::random, {.seed = 11}));
    members.push_back(make_strategy(strategy_kind::pct, {.seed = 12, .depth = 2}));
    members.push_back(make_strategy(strategy_kind::pct, {.seed = 13, .depth = 3}));
    members.push_back(make_strategy(strategy_kind::pos, {.seed = 14}));
    members.push_back(make_strategy(strategy_kind::surw, {.seed = 15}));
    members.push_back(make_strategy(strategy_kind::dfs, {.preemptions = 1, .max_faults = 1}));

    auto portfolio = make_strategy(strategy_kind::portfolio, options);
    std::size_t turn = 0;
    std::set<std::size_t> took;
    for (int i = 0; i < 60; ++i) {
      sim::decision_source* mine = portfolio->next();
      ASSERT_NE(mine, nullptr);
      run_report const got = run(w, *mine);
      portfolio->observe(got);

      // The next member, in order, that has a schedule left.
      sim::decision_source* theirs = nullptr;
      std::size_t member = 0;
      for (std::size_t tries = 0; tries < members.size() && theirs == nullptr; ++tries) {
        member = turn++ % members.size();
        theirs = members[member]->next();
      }
      ASSERT_NE(theirs, nullptr);
      run_report const want = run(w, *theirs);
      members[member]->observe(want);
      took.insert(member);
      ASSERT_EQ(got.decisions, want.decisions)
          << "portfolio schedule " << i << ", member " << member;
    }
    EXPECT_EQ(took.size(), members.size()) << "every member had a turn";
  }
  // On the tiny workload DFS k=1 runs out within 60 schedules, and the others keep going.
  auto dfs = make_strategy(strategy_kind::dfs, {.preemptions = 1, .max_faults = 1});
  EXPECT_LT(drive(*dfs, tiny_workload(0), 15).size(), 15U);
}

}  // namespace
}  // namespace chaosq::harness

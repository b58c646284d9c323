// Determinism across compilers, checked rather than believed: for failures covering every verdict
// kind and every strategy, the failure chaosq makes of each — the schedule that found it, the
// shrunk record and its tokens, the text trace with the steps that matter marked, and the JSON —
// must equal testdata/golden_failures.txt byte for byte. The file was written by one build;
// the test command runs this test in the g++ build and in the clang build, so both print the
// same bytes or the suite fails. After an intended change of the engine, regenerate it with
// CHAOSQ_UPDATE_GOLDEN=1 and read the diff.

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/selftest.hpp"
#include "chaosq/harness/zoo.hpp"

#include "testing/broken_pools.hpp"
#include "testing/broken_queues.hpp"

namespace chaosq::harness {
namespace {

using namespace testing;

/// One failure to find: a workload, the code under test, and the strategy that searches.
struct golden_case {
  std::string name;
  workload work;
  run_options run;
  strategy_kind strategy = strategy_kind::random;
  reference_check against_reference = reference_check::off;
  std::string replay_flags;
};

workload small(std::uint32_t items, std::uint32_t consumers) {
  workload w;
  w.items = items;
  w.consumers = consumers;
  return w;
}

run_options queue_under_test(queue_factory make_queue) {
  run_options o;
  o.make_queue = std::move(make_queue);
  return o;
}

/// A consumer that calls into the engine in a loop and never suspends.
sim::task<void> spinning_consumer(consumer_context& ctx) {
  for (;;) ctx.checkpoint(fault_point::after_ack);
  co_return;
}

/// A consumer of the user's own that fails on its first item.
sim::task<void> failing_consumer(consumer_context& ctx) {
  item const it = co_await ctx.get();
  co_await ctx.process(it);
  throw std::runtime_error("boom");
}

/// A case for each verdict kind: the reference queue where a workload or a policy shows it,
/// a queue with one planted bug (testing/broken_queues.hpp) where only a broken queue can.
std::vector<golden_case> kind_cases() {
  std::vector<golden_case> cases;
  auto add = [&](std::string name, workload w, run_options run = {}) {
    cases.push_back({std::move(name), std::move(w), std::move(run)});
  };
  add("join-early/no-zero", small(3, 1), queue_under_test(queue_of<join_never_waits>()));
  add("join-early/unacked", small(3, 2), queue_under_test(queue_of<counts_down_in_get>()));
  add("join-hang/unconsumed", small(1, 0));
  {
    workload w = small(3, 2);
    w.policy = ack_policy::on_success;
    w.faults.crashes = 1;
    add("join-hang/held-by-crashed", w);
  }
  {
    workload w = small(2, 1);
    w.policy = ack_policy::on_success;
    w.pinned = {{fault_kind::cancel, "c0", fault_point::mid_item, -1, 0}};
    add("join-hang/held-by-cancelled", w);
  }
  {
    workload w = small(2, 1);
    w.policy = ack_policy::never;
    add("join-hang/never-acked", w);
  }
  add("join-hang/count-mismatch", small(2, 1), queue_under_test(queue_of<swallows_first_ack>()));
  {
    workload w = small(2, 0);
    w.maxsize = 1;
    w.joiners = 0;
    add("stranded/producer-in-put", w);
  }
  {
    workload w = small(2, 2);
    w.controls = {{100, control_action::shutdown_graceful, ""}};
    add("stranded/getter-after-shutdown", w,
        queue_under_test(queue_of<shutdown_forgets_getters>()));
  }
  {
    workload w = small(2, 1);
    w.joiners = 0;  // else the items it never gets hang the join first
    add("stranded/getter-beside-items", w, queue_under_test(queue_of<getter_misses_wakeup>()));
  }
  add("join-late/not-woken", small(2, 1), queue_under_test(queue_of<never_wakes_joiners>()));
  {
    workload w = small(2, 1);
    w.restarts = 1;
    w.policy = ack_policy::twice;
    w.faults.crashes = 1;
    add("over-ack/double-ack", w);
    w.items = 1;    // the second ack of the only item drives the count below zero ...
    w.joiners = 0;  // ... with no join to return early between the two
    add("over-ack/negative-count", w,
        queue_under_test(planted_queue_factory(planted_bug::task_done_unchecked)));
  }
  {
    workload w = small(3, 1);
    w.work_steps = 3;
    w.joiners = 0;
    w.controls = {{2, control_action::shutdown_immediate, ""}};
    add("over-ack/task-done-error", w, queue_under_test(queue_of<shutdown_zeroes_count>()));
  }
  {
    workload w = small(2, 1);
    w.policy = ack_policy::before_work;
    w.work_steps = 2;
    add("work-unfinished/acked-before-done", w);
  }
  {
    workload w = small(3, 0);
    w.joiners = 0;
    add("lost/vanished", w, queue_under_test(queue_of<drops_every_third_put>()));
  }
  add("duplicated/got-twice", small(3, 1),
      queue_under_test(queue_of<hands_first_item_out_twice>()));
  add("duplicated/never-put", small(1, 1), queue_under_test(queue_of<invents_item_when_empty>()));
  {
    workload w = small(1, 0);
    w.joiners = 0;
    add("duplicated/extra-items", w, queue_under_test(queue_of<stores_every_item_twice>()));
  }
  add("order/fifo", small(3, 1), queue_under_test(queue_of<fifo_serving_newest_first>()));
  {
    workload w = small(3, 1);
    w.kind = queue::queue_kind::lifo;
    add("order/lifo", w, queue_under_test(queue_of<lifo_serving_oldest_first>()));
    w.kind = queue::queue_kind::priority;
    w.items = 4;
    add("order/priority", w, queue_under_test(queue_of<priority_ignoring_priority>()));
  }
  {
    workload w = small(3, 1);
    w.maxsize = 1;
    add("capacity/over-maxsize", w, queue_under_test(queue_of<ignores_maxsize>()));
  }
  {
    workload w = small(2, 0);
    w.maxsize = 1;
    w.put = put_mode::nowait;
    w.joiners = 0;
    w.step_budget = 40;
    add("livelock/step-budget", w);
  }
  {
    run_options spinning;
    spinning.consumer = spinning_consumer;
    add("livelock/no-suspension", small(1, 1), spinning);
  }
  add("task-error/queue-raised", small(1, 2),
      queue_under_test(queue_of<getter_takes_without_looking_again>()));
  {
    run_options failing;
    failing.consumer = failing_consumer;
    add("task-error/consumer-raised", small(1, 1), failing);
  }
  return cases;
}

/// Every strategy against every planted bug and leaky policy of the self-test.
std::vector<golden_case> strategy_cases() {
  std::vector<golden_case> cases;
  for (const auto& s : names_of<strategy_kind>::values) {
    for (const selftest_case& c : selftest_cases()) {
      golden_case g{c.name, c.work, {}, s.value};
      if (c.bug != planted_bug::none) {
        g.run.make_queue = planted_queue_factory(c.bug);
        g.against_reference = reference_check_for(c.bug);
        g.replay_flags = " --queue-bug " + std::string(name_of(c.bug));
      }
      cases.push_back(std::move(g));
    }
  }
  return cases;
}

/// What chaosq reports for `c`: the schedule that found the failure, then the failure as text
/// and as JSON; or that none was found.
std::string report(const golden_case& c, std::optional<verdict_kind>& kind) {
  constexpr std::uint64_t schedules = 2'000;
  explore_options options{.schedules = schedules, .seed = 1, .strategy = c.strategy};
  options.run = c.run;
  options.against_reference = c.against_reference;
  explore_result const found = explore(c.work, options);
  std::string out = "=== " + c.name + " (strategy " + std::string(name_of(c.strategy)) + ")\n";
  if (!found.first_failure) {
    return out + "no violation in " + std::to_string(found.stats.schedules) + " schedules\n";
  }
  const verdict& v = *found.first_failure->violation;
  kind = v.kind;
  failure const f = make_failure(c.work, found.first_failure->decisions, v.signature(),
                                 {.run = c.run,
                                  .against_reference = c.against_reference,
                                  .shrink_runs = 2'000,
                                  .replay_flags = c.replay_flags});
  return out + "found at schedule " + std::to_string(found.first_failure_schedule) + "\n" +
         failure_text(f) + failure_json(f) + "\n";
}

/// Threads mode beyond the self-test's leaky policies: a bounded queue shut down while threads
/// hold its lock, under the searching strategies.
std::vector<golden_case> threads_cases() {
  std::vector<golden_case> cases;
  for (strategy_kind const s : {strategy_kind::random, strategy_kind::pct, strategy_kind::dfs}) {
    workload w = small(3, 3);
    w.mode = run_mode::threads;
    w.maxsize = 1;
    w.producers = 2;
    w.faults.crashes = 1;
    w.faults.shutdown = shutdown_allowance::any;
    cases.push_back({"threads:bounded-shutdown", w, {}, s});
  }
  return cases;
}

/// A thread pool of the user's (testing/broken_pools.hpp) under the searching strategies: its
/// threads are tasks the run spawns, named in the trace in the order they take their first job.
std::vector<golden_case> pool_cases() {
  std::vector<golden_case> cases;
  for (strategy_kind const s : {strategy_kind::random, strategy_kind::pct, strategy_kind::dfs}) {
    auto add = [&](std::string name, workload w, pool_flaw flaw) {
      run_options run;
      run.make_pool = pool_with(flaw);
      cases.push_back({"pool:" + std::move(name), std::move(w), std::move(run), s});
    };
    add("wakes-one-waiter", pool_workload(2, 2, 2), pool_flaw::wakes_one_waiter);
    add("done-before-run", pool_workload(2, 2), pool_flaw::done_before_run);
    workload crashing = pool_workload(3, 2);
    crashing.faults.crashes = 1;
    add("throw-not-counted", crashing, pool_flaw::throw_not_counted);
  }
  return cases;
}

TEST(golden, failures_are_byte_identical_across_compilers_for_every_verdict_and_strategy) {
  std::vector<golden_case> cases = kind_cases();
  std::size_t const kind_case_count = cases.size();
  for (golden_case& c : strategy_cases()) cases.push_back(std::move(c));
  for (golden_case& c : threads_cases()) cases.push_back(std::move(c));
  for (golden_case& c : pool_cases()) cases.push_back(std::move(c));
  ASSERT_GE(cases.size(), 50U);

  std::set<verdict_kind> kinds;
  std::string text;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::optional<verdict_kind> kind;
    text += report(cases[i], kind);
    if (kind) kinds.insert(*kind);
    if (i < kind_case_count) {
      EXPECT_EQ(kind ? signature_of(*kind) : "pass", cases[i].name) << "the case for its kind";
    }
  }

  // The cases cover every verdict kind of the table.
  for (const verdict_info& v : verdict_kinds) {
    EXPECT_TRUE(kinds.contains(v.kind)) << "no case shows " << signature_of(v.kind);
  }
  std::set<strategy_kind> strategies;
  for (const golden_case& c : cases) strategies.insert(c.strategy);
  EXPECT_EQ(strategies.size(), names_of<strategy_kind>::values.size());

  std::string const path = std::string(CHAOSQ_TESTDATA) + "/golden_failures.txt";
  if (std::getenv("CHAOSQ_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << text;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path << " (CHAOSQ_UPDATE_GOLDEN=1 writes it)";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(golden.str(), text);
}

}  // namespace
}  // namespace chaosq::harness

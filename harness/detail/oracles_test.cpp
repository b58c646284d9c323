// The join and end-of-run oracles, given a ledger and task records by hand: no loop, no queue,
// no coroutine.

#include "detail/oracles.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace chaosq::harness::detail {
namespace {

constexpr task_id p0 = 0;
constexpr task_id c0 = 1;
constexpr task_id j0 = 2;

/// Liveness set by hand, as a runner would report it.
struct fake_liveness final : task_liveness {
  std::vector<bool> ended_tasks = std::vector<bool>(3, false);
  std::vector<bool> waiting_tasks = std::vector<bool>(3, false);
  [[nodiscard]] bool ended(task_id t) const override { return ended_tasks[t]; }
  [[nodiscard]] bool waiting(task_id t) const override { return waiting_tasks[t]; }
};

struct scene {
  std::vector<task_record> tasks{{.name = "p0", .role = role::producer, .act = activity::finished},
                                 {.name = "c0", .role = role::consumer},
                                 {.name = "j0", .role = role::joiner}};
  fake_liveness live;
  judgement judge;
  detail::ledger ledger;
  detail::oracles oracles{ledger, tasks, live, judge};
  std::int64_t count = 0;

  scene() { ledger.start(queue::queue_kind::fifo, 0, 4, judge, tasks); }
  item put(step_no at) {
    item const it{0, ledger.make_item()};
    ledger.put(p0, it, at, ++count);
    return it;
  }
  /// c0 takes `it` at `at` and holds it.
  void take(const item& it, step_no at) {
    ledger.got(c0, it, at);
    task_record& c = tasks[c0];
    c.current = it;
    c.holding = true;
    c.act = activity::processing;
  }
  /// j0 waits in join since `at`.
  void join(step_no at) {
    task_record& j = tasks[j0];
    j.act = activity::in_join;
    j.join_step = at;
    j.zeros_at_call = ledger.zeros().size();
    live.waiting_tasks[j0] = true;
  }
};

TEST(oracles, a_join_pending_at_the_end_names_the_item_a_crashed_consumer_held) {
  scene s;
  item const it = s.put(1);
  s.take(it, 2);
  s.join(3);
  task_record& c = s.tasks[c0];
  c.fault = {fault_kind::crash, fault_point::mid_item, fault_origin::drawn};
  c.fault_step = 4;
  s.live.ended_tasks[c0] = true;
  s.ledger.blame_holder(it.id, fault_kind::crash);
  s.oracles.at_end({.count = s.count});
  ASSERT_TRUE(s.judge.failed());
  const verdict& v = *s.judge.violation();
  EXPECT_EQ(v.kind, verdict_kind::join_hang_held_by_crashed);
  EXPECT_EQ(v.message,
            "j0's join, waiting since step 3, can never return: unfinished=1 and nothing can "
            "run. Unacknowledged: i0 (put by p0 at step 1, got by c0 at step 2, held by c0 when "
            "it ended: crash at mid-item (drawn) at step 4)");
  EXPECT_EQ(v.marked_steps, (std::vector<std::uint64_t>{3, 1, 2, 4}));
}

TEST(oracles, the_hang_kind_follows_the_first_unacknowledged_item) {
  scene s;
  item const queued = s.put(1);
  EXPECT_EQ(s.oracles.hang_kind(queued.id), verdict_kind::join_hang_unconsumed);
  s.take(queued, 2);
  EXPECT_EQ(s.oracles.hang_kind(queued.id), verdict_kind::join_hang_never_acked);
  s.ledger.blame_holder(queued.id, fault_kind::cancel);
  EXPECT_EQ(s.oracles.hang_kind(queued.id), verdict_kind::join_hang_never_acked);  // still alive
  s.live.ended_tasks[c0] = true;
  EXPECT_EQ(s.oracles.hang_kind(queued.id), verdict_kind::join_hang_held_by_cancelled);
}

TEST(oracles, a_join_that_returns_while_the_ledger_holds_an_item_returned_early) {
  scene s;
  item const a = s.put(1);
  item const b = s.put(2);
  s.join(3);
  s.take(a, 4);
  s.take(b, 5);
  s.ledger.acked(c0, a, 6, --s.count, false);
  s.ledger.acked(c0, a, 7, --s.count, false);  // b's ack, given for a: the count reaches 0
  s.judge = judgement{};                       // forget the double ack: judge the join alone
  s.oracles.join_returned(s.tasks[j0], /*at_once=*/false, 8);
  ASSERT_TRUE(s.judge.failed());
  EXPECT_EQ(s.judge.violation()->kind, verdict_kind::join_early_unacked);
  EXPECT_EQ(s.judge.violation()->message,
            "j0's join returned at step 8; the count reached zero at step 7 while the ledger "
            "still held: i1 (put by p0 at step 2, got by c0 at step 5, never acknowledged)");
}

TEST(oracles, a_join_that_returns_without_a_zero_returned_early) {
  scene s;
  s.put(1);
  s.join(2);
  s.oracles.join_returned(s.tasks[j0], /*at_once=*/false, 3);
  ASSERT_TRUE(s.judge.failed());
  EXPECT_EQ(s.judge.violation()->kind, verdict_kind::join_early_no_zero);
}

TEST(oracles, a_join_still_waiting_when_the_count_is_zero_was_not_woken) {
  scene s;
  s.join(1);
  s.oracles.join_late();
  ASSERT_TRUE(s.judge.failed());
  EXPECT_EQ(s.judge.violation()->kind, verdict_kind::join_late_not_woken);
  EXPECT_EQ(s.judge.violation()->message,
            "the unfinished count is zero since step 1 but j0, waiting in join since step 1, was "
            "not woken");
}

TEST(oracles, stranded_tasks_and_vanished_items_at_the_end) {
  scene getter;
  getter.tasks[j0].act = activity::finished;
  getter.tasks[c0].act = activity::in_get;
  getter.tasks[c0].wait_step = 4;
  getter.oracles.at_end({.shut_down = true, .shutdown_step = 6});
  EXPECT_EQ(getter.judge.violation()->kind, verdict_kind::stranded_getter_after_shutdown);

  scene lost;
  lost.tasks[j0].act = activity::finished;
  lost.put(1);
  lost.oracles.at_end({.count = 1, .qsize = 0});
  ASSERT_TRUE(lost.judge.failed());
  EXPECT_EQ(lost.judge.violation()->kind, verdict_kind::lost_vanished);
  EXPECT_EQ(lost.judge.violation()->message,
            "the queue holds 0 item(s) but 1 were put and never got: i0 (put by p0 at step 1, "
            "never got)");

  scene fine;
  fine.tasks[j0].act = activity::finished;
  fine.oracles.at_end({});
  EXPECT_FALSE(fine.judge.failed());
}

}  // namespace
}  // namespace chaosq::harness::detail

// The ledger fed events by hand, as a runner (coroutines or threads) would feed them: no loop,
// no queue, no coroutine.

#include "detail/ledger.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace chaosq::harness::detail {
namespace {

std::vector<task_record> tasks_named(std::initializer_list<const char*> names) {
  std::vector<task_record> out;
  for (const char* n : names) out.push_back({.name = n});
  return out;
}

struct run_of_events {
  std::vector<task_record> tasks = tasks_named({"p0", "c0", "c1"});
  judgement judge;
  detail::ledger ledger;
  std::int64_t count = 0;  // the queue's unfinished count, as the runner would read it

  explicit run_of_events(queue::queue_kind kind = queue::queue_kind::fifo,
                         std::int64_t maxsize = 0) {
    ledger.start(kind, maxsize, 8, judge, tasks);
  }
  item put(step_no at, std::uint32_t priority = 0) {
    item const it{priority, ledger.make_item()};
    ++count;
    EXPECT_TRUE(ledger.put(0, it, at, count));
    return it;
  }
  void ack(task_id by, const item& it, step_no at, bool refused = false) {
    if (!refused) --count;
    ledger.acked(by, it, at, count, refused);
  }
};

constexpr task_id p0 = 0;
constexpr task_id c0 = 1;
constexpr task_id c1 = 2;

TEST(ledger, follows_each_item_from_put_to_ack) {
  run_of_events r;
  item const a = r.put(1);
  item const b = r.put(2);
  EXPECT_TRUE(r.ledger.got(c0, a, 3));
  EXPECT_TRUE(r.ledger.got(c1, b, 4));
  r.ack(c0, a, 5);
  EXPECT_EQ(r.ledger.unacked_items(), std::vector<std::uint32_t>{b.id});
  r.ack(c1, b, 6);
  EXPECT_FALSE(r.judge.failed());
  EXPECT_TRUE(r.ledger.unacked_items().empty());
  EXPECT_EQ(r.ledger[a.id].put_by, p0);
  EXPECT_EQ(r.ledger[a.id].got_by, c0);
  EXPECT_EQ(r.ledger[b.id].got_step, 4u);
  EXPECT_EQ(r.ledger[b.id].fate, fate::acked);
  ASSERT_EQ(r.ledger.zeros().size(), 1u);
  EXPECT_EQ(r.ledger.zeros()[0].step, 6u);
  EXPECT_TRUE(r.ledger.zeros()[0].unacked.empty());
}

TEST(ledger, a_zero_moment_keeps_the_items_still_open_then) {
  run_of_events r;
  item const a = r.put(1);
  item const b = r.put(2);
  EXPECT_TRUE(r.ledger.got(c0, a, 3));
  EXPECT_TRUE(r.ledger.got(c1, b, 4));
  r.ack(c0, a, 5);
  r.ack(c0, a, 6);  // the wrong item: the count reaches zero with b still held
  ASSERT_TRUE(r.judge.failed());
  EXPECT_EQ(r.judge.violation()->kind, verdict_kind::over_ack_double_ack);
  EXPECT_EQ(r.judge.violation()->message,
            "c0 acknowledged i0 a second time at step 6 (got at step 3)");
  ASSERT_EQ(r.ledger.zeros().size(), 1u);
  EXPECT_EQ(r.ledger.zeros()[0].unacked, std::vector<std::uint32_t>{b.id});
}

TEST(ledger, an_item_got_twice_or_never_put_is_duplicated) {
  run_of_events r;
  item const a = r.put(1);
  EXPECT_TRUE(r.ledger.got(c0, a, 2));
  EXPECT_FALSE(r.ledger.got(c1, a, 3));
  ASSERT_TRUE(r.judge.failed());
  EXPECT_EQ(r.judge.violation()->kind, verdict_kind::duplicated_got_twice);
  EXPECT_EQ(r.judge.violation()->message, "c1 got i0 at step 3, already got by c0 at step 2");

  run_of_events made_up;
  EXPECT_FALSE(made_up.ledger.got(c0, item{0, 7}, 1));
  EXPECT_EQ(made_up.judge.violation()->kind, verdict_kind::duplicated_never_put);
}

TEST(ledger, judges_order_by_queue_kind) {
  run_of_events fifo;
  fifo.put(1);
  item const second = fifo.put(2);
  EXPECT_TRUE(fifo.ledger.got(c0, second, 3));  // recorded all the same
  ASSERT_TRUE(fifo.judge.failed());
  EXPECT_EQ(fifo.judge.violation()->kind, verdict_kind::order_fifo);
  EXPECT_EQ(fifo.judge.violation()->message,
            "c0 got i1 at step 3 but a fifo queue must hand out i0 first");
  EXPECT_EQ(fifo.judge.violation()->marked_steps, (std::vector<std::uint64_t>{2, 1, 3}));

  run_of_events lifo(queue::queue_kind::lifo);
  lifo.put(1);
  item const newest = lifo.put(2);
  EXPECT_TRUE(lifo.ledger.got(c0, newest, 3));
  EXPECT_FALSE(lifo.judge.failed());

  run_of_events priority(queue::queue_kind::priority);
  priority.put(1, 3);
  item const smallest = priority.put(2, 1);
  EXPECT_TRUE(priority.ledger.got(c0, smallest, 3));
  EXPECT_FALSE(priority.judge.failed());
}

TEST(ledger, holds_the_queue_to_maxsize) {
  run_of_events r(queue::queue_kind::fifo, 1);
  r.put(1);
  EXPECT_FALSE(r.judge.failed());
  r.put(2);
  ASSERT_TRUE(r.judge.failed());
  EXPECT_EQ(r.judge.violation()->kind, verdict_kind::capacity_over_maxsize);
  EXPECT_EQ(r.judge.violation()->message,
            "after p0 put i1 at step 2 the queue held 2 items, maxsize 1");
}

TEST(ledger, an_ack_below_zero_or_refused_is_an_over_ack) {
  run_of_events below;
  item const a = below.put(1);
  EXPECT_TRUE(below.ledger.got(c0, a, 2));
  below.count = -1;
  below.ledger.acked(c0, a, 3, below.count, false);
  EXPECT_EQ(below.judge.violation()->kind, verdict_kind::over_ack_negative_count);

  run_of_events refused;
  item const b = refused.put(1);
  refused.ledger.got(c0, b, 2);
  refused.ack(c0, b, 3, /*refused=*/true);
  EXPECT_EQ(refused.judge.violation()->kind, verdict_kind::over_ack_task_done_error);
}

TEST(ledger, a_drain_closes_what_the_queue_held) {
  run_of_events r;
  item const a = r.put(1);
  r.put(2);
  EXPECT_TRUE(r.ledger.got(c0, a, 3));
  r.ledger.blame_holder(a.id, fault_kind::cancel);
  r.ledger.drain();
  EXPECT_EQ(r.ledger.unacked_items(), std::vector<std::uint32_t>{a.id});
  EXPECT_EQ(r.ledger[1].fate, fate::drained);
  EXPECT_TRUE(r.ledger.shadow().empty());
  EXPECT_TRUE(r.ledger[a.id].holder_struck);
  EXPECT_EQ(r.ledger[a.id].holder_fault, fault_kind::cancel);
}

TEST(ledger, explain_off_keeps_the_verdict_without_text) {
  std::vector<task_record> tasks = tasks_named({"p0", "c0"});
  judgement judge(/*explain=*/false);
  detail::ledger l;
  l.start(queue::queue_kind::fifo, 0, 1, judge, tasks);
  EXPECT_FALSE(l.got(1, item{0, 0}, 1));
  ASSERT_TRUE(judge.failed());
  EXPECT_EQ(judge.violation()->kind, verdict_kind::duplicated_never_put);
  EXPECT_TRUE(judge.violation()->message.empty());
}

}  // namespace
}  // namespace chaosq::harness::detail

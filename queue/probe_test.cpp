// The [probe] edge cases of shared/spec/asyncio-queue.md and the tracker cases about the queue
// itself. Every expectation was first observed by running the same program under CPython 3.13.0.

#include <chrono>
#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::queue {
namespace {

using namespace std::chrono_literals;
using sim::task;
using event_log = std::vector<std::string>;

// What a task saw, in the order tasks saw it: how CPython's probes were recorded too.
template <class Q>
task<void> logged_get(Q& q, std::string name, event_log& log) {
  try {
    int const item = co_await q.get();
    log.push_back(name + " got " + std::to_string(item));
  } catch (const queue_shut_down&) {
    log.push_back(name + " shut down");
  } catch (const sim::cancelled_error&) {
    log.push_back(name + " cancelled");
    throw;
  }
}

template <class Q>
task<void> logged_put(Q& q, std::string name, int item, event_log& log) {
  try {
    co_await q.put(item);
    log.push_back(name + " put " + std::to_string(item));
  } catch (const queue_shut_down&) {
    log.push_back(name + " shut down");
  }
}

template <class Q>
task<void> logged_join(Q& q, event_log& log) {
  co_await q.join();
  log.push_back("joined with " + std::to_string(q.unfinished_tasks()) + " unfinished");
}

task<void> note(event_log& log, std::string entry) {
  log.push_back(std::move(entry));
  co_return;
}

template <class Q>
std::vector<int> stored(const Q& q) {
  return {q.items().begin(), q.items().end()};
}

template <class Q>
class probe : public ::testing::Test {};
using every_kind = ::testing::Types<queue<int>, lifo_queue<int>, priority_queue<int>>;
TYPED_TEST_SUITE(probe, every_kind);

// After a non-immediate shutdown of a full queue `full()` stays true.
TYPED_TEST(probe, full_stays_true_after_graceful_shutdown_of_a_full_queue) {
  TypeParam q(2);
  q.put_nowait(1);
  q.put_nowait(2);
  q.shutdown();
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.qsize(), 2U);
  static_cast<void>(q.get_nowait());
  EXPECT_FALSE(q.full());
}

// Fast path never suspends: get on non-empty ... give no other task a turn.
TYPED_TEST(probe, get_on_a_non_empty_queue_gives_no_other_task_a_turn) {
  TypeParam q;
  event_log log;
  sim::loop l;
  q.put_nowait(5);
  auto getter = l.spawn(logged_get(q, "a", log));
  auto other = l.spawn(note(log, "b ran"));
  ASSERT_TRUE(l.step());
  EXPECT_TRUE(getter.done());
  EXPECT_FALSE(other.done());
  EXPECT_EQ(l.next_ready(), other);
  EXPECT_EQ(log, (event_log{"a got 5"}));
  l.run();
  EXPECT_EQ(log, (event_log{"a got 5", "b ran"}));
}

// Fast path never suspends: ... put on non-full ... give no other task a turn.
TYPED_TEST(probe, put_on_a_non_full_queue_gives_no_other_task_a_turn) {
  TypeParam q(1);
  event_log log;
  sim::loop l;
  auto putter = l.spawn(logged_put(q, "a", 7, log));
  auto other = l.spawn(note(log, "b ran"));
  ASSERT_TRUE(l.step());
  EXPECT_TRUE(putter.done());
  EXPECT_FALSE(other.done());
  EXPECT_EQ(l.next_ready(), other);
  EXPECT_EQ(log, (event_log{"a put 7"}));
  EXPECT_EQ(q.qsize(), 1U);
  EXPECT_EQ(q.unfinished_tasks(), 1);
  l.run();
  EXPECT_EQ(log, (event_log{"a put 7", "b ran"}));
}

// Fast path never suspends: ... (and put on a shut-down non-full queue raises at once) ...
TYPED_TEST(probe, put_on_a_shut_down_non_full_queue_raises_without_giving_another_task_a_turn) {
  TypeParam q(1);
  event_log log;
  sim::loop l;
  q.shutdown();
  auto putter = l.spawn(logged_put(q, "a", 7, log));
  auto other = l.spawn(note(log, "b ran"));
  ASSERT_TRUE(l.step());
  EXPECT_TRUE(putter.done());
  EXPECT_FALSE(other.done());
  EXPECT_EQ(log, (event_log{"a shut down"}));
  EXPECT_EQ(q.unfinished_tasks(), 0);
  l.run();
  EXPECT_EQ(log, (event_log{"a shut down", "b ran"}));
}

// A woken waiter that finds the condition false again appends a NEW future at the BACK.
TYPED_TEST(probe, woken_getter_finding_the_queue_empty_rejoins_at_the_back) {
  TypeParam q;
  event_log log;
  sim::loop l;
  auto g1 = l.spawn(logged_get(q, "g1", log));
  auto g2 = l.spawn(logged_get(q, "g2", log));
  l.run();
  EXPECT_EQ(q.getter_count(), 2U);
  q.put_nowait(1);
  EXPECT_EQ(q.getter_count(), 1U) << "the wake-up popped g1's future";
  EXPECT_EQ(q.get_nowait(), 1);
  l.run();
  EXPECT_TRUE(g1.waiting());
  EXPECT_EQ(q.getter_count(), 2U) << "g1 waits again, now behind g2";
  q.put_nowait(2);
  l.run();
  EXPECT_EQ(log, (event_log{"g2 got 2"}));
  EXPECT_TRUE(g2.done());
  EXPECT_TRUE(g1.waiting());
  EXPECT_EQ(q.getter_count(), 1U);
  q.put_nowait(3);
  l.run();
  EXPECT_EQ(log, (event_log{"g2 got 2", "g1 got 3"}));
}

// A woken waiter that finds the condition false again appends a NEW future at the BACK.
TYPED_TEST(probe, woken_putter_finding_the_queue_full_rejoins_at_the_back) {
  TypeParam q(1);
  event_log log;
  sim::loop l;
  q.put_nowait(0);
  auto p1 = l.spawn(logged_put(q, "p1", 1, log));
  auto p2 = l.spawn(logged_put(q, "p2", 2, log));
  l.run();
  EXPECT_EQ(q.putter_count(), 2U);
  EXPECT_EQ(q.get_nowait(), 0);
  q.put_nowait(9);
  l.run();
  EXPECT_TRUE(p1.waiting());
  EXPECT_EQ(q.putter_count(), 2U) << "p1 waits again, now behind p2";
  EXPECT_EQ(q.get_nowait(), 9);
  l.run();
  EXPECT_EQ(log, (event_log{"p2 put 2"}));
  EXPECT_TRUE(p2.done());
  EXPECT_TRUE(p1.waiting());
  EXPECT_EQ(stored(q), (std::vector<int>{2}));
  EXPECT_EQ(q.get_nowait(), 2);
  l.run();
  EXPECT_EQ(log, (event_log{"p2 put 2", "p1 put 1"}));
  EXPECT_EQ(stored(q), (std::vector<int>{1}));
}

// Barging: between wake-up and resume, a nowait call or a non-waiting get may take the item.
TYPED_TEST(probe, nowait_call_or_fresh_get_takes_the_item_between_wake_up_and_resume) {
  TypeParam q;
  event_log log;
  sim::loop l;
  auto g = l.spawn(logged_get(q, "g", log));
  l.run();
  q.put_nowait(1);
  EXPECT_EQ(q.get_nowait(), 1) << "taken from under the woken g";
  EXPECT_EQ(q.getter_count(), 0U);
  l.run();
  EXPECT_TRUE(g.waiting());
  EXPECT_EQ(q.getter_count(), 1U);
  auto b = l.spawn(logged_get(q, "b", log));
  q.put_nowait(2);  // wakes g, which is now behind the fresh b in the ready set
  ASSERT_TRUE(l.step());
  EXPECT_TRUE(b.done());
  EXPECT_EQ(log, (event_log{"b got 2"}));
  l.run();
  EXPECT_TRUE(g.waiting());
  EXPECT_EQ(q.getter_count(), 1U);
  q.put_nowait(3);
  l.run();
  EXPECT_EQ(log, (event_log{"b got 2", "g got 3"}));
}

// After being woken: getter facing empty+shut down raises.
TYPED_TEST(probe, woken_getter_facing_an_empty_shut_down_queue_raises) {
  TypeParam q;
  event_log log;
  sim::loop l;
  auto g = l.spawn(logged_get(q, "g", log));
  l.run();
  q.put_nowait(1);
  EXPECT_EQ(q.get_nowait(), 1);
  q.shutdown();
  EXPECT_EQ(q.getter_count(), 0U);
  l.run();
  EXPECT_TRUE(g.done());
  EXPECT_EQ(log, (event_log{"g shut down"}));
  EXPECT_EQ(q.getter_count(), 0U);
  EXPECT_EQ(q.unfinished_tasks(), 1);
}

// After being woken: ... putter facing full+shut down raises.
TYPED_TEST(probe, woken_putter_facing_a_full_shut_down_queue_raises) {
  TypeParam q(1);
  event_log log;
  sim::loop l;
  q.put_nowait(0);
  auto p = l.spawn(logged_put(q, "p", 1, log));
  l.run();
  q.shutdown();
  EXPECT_EQ(q.putter_count(), 0U);
  EXPECT_TRUE(q.full());
  l.run();
  EXPECT_TRUE(p.done());
  EXPECT_EQ(log, (event_log{"p shut down"}));
  EXPECT_EQ(stored(q), (std::vector<int>{0}));
  EXPECT_EQ(q.unfinished_tasks(), 1);
}

// After being woken: ... a putter that found a slot but the queue shut down ... put_nowait raises.
TYPED_TEST(probe, woken_putter_finding_a_slot_in_a_shut_down_queue_raises_from_put_nowait) {
  TypeParam q(1);
  event_log log;
  sim::loop l;
  q.put_nowait(0);
  auto p = l.spawn(logged_put(q, "p", 1, log));
  l.run();
  EXPECT_EQ(q.get_nowait(), 0);
  q.shutdown();
  l.run();
  EXPECT_TRUE(p.done());
  EXPECT_EQ(log, (event_log{"p shut down"}));
  EXPECT_EQ(q.qsize(), 0U);
  EXPECT_EQ(q.unfinished_tasks(), 1);
  EXPECT_EQ(q.putter_count(), 0U);
}

// Task.cancel() cancels the future synchronously; the entry stays in the list; put_nowait skips it.
TYPED_TEST(probe, cancelled_getter_stays_listed_until_cleanup_and_a_put_skips_it) {
  TypeParam q;
  event_log log;
  sim::loop l;
  auto g1 = l.spawn(logged_get(q, "g1", log));
  auto g2 = l.spawn(logged_get(q, "g2", log));
  l.run();
  EXPECT_TRUE(g1.cancel());
  EXPECT_FALSE(g1.done());
  EXPECT_FALSE(g1.waiting()) << "its future is cancelled, so it is already scheduled";
  EXPECT_EQ(q.getter_count(), 2U);
  q.put_nowait(1);
  EXPECT_EQ(q.getter_count(), 0U) << "g1's cancelled entry was skipped, g2's was woken";
  EXPECT_FALSE(g2.waiting()) << "g2 was woken";
  l.run();
  EXPECT_EQ(log, (event_log{"g1 cancelled", "g2 got 1"}));
  EXPECT_TRUE(g1.cancelled());
  EXPECT_EQ(q.qsize(), 0U);
  EXPECT_EQ(q.getter_count(), 0U);
}

// Cancellation beats shutdown: a getter woken by `shutdown()` and then cancelled ends cancelled.
TYPED_TEST(probe, cancellation_beats_shutdown_for_a_getter_woken_by_it) {
  TypeParam q;
  event_log log;
  sim::loop l;
  auto g = l.spawn(logged_get(q, "g", log));
  l.run();
  q.shutdown();
  EXPECT_TRUE(g.cancel());
  l.run();
  EXPECT_TRUE(g.cancelled());
  EXPECT_EQ(log, (event_log{"g cancelled"}));
}

// task_done: Needs no matching get (... so `unfinished` may be below `qsize`).
TYPED_TEST(probe, task_done_needs_no_matching_get_and_can_drive_unfinished_below_qsize) {
  TypeParam q;
  event_log log;
  sim::loop l;
  q.put_nowait(1);
  q.put_nowait(2);
  q.task_done();
  EXPECT_EQ(q.qsize(), 2U);
  EXPECT_EQ(q.unfinished_tasks(), 1);
  EXPECT_FALSE(q.finished());
  q.task_done();
  EXPECT_EQ(q.qsize(), 2U);
  EXPECT_EQ(q.unfinished_tasks(), 0);
  EXPECT_TRUE(q.finished());
  EXPECT_THROW(q.task_done(), task_done_error);
  EXPECT_EQ(q.unfinished_tasks(), 0);
  auto joiner = l.spawn(logged_join(q, log));
  ASSERT_TRUE(l.step());
  EXPECT_TRUE(joiner.done()) << "join returns at once although two items are stored";
  EXPECT_EQ(log, (event_log{"joined with 0 unfinished"}));
}

// Count hits 0, a put raises it before the joiner resumes: join STILL returns, `unfinished == 1`.
TYPED_TEST(probe, join_returns_although_the_count_rose_again_before_the_joiner_resumed) {
  TypeParam q;
  event_log log;
  sim::loop l;
  q.put_nowait(1);
  auto joiner = l.spawn(logged_join(q, log));
  l.run();
  EXPECT_TRUE(joiner.waiting());
  static_cast<void>(q.get_nowait());
  q.task_done();
  q.put_nowait(2);
  EXPECT_FALSE(q.finished());
  EXPECT_EQ(q.unfinished_tasks(), 1);
  l.run();
  EXPECT_TRUE(joiner.done());
  EXPECT_EQ(log, (event_log{"joined with 1 unfinished"}));
}

// Three waiting getters + one put + shutdown give `[item, QueueShutDown, QueueShutDown]`.
TYPED_TEST(probe, three_waiting_getters_one_put_and_shutdown_give_the_item_then_two_shut_downs) {
  TypeParam q;
  event_log log;
  sim::loop l;
  for (const char* name : {"g0", "g1", "g2"}) l.spawn(logged_get(q, name, log));
  l.run();
  q.put_nowait(42);
  q.shutdown();
  EXPECT_EQ(l.run().status, sim::run_status::complete);
  EXPECT_EQ(log, (event_log{"g0 got 42", "g1 shut down", "g2 shut down"}));
}

// gh-117531: non-immediate shutdown must release every waiting getter.
TYPED_TEST(probe, gh117531_graceful_shutdown_releases_every_waiting_getter) {
  TypeParam q;
  event_log log;
  sim::loop l;
  for (const char* name : {"g0", "g1", "g2", "g3"}) l.spawn(logged_get(q, name, log));
  l.run();
  EXPECT_EQ(q.getter_count(), 4U);
  q.shutdown();
  EXPECT_EQ(q.getter_count(), 0U);
  EXPECT_EQ(l.run().status, sim::run_status::complete);
  EXPECT_EQ(log, (event_log{"g0 shut down", "g1 shut down", "g2 shut down", "g3 shut down"}));
}

// gh-137088: immediate shutdown lowers the count only by the items drained.
TYPED_TEST(probe, gh137088_immediate_shutdown_lowers_the_count_only_by_the_items_drained) {
  TypeParam q;
  event_log log;
  sim::loop l;
  for (int const item : {3, 1, 2}) q.put_nowait(item);
  static_cast<void>(q.get_nowait());
  EXPECT_EQ(q.qsize(), 2U);
  EXPECT_EQ(q.unfinished_tasks(), 3);
  auto joiner = l.spawn(logged_join(q, log));
  l.run();
  q.shutdown(shutdown_mode::immediate);
  EXPECT_EQ(q.qsize(), 0U);
  EXPECT_EQ(q.unfinished_tasks(), 1) << "the item taken but not acknowledged still counts";
  EXPECT_FALSE(q.finished());
  l.run();
  EXPECT_TRUE(joiner.waiting());
  q.task_done();
  EXPECT_EQ(q.unfinished_tasks(), 0);
  EXPECT_TRUE(q.finished());
  l.run();
  EXPECT_EQ(log, (event_log{"joined with 0 unfinished"}));

  TypeParam early;  // task_done before any get: more items stored than counted
  early.put_nowait(1);
  early.put_nowait(2);
  early.task_done();
  early.shutdown(shutdown_mode::immediate);
  EXPECT_EQ(early.qsize(), 0U);
  EXPECT_EQ(early.unfinished_tasks(), 0) << "never below zero";
  EXPECT_TRUE(early.finished());
}

// gh-83055: puts can complete out of order on a full queue (barging); still open upstream.
TYPED_TEST(probe, gh83055_puts_complete_out_of_order_on_a_full_queue) {
  TypeParam q(1);
  event_log log;
  sim::loop l;
  q.put_nowait(0);
  auto p1 = l.spawn(logged_put(q, "p1", 1, log));
  l.run();
  EXPECT_TRUE(p1.waiting());
  auto p2 = l.spawn(logged_put(q, "p2", 2, log));  // called put after p1 did
  EXPECT_EQ(q.get_nowait(), 0);                    // wakes p1, now behind p2
  l.run();
  EXPECT_TRUE(p2.done());
  EXPECT_TRUE(p1.waiting());
  EXPECT_EQ(stored(q), (std::vector<int>{2}));
  EXPECT_EQ(q.putter_count(), 1U);
  EXPECT_EQ(q.get_nowait(), 2);
  l.run();
  EXPECT_EQ(log, (event_log{"p2 put 2", "p1 put 1"}));
  EXPECT_EQ(stored(q), (std::vector<int>{1}));
}

// ---- gh-92824: wait_for(q.get(), t) with the timeout landing at every point ------------------

enum class put_timer : unsigned char { early, late };  // set before / after c1 starts
enum class second_getter : unsigned char { none, ahead, behind };

// One interleaving: c1 runs `wait_for(q.get(), timeout)`, c2 a plain `q.get()` ahead of or
// behind c1 in the getter line, and a timer callback `put_nowait(7)`s at `put_ms` (0: the item
// is stored before any task starts). Timers due together fire in the order they were set.
struct wait_for_case {
  int timeout_ms;
  int put_ms;
  put_timer order;
  second_getter c2;
  // Where the timeout landed relative to the put: c1 already timed out ("c1_done"), its timeout
  // fired first at the same tick ("c1_cancelled"), the put woke c1 ("woke_c1", and a timeout at the
  // same tick then cancels it before it resumes) or woke c2 ("woke_other"); or "preloaded".
  std::string_view at_put;
  // Then, once everything settled: c1's and c2's results, qsize and the getter line's length.
  std::string_view c1_result;
  std::string_view c2_result;
  std::size_t qsize;
  std::size_t getters;
};

// Observed with CPython 3.13.0 on an event loop with virtual time (one second there is one
// millisecond here); identical for Queue, LifoQueue and PriorityQueue.
constexpr wait_for_case k_wait_for_cases[] = {
    {0, 0, put_timer::early, second_getter::none, "preloaded", "timeout", "none", 1, 0},
    {0, 0, put_timer::early, second_getter::ahead, "preloaded", "timeout", "7", 0, 0},
    {0, 0, put_timer::early, second_getter::behind, "preloaded", "timeout", "7", 0, 0},
    {0, 1, put_timer::early, second_getter::none, "c1_done", "timeout", "none", 1, 0},
    {0, 1, put_timer::early, second_getter::ahead, "c1_done", "timeout", "7", 0, 0},
    {0, 1, put_timer::early, second_getter::behind, "c1_done", "timeout", "7", 0, 0},
    {0, 1, put_timer::late, second_getter::none, "c1_done", "timeout", "none", 1, 0},
    {0, 1, put_timer::late, second_getter::ahead, "c1_done", "timeout", "7", 0, 0},
    {0, 1, put_timer::late, second_getter::behind, "c1_done", "timeout", "7", 0, 0},
    {0, 2, put_timer::early, second_getter::none, "c1_done", "timeout", "none", 1, 0},
    {0, 2, put_timer::early, second_getter::ahead, "c1_done", "timeout", "7", 0, 0},
    {0, 2, put_timer::early, second_getter::behind, "c1_done", "timeout", "7", 0, 0},
    {0, 2, put_timer::late, second_getter::none, "c1_done", "timeout", "none", 1, 0},
    {0, 2, put_timer::late, second_getter::ahead, "c1_done", "timeout", "7", 0, 0},
    {0, 2, put_timer::late, second_getter::behind, "c1_done", "timeout", "7", 0, 0},
    {1, 0, put_timer::early, second_getter::none, "preloaded", "7", "none", 0, 0},
    {1, 0, put_timer::early, second_getter::ahead, "preloaded", "timeout", "7", 0, 0},
    {1, 0, put_timer::early, second_getter::behind, "preloaded", "7", "waiting", 0, 1},
    {1, 1, put_timer::early, second_getter::none, "woke_c1", "timeout", "none", 1, 0},
    {1, 1, put_timer::early, second_getter::ahead, "woke_other", "timeout", "7", 0, 0},
    {1, 1, put_timer::early, second_getter::behind, "woke_c1", "timeout", "7", 0, 0},
    {1, 1, put_timer::late, second_getter::none, "c1_cancelled", "timeout", "none", 1, 0},
    {1, 1, put_timer::late, second_getter::ahead, "c1_cancelled", "timeout", "7", 0, 0},
    {1, 1, put_timer::late, second_getter::behind, "c1_cancelled", "timeout", "7", 0, 0},
    {1, 2, put_timer::early, second_getter::none, "c1_done", "timeout", "none", 1, 0},
    {1, 2, put_timer::early, second_getter::ahead, "c1_done", "timeout", "7", 0, 0},
    {1, 2, put_timer::early, second_getter::behind, "c1_done", "timeout", "7", 0, 0},
    {1, 2, put_timer::late, second_getter::none, "c1_done", "timeout", "none", 1, 0},
    {1, 2, put_timer::late, second_getter::ahead, "c1_done", "timeout", "7", 0, 0},
    {1, 2, put_timer::late, second_getter::behind, "c1_done", "timeout", "7", 0, 0},
    {2, 0, put_timer::early, second_getter::none, "preloaded", "7", "none", 0, 0},
    {2, 0, put_timer::early, second_getter::ahead, "preloaded", "timeout", "7", 0, 0},
    {2, 0, put_timer::early, second_getter::behind, "preloaded", "7", "waiting", 0, 1},
    {2, 1, put_timer::early, second_getter::none, "woke_c1", "7", "none", 0, 0},
    {2, 1, put_timer::early, second_getter::ahead, "woke_other", "timeout", "7", 0, 0},
    {2, 1, put_timer::early, second_getter::behind, "woke_c1", "7", "waiting", 0, 1},
    {2, 1, put_timer::late, second_getter::none, "woke_c1", "7", "none", 0, 0},
    {2, 1, put_timer::late, second_getter::ahead, "woke_other", "timeout", "7", 0, 0},
    {2, 1, put_timer::late, second_getter::behind, "woke_c1", "7", "waiting", 0, 1},
    {2, 2, put_timer::early, second_getter::none, "woke_c1", "timeout", "none", 1, 0},
    {2, 2, put_timer::early, second_getter::ahead, "woke_other", "timeout", "7", 0, 0},
    {2, 2, put_timer::early, second_getter::behind, "woke_c1", "timeout", "7", 0, 0},
    {2, 2, put_timer::late, second_getter::none, "c1_cancelled", "timeout", "none", 1, 0},
    {2, 2, put_timer::late, second_getter::ahead, "c1_cancelled", "timeout", "7", 0, 0},
    {2, 2, put_timer::late, second_getter::behind, "c1_cancelled", "timeout", "7", 0, 0},
    {3, 0, put_timer::early, second_getter::none, "preloaded", "7", "none", 0, 0},
    {3, 0, put_timer::early, second_getter::ahead, "preloaded", "timeout", "7", 0, 0},
    {3, 0, put_timer::early, second_getter::behind, "preloaded", "7", "waiting", 0, 1},
    {3, 1, put_timer::early, second_getter::none, "woke_c1", "7", "none", 0, 0},
    {3, 1, put_timer::early, second_getter::ahead, "woke_other", "timeout", "7", 0, 0},
    {3, 1, put_timer::early, second_getter::behind, "woke_c1", "7", "waiting", 0, 1},
    {3, 1, put_timer::late, second_getter::none, "woke_c1", "7", "none", 0, 0},
    {3, 1, put_timer::late, second_getter::ahead, "woke_other", "timeout", "7", 0, 0},
    {3, 1, put_timer::late, second_getter::behind, "woke_c1", "7", "waiting", 0, 1},
    {3, 2, put_timer::early, second_getter::none, "woke_c1", "7", "none", 0, 0},
    {3, 2, put_timer::early, second_getter::ahead, "woke_other", "timeout", "7", 0, 0},
    {3, 2, put_timer::early, second_getter::behind, "woke_c1", "7", "waiting", 0, 1},
    {3, 2, put_timer::late, second_getter::none, "woke_c1", "7", "none", 0, 0},
    {3, 2, put_timer::late, second_getter::ahead, "woke_other", "timeout", "7", 0, 0},
    {3, 2, put_timer::late, second_getter::behind, "woke_c1", "7", "waiting", 0, 1},
};

template <class Q>
task<void> get_within(Q& q, sim::duration timeout, std::string& result) {
  try {
    result = std::to_string(co_await sim::wait_for(q.get(), timeout));
  } catch (const sim::timeout_error&) {
    result = "timeout";
  }
}

template <class Q>
task<void> get_into(Q& q, std::string& result) {
  result = std::to_string(co_await q.get());
}

std::string describe(const wait_for_case& c) {
  static constexpr const char* k_order[] = {"put timer set before c1 starts",
                                            "put timer set after c1 starts"};
  static constexpr const char* k_c2[] = {"no c2", "c2 ahead", "c2 behind"};
  return "timeout " + std::to_string(c.timeout_ms) + "ms, put at " + std::to_string(c.put_ms) +
         "ms, " + k_order[static_cast<int>(c.order)] + ", " + k_c2[static_cast<int>(c.c2)];
}

// Runs one case and checks it against CPython's row and against "no item is lost".
template <class Q>
void check_wait_for_case(const wait_for_case& c) {
  SCOPED_TRACE(describe(c));
  Q q;
  std::string at_put;
  std::string c1 = "waiting";
  std::string c2 = c.c2 == second_getter::none ? "none" : "waiting";
  sim::loop l;
  sim::task_ref c1_task;
  auto put = [&q, &c1_task, &at_put] {
    if (c1_task.done()) {
      at_put = "c1_done";
    } else if (!c1_task.waiting()) {
      at_put = "c1_cancelled";
    } else {
      q.put_nowait(7);
      at_put = c1_task.waiting() ? "woke_other" : "woke_c1";
      return;
    }
    q.put_nowait(7);
  };
  if (c.put_ms == 0) {
    q.put_nowait(7);
    at_put = "preloaded";
  } else if (c.order == put_timer::early) {
    l.call_later(std::chrono::milliseconds(c.put_ms), put);
  }
  if (c.c2 == second_getter::ahead) l.spawn(get_into(q, c2));
  c1_task = l.spawn(get_within(q, std::chrono::milliseconds(c.timeout_ms), c1));
  if (c.c2 == second_getter::behind) l.spawn(get_into(q, c2));
  for (std::size_t n = l.ready_count(); n > 0; --n) l.step();
  if (c.put_ms != 0 && c.order == put_timer::late) {
    l.call_later(std::chrono::milliseconds(c.put_ms), put);
  }
  l.spawn(sim::sleep(10ms));  // keeps the loop going past every timer, as CPython's main task did
  l.run();

  EXPECT_EQ(at_put, c.at_put);
  EXPECT_EQ(c1, c.c1_result);
  EXPECT_EQ(c2, c.c2_result);
  EXPECT_EQ(q.qsize(), c.qsize);
  EXPECT_EQ(q.getter_count(), c.getters);
  int const holders = static_cast<int>(c1 == "7") + static_cast<int>(c2 == "7");
  EXPECT_EQ(holders + static_cast<int>(q.qsize()), 1) << "the item is got once or still stored";
  EXPECT_TRUE(q.empty() || q.getter_count() == 0) << "a stored item with a getter left waiting";
}

// gh-92824: wait_for(q.get(), t) cancellation safety: a timeout at every point must lose no item.
TYPED_TEST(probe, gh92824_wait_for_get_loses_no_item_wherever_the_timeout_lands) {
  for (const wait_for_case& c : k_wait_for_cases) {
    if (c.timeout_ms == 0 && c.put_ms == 0) continue;  // see the zero-timeout test below
    check_wait_for_case<TypeParam>(c);
  }
}

// gh-92824: wait_for(q.get(), t) cancellation safety: a timeout at every point must lose no item.
TYPED_TEST(probe, gh92824_wait_for_get_with_zero_timeout_never_takes_a_stored_item) {
  // t == 0 on a non-empty queue: CPython 3.13's wait_for cancels the operation before it starts,
  // so the get never runs and the item stays for the next getter.
  for (const wait_for_case& c : k_wait_for_cases) {
    if (c.timeout_ms == 0 && c.put_ms == 0) check_wait_for_case<TypeParam>(c);
  }
}

// ---- a comparison that raises inside PriorityQueue's heap --------------------------------------

// An item whose `<` throws when it compares the two values of `rule` (in either order), as a
// Python `__lt__` that raises on a chosen pair.
struct comparison_error : std::exception {};
struct touchy_rule {
  int a = -1;
  int b = -1;
};
struct touchy {
  int value;
  const touchy_rule* rule;
  friend bool operator<(const touchy& x, const touchy& y) {
    if ((x.value == x.rule->a && y.value == x.rule->b) ||
        (x.value == x.rule->b && y.value == x.rule->a)) {
      throw comparison_error{};
    }
    return x.value < y.value;
  }
};

std::vector<int> values(const priority_queue<touchy>& q) {
  std::vector<int> out;
  for (const touchy& t : q.items()) out.push_back(t.value);
  return out;
}

enum class heap_op : unsigned char { push, pop };
struct heap_case {
  heap_op op;
  std::vector<int> start;  // pushed in this order (each already in heap order: no item moves)
  int pushed;              // push only
  std::pair<int, int> raises_on;
  bool raised;
  std::vector<int> after;  // the heap array afterwards
  int popped;              // pop that did not raise only
};

// Printed by CPython 3.13.0 (the C heapq, Modules/_heapqmodule.c) running
//
//   import heapq
//   class Boom(Exception): pass
//   class It:
//       bad = None
//       def __init__(s, v): s.v = v
//       def __lt__(s, o):
//           if It.bad == frozenset((s.v, o.v)): raise Boom
//           return s.v < o.v
//   def build(vals):
//       It.bad = None; h = []
//       for v in vals: heapq.heappush(h, It(v))
//       return h
//   for start, op, arg, bad in CASES:          # the first four columns below
//       h = build(start); It.bad = frozenset(bad); out = -1
//       try:
//           if op == "push": heapq.heappush(h, It(arg)); raised = False
//           else: out = heapq.heappop(h).v; raised = False
//       except Boom: raised = True
//       print(op, start, arg, bad, raised, [x.v for x in h], out)
//
// A push that raises keeps the new item where its sift had carried it; a pop that raises loses
// the top item (heappop drops the item it was about to return) and keeps the rest in place.
TEST(probe_priority, a_throwing_comparison_leaves_the_heap_as_cpython_heapq_does) {
  std::vector<heap_case> const cases = {
      {heap_op::push, {1, 2, 3, 4, 5, 6, 7}, 0, {0, 4}, true, {1, 2, 3, 4, 5, 6, 7, 0}, -1},
      {heap_op::push, {1, 2, 3, 4, 5, 6, 7}, 0, {0, 2}, true, {1, 2, 3, 0, 5, 6, 7, 4}, -1},
      {heap_op::push, {1, 2, 3, 4, 5, 6, 7}, 0, {0, 1}, true, {1, 0, 3, 2, 5, 6, 7, 4}, -1},
      {heap_op::push, {1, 2, 3, 4, 5, 6, 7}, 0, {9, 9}, false, {0, 1, 3, 2, 5, 6, 7, 4}, -1},
      {heap_op::pop, {1, 2, 3, 4, 5, 6, 7}, -1, {2, 3}, true, {7, 2, 3, 4, 5, 6}, -1},
      {heap_op::pop, {1, 2, 3, 4, 5, 6, 7}, -1, {4, 5}, true, {2, 7, 3, 4, 5, 6}, -1},
      {heap_op::pop, {1, 2, 3, 4, 5, 6, 7}, -1, {7, 4}, true, {2, 4, 3, 7, 5, 6}, -1},
      {heap_op::pop, {1, 2, 3, 4, 5, 6, 7}, -1, {9, 9}, false, {2, 4, 3, 7, 5, 6}, 1},
      {heap_op::pop, {1, 5, 2, 6, 7, 3, 4}, -1, {3, 4}, true, {2, 5, 3, 6, 7, 4}, -1},
      {heap_op::pop, {1, 5, 2, 6, 7, 3, 4}, -1, {5, 2}, true, {4, 5, 2, 6, 7, 3}, -1},
      {heap_op::pop, {1, 5, 2, 6, 7, 3, 4, 8}, -1, {8, 3}, true, {2, 5, 3, 6, 7, 8, 4}, -1},
      {heap_op::pop, {1, 5, 2, 6, 7, 3, 4, 8}, -1, {3, 4}, true, {2, 5, 8, 6, 7, 3, 4}, -1},
      {heap_op::pop,
       {0, 1, 2, 5, 6, 3, 7, 10, 11, 12, 13, 4},
       -1,
       {4, 10},
       true,
       {1, 5, 2, 10, 6, 3, 7, 4, 11, 12, 13},
       -1},
      {heap_op::pop,
       {0, 1, 2, 5, 6, 3, 7, 10, 11, 12, 13, 4},
       -1,
       {4, 5},
       true,
       {1, 5, 2, 4, 6, 3, 7, 10, 11, 12, 13},
       -1},
      {heap_op::pop,
       {0, 1, 2, 5, 6, 3, 7, 10, 11, 12, 13, 4},
       -1,
       {4, 1},
       true,
       {1, 4, 2, 5, 6, 3, 7, 10, 11, 12, 13},
       -1},
      {heap_op::pop,
       {0, 1, 2, 5, 6, 3, 7, 10, 11, 12, 13, 4},
       -1,
       {9, 9},
       false,
       {1, 4, 2, 5, 6, 3, 7, 10, 11, 12, 13},
       0},
      {heap_op::push,
       {0, 1, 2, 5, 6, 3, 7, 10, 11, 12, 13},
       1,
       {1, 2},
       true,
       {0, 1, 2, 5, 6, 1, 7, 10, 11, 12, 13, 3},
       -1},
  };
  for (const heap_case& c : cases) {
    SCOPED_TRACE(::testing::Message() << (c.op == heap_op::push ? "push " : "pop ") << c.pushed
                                      << " raising on " << c.raises_on.first << "<"
                                      << c.raises_on.second << " case " << (&c - cases.data()));
    touchy_rule rule;
    priority_queue<touchy> q;
    for (int v : c.start) q.put_nowait(touchy{v, &rule});
    ASSERT_EQ(values(q), c.start);
    rule = {c.raises_on.first, c.raises_on.second};
    bool raised = false;
    int popped = -1;
    try {
      if (c.op == heap_op::push) {
        q.put_nowait(touchy{c.pushed, &rule});
      } else {
        popped = q.get_nowait().value;
      }
    } catch (const comparison_error&) {
      raised = true;
    }
    EXPECT_EQ(raised, c.raised);
    EXPECT_EQ(values(q), c.after);
    EXPECT_EQ(popped, c.popped);
  }
}

// Around the heap, put_nowait and get_nowait stop where heapq raised: a put that raised keeps
// its item stored but does not count it as unfinished; a get that raised loses the top item and
// wakes no putter. Printed by CPython 3.13.0 for the same program with It items:
//
//   q = asyncio.PriorityQueue(4); put_nowait 1, 2, 3; It.bad = {0, 2}; q.put_nowait(It(0))
//     -> raised: [1, 2, 3, 0] qsize=4 unfinished=3 full=True
//   a task awaits q.put(It(9)); sleep(0) -> putters=1
//   It.bad = {3, 2}; q.get_nowait() -> raised: [0, 2, 3] qsize=3 unfinished=3
//   sleep(0) twice -> putter done=False putters=1
//   It.bad = None; q.get_nowait() -> 0; sleep(0) twice -> putter put 9, [2, 3, 9] unfinished=4
TEST(probe_priority, put_nowait_and_get_nowait_stop_where_the_comparison_raised) {
  touchy_rule rule;
  priority_queue<touchy> q(4);
  for (int v : {1, 2, 3}) q.put_nowait(touchy{v, &rule});
  rule = {0, 2};
  EXPECT_THROW(q.put_nowait(touchy{0, &rule}), comparison_error);
  EXPECT_EQ(values(q), (std::vector<int>{1, 2, 3, 0}));
  EXPECT_EQ(q.unfinished_tasks(), 3);
  EXPECT_TRUE(q.full());

  sim::loop l;
  event_log log;
  auto putter =
      l.spawn([](priority_queue<touchy>& pq, const touchy_rule& r, event_log& out) -> task<void> {
        co_await pq.put(touchy{9, &r});
        out.emplace_back("putter put 9");
      }(q, rule, log));
  l.step();
  EXPECT_EQ(q.putter_count(), 1U);

  rule = {3, 2};
  EXPECT_THROW(static_cast<void>(q.get_nowait()), comparison_error);
  EXPECT_EQ(values(q), (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(q.unfinished_tasks(), 3);
  EXPECT_EQ(l.run().status, sim::run_status::quiescent) << "the putter was not woken";
  EXPECT_EQ(q.putter_count(), 1U);

  rule = {};
  EXPECT_EQ(q.get_nowait().value, 0);
  l.run();
  EXPECT_TRUE(putter.done());
  EXPECT_EQ(log, (event_log{"putter put 9"}));
  EXPECT_EQ(values(q), (std::vector<int>{2, 3, 9}));
  EXPECT_EQ(q.unfinished_tasks(), 4);
}

}  // namespace
}  // namespace chaosq::queue

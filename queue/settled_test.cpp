// Faults and cancellations that end a wait inside the queue, handed back as values
// (`task::settled`): what the engine sees on every run, without an unwind per level.

#include <exception>

#include <gtest/gtest.h>

#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::queue {
namespace {

sim::task<sim::result<int>> settled_get(queue<int>& q) { co_return co_await q.get().settled(); }

TEST(queue_settled, a_fault_ending_a_get_comes_back_as_a_value_and_passes_the_wakeup_on) {
  queue<int> q;
  sim::loop l;
  auto struck = l.spawn(settled_get(q));
  auto next = l.spawn(settled_get(q));
  l.run();
  ASSERT_EQ(q.getter_count(), 2U);
  q.put_nowait(1);  // wakes the first getter, which is struck before it resumes
  std::exception_ptr const fault = std::make_exception_ptr(sim::injected_fault("struck"));
  ASSERT_TRUE(struck.inject(fault));
  l.run();
  ASSERT_EQ(struck.outcome(), sim::task_outcome::returned) << "the fault was not thrown out";
  sim::result<int> const lost = struck.result();
  EXPECT_FALSE(lost.value);
  EXPECT_EQ(lost.error.error, fault);
  EXPECT_EQ(lost.error.kind, sim::error_kind::failure);
  // The woken getter that left passed its wake-up on: the item is not stranded.
  sim::result<int> const got = next.result();
  ASSERT_TRUE(got.value);
  EXPECT_EQ(*got.value, 1);
  EXPECT_EQ(q.getter_count(), 0U);
}

TEST(queue_settled, a_cancelled_put_and_join_hand_back_a_cancellation) {
  queue<int> q(1);
  q.put_nowait(0);
  sim::loop l;
  auto put = l.spawn(
      [](queue<int>& to) -> sim::task<sim::raised> { co_return co_await to.put(1).settled(); }(q));
  auto join = l.spawn(
      [](queue<int>& to) -> sim::task<sim::raised> { co_return co_await to.join().settled(); }(q));
  l.run();
  ASSERT_TRUE(put.waiting());
  ASSERT_TRUE(join.waiting());
  put.cancel();
  join.cancel();
  l.run();
  EXPECT_EQ(put.result().kind, sim::error_kind::cancellation);
  EXPECT_EQ(join.result().kind, sim::error_kind::cancellation);
  EXPECT_EQ(q.putter_count(), 0U) << "the cancelled putter left the line";
  EXPECT_EQ(q.qsize(), 1U);
}

TEST(queue_settled, an_error_get_raises_itself_is_handed_back_untold) {
  queue<int> q;
  q.shutdown();
  sim::loop l;
  auto h = l.spawn(settled_get(q));
  l.run();
  sim::result<int> const r = h.result();
  ASSERT_TRUE(r.error);
  EXPECT_FALSE(r.error.kind) << "thrown out of get's body: not told";
  EXPECT_THROW(std::rethrow_exception(r.error.error), queue_shut_down);
}

}  // namespace
}  // namespace chaosq::queue

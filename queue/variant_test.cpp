// basic_queue's hooks: a variant that redeclares one step gets it called wherever the base takes
// that step (inside put_nowait, get_nowait, task_done, the unwinding of a wait), and changes
// nothing else.

#include <gtest/gtest.h>

#include "chaosq/queue/errors.hpp"
#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/loop.hpp"
#include "chaosq/sim/task.hpp"

namespace chaosq::queue {
namespace {

/// The reference, counting the steps it takes through its hooks.
class counting final : public basic_queue<int, counting> {
 public:
  using basic_queue::basic_queue;
  int wakeups = 0;
  int passed_on = 0;
  int lowered = 0;
  void wakeup_next(sim::future_list& line) noexcept {
    ++wakeups;
    basic_queue::wakeup_next(line);
  }
  void pass_on_wakeup(sim::future_list& line) noexcept {
    ++passed_on;
    basic_queue::pass_on_wakeup(line);
  }
  void lower_count() noexcept {
    ++lowered;
    basic_queue::lower_count();
  }
};

/// One step changed: a woken getter that leaves keeps its wake-up.
class keeps_wakeup final : public basic_queue<int, keeps_wakeup> {
 public:
  using basic_queue::basic_queue;
  void pass_on_wakeup(sim::future_list& /*line*/) noexcept {}
};

/// Runs `body` as the main task of a fresh loop until it ends.
void run_main(sim::task<void> body) {
  sim::loop loop;
  sim::task_handle<void> const main_task = loop.spawn(std::move(body), "main");
  static_cast<void>(loop.run_until(main_task));
  ASSERT_TRUE(main_task.done());
  main_task.result();
}

TEST(basic_queue_variant, the_base_takes_each_step_through_the_variant) {
  counting q(queue_kind::fifo);
  q.put_nowait(1);
  EXPECT_EQ(q.wakeups, 1);  // the getters' line
  EXPECT_EQ(q.get_nowait(), 1);
  EXPECT_EQ(q.wakeups, 2);  // the putters' line
  q.task_done();
  EXPECT_EQ(q.lowered, 1);
  EXPECT_TRUE(q.finished());
  EXPECT_THROW(q.task_done(), task_done_error);  // count_done, unchanged, refuses first
  EXPECT_EQ(q.lowered, 1);
}

/// Two getters wait; a put wakes the first, which is cancelled before it resumes. The reference
/// passes the wake-up on (the second getter gets the item); the variant strands the item.
template <class Q>
void woken_getter_cancelled(int expect_passed_on, bool expect_second_gets) {
  run_main([]([[maybe_unused]] int passed_on_expected, bool second_gets) -> sim::task<void> {
    Q q(queue_kind::fifo);
    sim::task_handle<int> const first = sim::running_loop().spawn(q.get());
    sim::task_handle<int> const second = sim::running_loop().spawn(q.get());
    co_await sim::yield();
    q.put_nowait(7);
    first.cancel();
    co_await sim::yield();
    co_await sim::yield();
    EXPECT_TRUE(first.done());
    EXPECT_EQ(second.done(), second_gets);
    EXPECT_EQ(q.qsize(), second_gets ? 0U : 1U);
    if constexpr (requires { q.passed_on; }) {
      EXPECT_EQ(q.passed_on, passed_on_expected);
    }
    if (!second_gets) second.cancel();
    co_await sim::yield();
  }(expect_passed_on, expect_second_gets));
}

TEST(basic_queue_variant, the_reference_passes_a_cancelled_getters_wakeup_on) {
  woken_getter_cancelled<counting>(1, true);
}

TEST(basic_queue_variant, a_redeclared_hook_changes_that_step_alone) {
  woken_getter_cancelled<keeps_wakeup>(0, false);
}

}  // namespace
}  // namespace chaosq::queue

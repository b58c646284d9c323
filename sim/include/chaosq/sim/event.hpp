#pragma once
/// \file
/// `event`: asyncio.Event on the deterministic loop.

#include "chaosq/sim/future.hpp"
#include "chaosq/sim/task.hpp"

namespace chaosq::sim {

/// A flag tasks can wait for (asyncio.Event). `set()` schedules every waiter; `clear()` does
/// not un-schedule a waiter already woken, which still returns from `wait()`: the quirk that
/// lets `Queue.join()` return although the count rose again before the joiner resumed.
class event {
 public:
  event() = default;
  event(const event&) = delete;
  event& operator=(const event&) = delete;

  [[nodiscard]] bool is_set() const noexcept { return value_; }

  /// Sets the flag and schedules every task waiting in `wait()`, in the order they began.
  void set() noexcept {
    if (value_) return;
    value_ = true;
    waiters_.for_each([](future& f) {
      if (!f.done()) f.set_result();
    });
  }

  void clear() noexcept { value_ = false; }

  /// Returns at once when set; otherwise suspends until a `set()`.
  task<void> wait() {
    if (value_) co_return;
    future f;
    waiters_.push_back(f);  // f leaves the list when this frame ends, however it ends
    if (raised r = co_await f.settled()) co_await exit_with(std::move(r));
  }

  /// Tasks currently in `wait()`, woken ones included until they resume.
  [[nodiscard]] std::size_t waiter_count() const noexcept { return waiters_.size(); }

 private:
  future_list waiters_;
  bool value_ = false;
};

}  // namespace chaosq::sim

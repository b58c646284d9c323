#pragma once
/// \file
/// `future`: a one-shot completion one task waits on (an asyncio Future whose result is None).

#include <coroutine>
#include <cstdint>

#include "chaosq/sim/detail/list.hpp"
#include "chaosq/sim/raised.hpp"

namespace chaosq::sim {

class future;

namespace detail {
class task_state;
void suspend_on(future& f, std::coroutine_handle<> resume_point);
void resume_from(future& f);
raised settle_from(future& f);
raised cancellation();
void wake(task_state& t);
}  // namespace detail

/// A one-shot completion: pending, then done or cancelled, once. At most one task waits on a
/// future at a time. Completing it never runs the waiter: the waiter is moved to the loop's ready
/// set and resumes on a later step, as asyncio schedules a callback with `call_soon`. A future
/// can sit in one `future_list` (a waiter queue) at a time and leaves it when destroyed.
///
/// Porting Python: asyncio keeps a finished or abandoned future in its deque until someone
/// pops it, so `len(self._getters)` counts it and `_wakeup_next` skips it. Here the future
/// usually lives in the waiting coroutine's frame, and when that frame ends (the waiter
/// resumed, was cancelled, or crashed) the future unlinks itself: the list holds only futures
/// whose waiter still exists. Code that keeps done futures queued to pop them later, or that
/// counts them, behaves differently; keep each future where its waiter lives and expect the
/// line to shrink on its own.
class future : public detail::list_node {
 public:
  future() = default;

  [[nodiscard]] bool pending() const noexcept { return state_ == state::pending; }
  /// Done or cancelled (asyncio's `done()`).
  [[nodiscard]] bool done() const noexcept { return state_ != state::pending; }
  [[nodiscard]] bool cancelled() const noexcept { return state_ == state::cancelled; }

  /// Completes a pending future and schedules its waiter. Precondition: `pending()`.
  void set_result() noexcept { complete(state::done); }

  /// Cancels a pending future and schedules its waiter, which raises `cancelled_error` when it
  /// resumes. Returns false, changing nothing, if the future was no longer pending.
  bool cancel() noexcept {
    if (!pending()) return false;
    complete(state::cancelled);
    return true;
  }

  /// Suspends the awaiting task until the future completes; returns at once if it already has.
  /// Raises `cancelled_error` if the future was cancelled, or the task's pending cancellation
  /// or injected fault if one arrived while it waited.
  auto operator co_await() noexcept {
    struct awaiter : waiting {
      void await_resume() {
        if (suspended) return detail::resume_from(f);
        if (f.cancelled()) throw_cancelled();
      }
    };
    return awaiter{{*this}};
  }

  /// As `co_await`, but hands back what it would raise as a value instead of raising it (a
  /// `raised` whose kind is always told): for a caller that handles faults on every run.
  auto settled() noexcept {
    struct awaiter : waiting {
      raised await_resume() {
        if (suspended) return detail::settle_from(f);
        if (f.cancelled()) return detail::cancellation();
        return {};
      }
    };
    return awaiter{{*this}};
  }

 private:
  /// What both awaiters share: done already, or the awaiting task suspends on the future.
  struct waiting {
    future& f;
    bool suspended = false;
    bool await_ready() const noexcept { return f.done(); }
    void await_suspend(std::coroutine_handle<> h) {
      suspended = true;
      detail::suspend_on(f, h);
    }
  };

  friend void detail::suspend_on(future&, std::coroutine_handle<>);
  friend void detail::resume_from(future&);
  friend raised detail::settle_from(future&);
  enum class state : std::uint8_t { pending, done, cancelled };

  void complete(state s) noexcept;
  [[noreturn]] static void throw_cancelled();

  state state_ = state::pending;
  detail::task_state* waiter_ = nullptr;
};

/// A FIFO of futures that does not own them (the waiter deques of asyncio's Queue and Event).
using future_list = detail::intrusive_list<future>;

}  // namespace chaosq::sim

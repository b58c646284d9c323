#pragma once
/// \file
/// `task<T>`: a lazy coroutine, the unit of asynchronous code in chaosq.

#include <cassert>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "chaosq/sim/detail/frame_pool.hpp"
#include "chaosq/sim/raised.hpp"

namespace chaosq::sim {

template <class T = void>
class task;

namespace detail {

class task_state;

/// What every task promise shares: the awaiting coroutine to resume at the end, and the
/// exception to rethrow there.
class promise_base {
 public:
  // Frames come from a per-thread pool: a run creates dozens and the engine runs millions.
  static void* operator new(std::size_t size) { return frame_pool::allocate(size); }
  static void operator delete(void* frame, std::size_t size) noexcept {
    frame_pool::deallocate(frame, size);
  }

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
      promise_base& p = self.promise();
      // Finished inside the awaiter's await_suspend: return there, which resumes the awaiting
      // coroutine without a nested frame. Otherwise transfer to the awaiting coroutine; a
      // spawned root returns to the loop.
      if (p.running_inline_ || !p.continuation_) return std::noop_coroutine();
      return p.continuation_;
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept {
    exception_ = std::current_exception();
    kind_known_ = false;
  }

  void set_continuation(std::coroutine_handle<> c) noexcept { continuation_ = c; }

  /// Starts this (lazy) coroutine on behalf of `awaiting`. Returns true if it completed
  /// without suspending: the awaiting coroutine then simply continues, so a loop of awaits
  /// that never suspend runs in constant stack, whatever the optimizer does with tail calls.
  template <class Promise>
  bool start_inline(std::coroutine_handle<Promise> self, std::coroutine_handle<> awaiting) {
    continuation_ = awaiting;
    running_inline_ = true;
    self.resume();
    running_inline_ = false;
    return self.done();
  }
  /// Records how a task that never ran ended (crashed before its first step).
  void set_exception(std::exception_ptr e) noexcept {
    exception_ = std::move(e);
    kind_known_ = false;
  }
  /// Records the exception the coroutine ends with, as if thrown out of its body, without
  /// throwing it; `kind` says what it is, so nobody has to rethrow it to find out.
  void set_exception(std::exception_ptr e, error_kind kind) noexcept {
    exception_ = std::move(e);
    kind_ = kind;
    kind_known_ = true;
  }
  [[nodiscard]] const std::exception_ptr& exception() const noexcept { return exception_; }
  /// What `exception()` is, when the code that stored it said so (see `exit_with`).
  [[nodiscard]] bool exception_kind_known() const noexcept { return kind_known_; }
  [[nodiscard]] error_kind exception_kind() const noexcept { return kind_; }
  void rethrow_if_failed() const {
    if (exception_) std::rethrow_exception(exception_);
  }
  /// The exception the coroutine ended with, as a value (empty if it returned).
  [[nodiscard]] raised take_raised() noexcept {
    if (!exception_) return {};
    return {std::move(exception_), kind_known_ ? std::optional<error_kind>(kind_) : std::nullopt};
  }

 private:
  std::coroutine_handle<> continuation_;
  std::exception_ptr exception_;
  bool running_inline_ = false;
  bool kind_known_ = false;
  error_kind kind_ = error_kind::failure;
};

}  // namespace detail

/// What `co_return exited;` returns: nothing, from a coroutine returning `T` that has just
/// ended itself with `exit_with` (its awaiter sees the exception, never a value).
struct exited_t {};
inline constexpr exited_t exited{};

/// How an awaited task ended, as a value (`task::settled`): its value, or what it raised.
template <class T>
struct result {
  std::optional<T> value;  ///< set when it returned
  raised error;            ///< set when it raised
};
/// What `task<T>::settled()` hands back: `result<T>`, or for `task<void>` only what it raised.
template <class T>
using settled_t = std::conditional_t<std::is_void_v<T>, raised, result<T>>;

namespace detail {

template <class T>
class task_promise final : public promise_base {
 public:
  task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& value) {
    value_.emplace(std::forward<U>(value));
  }
  void return_value(exited_t) noexcept {}
  result<T> take_result() {
    if (value_) return {std::move(value_), {}};
    return {std::nullopt, take_raised()};
  }
  T take_value() {
    rethrow_if_failed();
    assert(value_.has_value());
    return std::move(*value_);
  }
  [[nodiscard]] const T& peek_value() const {
    rethrow_if_failed();
    return *value_;
  }

 private:
  std::optional<T> value_;
};

template <>
class task_promise<void> final : public promise_base {
 public:
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  raised take_result() noexcept { return take_raised(); }
  void take_value() const { rethrow_if_failed(); }
  void peek_value() const { rethrow_if_failed(); }
};

}  // namespace detail

namespace detail {
/// The awaiter of `exit_with`.
struct exit_awaiter {
  std::exception_ptr error;
  error_kind kind;
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> self) noexcept {
    static_cast<promise_base&>(self.promise()).set_exception(std::move(error), kind);
    return false;  // never suspends: the coroutine goes on to its co_return
  }
  void await_resume() const noexcept {}
};
}  // namespace detail

/// Ends the awaiting coroutine with `error`, as if `error` had been thrown out of its body, but
/// without the cost of throwing: the coroutine must `co_return` right after the `co_await`
/// (`co_return exited;` in a coroutine returning a value). Whoever awaits it sees `error`
/// rethrown (or, through `settled`, as a value); the loop classifies a spawned task by `kind`.
/// Precondition: `error` is not null and `kind` is what `error` holds.
[[nodiscard]] inline detail::exit_awaiter exit_with(std::exception_ptr error,
                                                    error_kind kind) noexcept {
  return detail::exit_awaiter{std::move(error), kind};
}
/// `exit_with` what `settled` handed back. Precondition: `r` holds an exception.
[[nodiscard]] inline detail::exit_awaiter exit_with(raised r) {
  error_kind const kind = r.kind ? *r.kind : r.classify();
  return detail::exit_awaiter{std::move(r.error), kind};
}

/// A coroutine returning `T`, started lazily: nothing runs until it is awaited (`co_await`
/// runs it inline in the awaiting task, as Python's `await coro()` does) or spawned on a loop
/// (`loop::spawn`, Python's `create_task`). Move-only; destroying a task destroys its frame.
/// An exception escaping the coroutine is stored and rethrown at the `co_await`.
template <class T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;

  task() noexcept = default;
  explicit task(handle_type frame) noexcept : frame_(frame) {}
  task(task&& other) noexcept : frame_(std::exchange(other.frame_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      destroy();
      frame_ = std::exchange(other.frame_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { destroy(); }

  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(frame_); }

  auto operator co_await() && noexcept {
    struct awaiter : start_awaiter {
      T await_resume() { return this->frame.promise().take_value(); }
    };
    assert(frame_ && "awaiting an empty task");
    return awaiter{{frame_}};
  }

  /// Awaits the task as `co_await` does, but hands back what it raised as a value instead of
  /// rethrowing it: a `result<T>`, or for `task<void>` the `raised` alone.
  auto settled() && noexcept {
    struct awaiter : start_awaiter {
      settled_t<T> await_resume() { return this->frame.promise().take_result(); }
    };
    assert(frame_ && "awaiting an empty task");
    return awaiter{{frame_}};
  }

  /// Gives up ownership of the frame (the loop takes it when the task is spawned).
  handle_type release() noexcept { return std::exchange(frame_, {}); }

 private:
  /// Runs the task inline in the awaiting one (see `promise_base::start_inline`).
  struct start_awaiter {
    handle_type frame;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> awaiting) {
      return !frame.promise().start_inline(frame, awaiting);
    }
  };

  void destroy() noexcept {
    if (frame_) frame_.destroy();
    frame_ = {};
  }
  handle_type frame_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace chaosq::sim

#pragma once
/// \file
/// The reference queues: asyncio.Queue, LifoQueue and PriorityQueue of CPython 3.13, exactly,
/// quirks included, on the deterministic loop.

#include <cassert>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <type_traits>
#include <utility>

#include "chaosq/queue/detail/storage.hpp"
#include "chaosq/queue/errors.hpp"
#include "chaosq/sim/event.hpp"
#include "chaosq/sim/future.hpp"
#include "chaosq/sim/task.hpp"

namespace chaosq::queue {

/// How `shutdown` treats the items still stored.
enum class shutdown_mode : unsigned char {
  graceful,   ///< leftovers can still be got; then gets raise `queue_shut_down`
  immediate,  ///< leftovers are dropped and each lowers the unfinished count (if above 0)
};

/// A queue counting unfinished work, with asyncio 3.13 semantics. `put` raises the unfinished
/// count, `task_done` lowers it, `join` waits for zero. The kind picks the container; waiters,
/// the count and shutdown are shared, as in CPython where subclasses only override storage.
///
/// Every awaitable must be awaited from a task on a `sim::loop`. Waking a waiter never hands
/// it an item: it only schedules the waiter to look again, so another task may take the item
/// first (barging), and a waiter that finds nothing rejoins at the back of the line.
///
/// **Variants.** `Variant` (CRTP; `void` for the reference) is a class deriving from
/// `basic_queue<T, Variant>` that changes one step of the algorithm without copying it. The
/// base calls each step, and the members `put_nowait` and `get_nowait`, through the variant,
/// statically: no virtual call, and the reference compiles to what it did without hooks. A
/// variant redeclares one hook, same signature, as a public member; the rest stays the
/// reference's. The hooks (protected here, each documented below):
/// - `wakeup_next(line)`: wake the first waiter of `line` still pending;
/// - `pass_on_wakeup(line)`: a woken waiter that leaves hands its wake-up on;
/// - `count_put()`, `count_got()`, `count_done()`, `lower_count()`: the unfinished count;
/// - `drain()`: what `shutdown(immediate)` does to the stored items.
///
/// The re-check loop of a woken getter or putter is `get()` and `put()` themselves: a variant
/// changes it by redeclaring `put()` (or `get()`) from the protected `wait_in`, `store` and
/// hooks, five lines as the reference's. Hooks and such members see the protected state
/// (`storage_`, `getters_`, `putters_`, `unfinished_`, `finished_`, `is_shutdown_`,
/// `maxsize_`). Run a variant under the harness as `harness::queue_adapter<my_variant>`.
template <class T, class Variant = void>
class basic_queue {
 public:
  /// `maxsize <= 0` means unbounded.
  explicit basic_queue(queue_kind k, std::ptrdiff_t maxsize = 0) : maxsize_(maxsize), storage_(k) {
    finished_.set();
  }
  basic_queue(const basic_queue&) = delete;
  basic_queue& operator=(const basic_queue&) = delete;

  /// Waits while the queue is full, then `put_nowait(item)`. Raises `queue_shut_down` if the
  /// queue is (or becomes) shut down while full; a put that finds room never suspends.
  sim::task<void> put(T item) {
    while (full()) {
      if (is_shutdown_) throw queue_shut_down{};
      // A wait ended by a cancellation or a fault is handed on without throwing it again.
      if (sim::raised r = co_await wait_in(putters_, [this] { return !full(); }).settled()) {
        co_await sim::exit_with(std::move(r));
        co_return;
      }
    }
    self().put_nowait(std::move(item));
  }

  /// Waits while the queue is empty, then `get_nowait()`. Raises `queue_shut_down` if the queue
  /// is shut down and empty; a get that finds an item never suspends.
  sim::task<T> get() {
    while (empty()) {
      if (is_shutdown_) throw queue_shut_down{};
      if (sim::raised r = co_await wait_in(getters_, [this] { return !empty(); }).settled()) {
        co_await sim::exit_with(std::move(r));
        co_return sim::exited;
      }
    }
    co_return self().get_nowait();
  }

  /// Stores `item`, wakes the next getter, raises the unfinished count and clears the finished
  /// event. Raises `queue_shut_down` after shutdown (checked first), `queue_full` when full.
  void put_nowait(T item) {
    store(std::move(item));
    self().count_put();
  }

  /// Takes an item and wakes the next putter. Raises `queue_shut_down` if empty and shut down,
  /// `queue_empty` if empty. The unfinished count does not change.
  T get_nowait() {
    if (empty()) {
      if (is_shutdown_) throw queue_shut_down{};
      throw queue_empty{};
    }
    T item = storage_.take();
    self().wakeup_next(putters_);
    self().count_got();
    return item;
  }

  /// Marks one unfinished item done; at zero, sets the finished event, waking every joiner.
  /// Raises `task_done_error` (count unchanged) when no item is unfinished. Needs no matching
  /// get and ignores shutdown.
  void task_done() { self().count_done(); }

  /// Returns at once when nothing is unfinished; otherwise waits for the finished event. A
  /// joiner woken by the count reaching zero returns even if a put raised the count again
  /// before it resumed (asyncio's event semantics). Never raises `queue_shut_down`.
  sim::task<void> join() {
    if (unfinished_ == 0) co_return;
    if (sim::raised r = co_await finished_.wait().settled()) co_await sim::exit_with(std::move(r));
  }

  /// Shuts the queue down (idempotent): puts raise from now on. `immediate` drops every stored
  /// item, lowering the count once per item while it is above zero. Then every waiting getter
  /// and putter is woken, in line order, to re-check and raise.
  void shutdown(shutdown_mode mode = shutdown_mode::graceful) {
    is_shutdown_ = true;
    if (mode == shutdown_mode::immediate) self().drain();
    wake_all(getters_);
    wake_all(putters_);
  }

  /// Makes room for `n` stored items: storing no more than that never reallocates. Changes
  /// nothing observable.
  void reserve(std::size_t n) { storage_.reserve(n); }

  /// The queue as `basic_queue(k, maxsize)` would be, keeping its storage's capacity: for a
  /// harness that runs millions of short programs on one queue. Nothing may wait in it.
  void reset(queue_kind k, std::ptrdiff_t maxsize) noexcept {
    assert(getters_.empty() && putters_.empty() && finished_.waiter_count() == 0);
    maxsize_ = maxsize;
    storage_.reset(k);
    unfinished_ = 0;
    finished_.set();
    is_shutdown_ = false;
  }

  [[nodiscard]] std::size_t qsize() const noexcept { return storage_.size(); }
  [[nodiscard]] bool empty() const noexcept { return storage_.size() == 0; }
  /// Never true when unbounded.
  [[nodiscard]] bool full() const noexcept {
    return maxsize_ > 0 && static_cast<std::ptrdiff_t>(storage_.size()) >= maxsize_;
  }
  [[nodiscard]] std::ptrdiff_t maxsize() const noexcept { return maxsize_; }
  [[nodiscard]] queue_kind kind() const noexcept { return storage_.get_kind(); }

  // ---- introspection, for traces, oracles and the debug format ----

  /// Items got or stored and not yet acknowledged by `task_done`.
  [[nodiscard]] std::int64_t unfinished_tasks() const noexcept { return unfinished_; }
  [[nodiscard]] bool is_shut_down() const noexcept { return is_shutdown_; }
  /// The finished event: set exactly when the count last reached (or started at) zero.
  [[nodiscard]] bool finished() const noexcept { return finished_.is_set(); }
  /// Length of the getter line, cancelled entries not yet removed included (`len(_getters)`).
  [[nodiscard]] std::size_t getter_count() const noexcept { return getters_.size(); }
  [[nodiscard]] std::size_t putter_count() const noexcept { return putters_.size(); }
  /// Stored items in storage order: FIFO and LIFO in insertion order, priority as the heap.
  [[nodiscard]] std::span<const T> items() const noexcept { return storage_.items(); }

 protected:
  // ---- the hooks: a variant redeclares one of them (see the class comment) ----

  /// Wakes the first waiter of `line` that is still pending, dropping the done ones before it
  /// (asyncio's `_wakeup_next`). Must not suspend or throw: it runs inside put_nowait,
  /// get_nowait and the cleanup of a wait that is unwinding.
  void wakeup_next(sim::future_list& line) noexcept {
    while (sim::future* f = line.pop_front()) {
      if (!f->done()) {
        f->set_result();
        return;
      }
    }
  }

  /// A waiter of `line` was woken (its future done, not cancelled) and then left by an
  /// exception (a cancellation, an injected fault) while the queue could serve the next one:
  /// it passes the wake-up on, so that no item or room is stranded.
  void pass_on_wakeup(sim::future_list& line) noexcept { self().wakeup_next(line); }

  /// put_nowait's count update, after the item is stored and a getter woken.
  void count_put() noexcept {
    ++unfinished_;
    finished_.clear();
  }

  /// get_nowait's count update, after the item is taken and a putter woken: none (the count
  /// falls only by task_done).
  void count_got() noexcept {}

  /// task_done: refuses with `task_done_error` when nothing is unfinished, else `lower_count()`.
  void count_done() {
    if (unfinished_ <= 0) throw task_done_error{};
    self().lower_count();
  }

  /// One acknowledgement: lowers the count and, at zero, sets the finished event (waking every
  /// joiner).
  void lower_count() noexcept {
    if (--unfinished_ == 0) finished_.set();
  }

  /// shutdown(immediate), before the waiters are woken: drops every stored item, lowering the
  /// count once per item while it is above zero, then sets the finished event at zero.
  void drain() noexcept {
    while (!empty()) {
      static_cast<void>(storage_.take());
      if (unfinished_ > 0) --unfinished_;
    }
    if (unfinished_ == 0) finished_.set();
  }

  // ---- helpers for a variant's own put() or get() ----

  /// Whether `store` checks for room.
  enum class room : unsigned char { checked, assumed };

  /// put_nowait without the count: raises `queue_shut_down` after shutdown, `queue_full` when
  /// full (unless `room::assumed`), else stores `item` and wakes the next getter.
  void store(T item, room r = room::checked) {
    if (is_shutdown_) throw queue_shut_down{};
    if (r == room::checked && full()) throw queue_full{};
    storage_.add(std::move(item));
    self().wakeup_next(getters_);
  }

  /// The wait of `wait_in`: an awaitable that holds the waiter's future itself, so a wait costs
  /// no coroutine frame of its own (a consumer waits in get on most runs).
  template <class Ready>
  class line_wait {
   public:
    line_wait(basic_queue& q, sim::future_list& line, Ready can_proceed)
        : queue_(q), line_(line), can_proceed_(std::move(can_proceed)) {}
    line_wait(const line_wait&) = delete;  // its future sits in `line` while it waits
    line_wait& operator=(const line_wait&) = delete;

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) {
      line_.push_back(waiter_);
      woken_.await_suspend(awaiting);
    }
    /// Raises what ended the wait, if anything did.
    void await_resume() {
      if (sim::raised r = settle()) std::rethrow_exception(std::move(r.error));
    }

    /// The same wait, handing back what ended it as a value instead of raising it.
    auto settled() && noexcept {
      struct awaiter {
        line_wait& wait;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> awaiting) { wait.await_suspend(awaiting); }
        sim::raised await_resume() { return wait.settle(); }
      };
      return awaiter{*this};
    }

   private:
    /// After the resume: what ended the wait, the line left (and the wake-up passed on) if
    /// something did.
    sim::raised settle() {
      sim::raised r = woken_.await_resume();
      if (!r) return r;
      waiter_.cancel();
      line_.remove(waiter_);
      if (can_proceed_() && !waiter_.cancelled()) queue_.self().pass_on_wakeup(line_);
      return r;
    }

    basic_queue& queue_;
    sim::future_list& line_;
    Ready can_proceed_;
    sim::future waiter_;
    decltype(waiter_.settled()) woken_ = waiter_.settled();
  };

  /// Waits in `line` until woken; ended by a cancellation or an injected fault, it leaves the
  /// line and, if it had been woken and `can_proceed()` holds, `pass_on_wakeup(line)`, then
  /// raises what ended it (`.settled()`: hands it back as a value). The caller re-checks its
  /// condition after it returns: a wake-up is no promise.
  template <class Ready>
  line_wait<Ready> wait_in(sim::future_list& line, Ready can_proceed) {
    return line_wait<Ready>(*this, line, std::move(can_proceed));
  }

  std::ptrdiff_t maxsize_;
  detail::storage<T> storage_;
  sim::future_list getters_;
  sim::future_list putters_;
  std::int64_t unfinished_ = 0;
  sim::event finished_;
  bool is_shutdown_ = false;

 private:
  using self_type = std::conditional_t<std::is_void_v<Variant>, basic_queue, Variant>;
  self_type& self() noexcept { return static_cast<self_type&>(*this); }

  static void wake_all(sim::future_list& line) noexcept {
    while (sim::future* f = line.pop_front()) {
      if (!f->done()) f->set_result();
    }
  }
};

/// asyncio.Queue: first in, first out.
template <class T>
class queue : public basic_queue<T> {
 public:
  explicit queue(std::ptrdiff_t maxsize = 0) : basic_queue<T>(queue_kind::fifo, maxsize) {}
};

/// asyncio.LifoQueue: last in, first out.
template <class T>
class lifo_queue : public basic_queue<T> {
 public:
  explicit lifo_queue(std::ptrdiff_t maxsize = 0) : basic_queue<T>(queue_kind::lifo, maxsize) {}
};

/// asyncio.PriorityQueue: smallest first by `operator<`, in CPython's heap order.
template <class T>
class priority_queue : public basic_queue<T> {
 public:
  explicit priority_queue(std::ptrdiff_t maxsize = 0)
      : basic_queue<T>(queue_kind::priority, maxsize) {}
};

}  // namespace chaosq::queue

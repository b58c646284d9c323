#pragma once
/// \file
/// The deterministic event loop: tasks, the ready set, virtual time, cancellation, quiescence.

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/sim/decision.hpp"
#include "chaosq/sim/detail/ring.hpp"
#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/future.hpp"
#include "chaosq/sim/task.hpp"

namespace chaosq::sim {

class loop;

/// Virtual time. It advances only when nothing is ready (no task, no due timer), straight to the
/// next timer.
using duration = std::chrono::nanoseconds;
using time_point = duration;  // since the loop was created

/// How a task ended, or that it has not.
enum class task_outcome : std::uint8_t {
  running,    ///< not done: not started, ready, or waiting
  returned,   ///< its coroutine returned
  cancelled,  ///< it ended with `cancelled_error`
  failed,     ///< it ended with any other exception (see `task_ref::exception`)
};

namespace detail {

/// The loop's record of one spawned task (asyncio.Task). Owned by the loop.
class task_state {
 public:
  task_state(loop& owner, std::uint32_t id, std::string_view name, std::coroutine_handle<> frame,
             promise_base& promise)
      : owner_(&owner),
        id_(id),
        name_(name),
        frame_(frame),
        resume_point_(frame),
        promise_(&promise) {}
  task_state(const task_state&) = delete;
  task_state& operator=(const task_state&) = delete;
  // Recycled like coroutine frames: every run spawns a handful of tasks.
  static void* operator new(std::size_t size) { return frame_pool::allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept {
    frame_pool::deallocate(p, size);
  }
  ~task_state() {
    if (frame_) frame_.destroy();
  }

  loop* owner_;
  std::uint32_t id_;
  std::string name_;
  std::coroutine_handle<> frame_;         // the root coroutine frame
  std::coroutine_handle<> resume_point_;  // the innermost suspended coroutine of this task
  promise_base* promise_;
  task_outcome outcome_ = task_outcome::running;
  bool started_ = false;
  bool scheduled_ = false;         // in the ready set
  bool cancel_requested_ = false;  // asyncio's _must_cancel
  std::exception_ptr fault_;       // an injected fault to raise at the next resume
  future* waiting_future_ = nullptr;
  task_state* waiting_task_ = nullptr;  // when awaiting another task (its cancel propagates)
  future_list done_waiters_;            // tasks awaiting this one

  /// asyncio's Task.cancel().
  bool cancel();
  /// Like cancel(), but the task raises `fault` instead of `cancelled_error`.
  bool inject(std::exception_ptr fault);
};

/// The task being resumed right now on this thread, or nullptr outside any step.
task_state* current() noexcept;
void suspend_yield(std::coroutine_handle<> resume_point);
void resume_from_yield();

}  // namespace detail

/// A non-owning view of a spawned task. Valid as long as the loop that spawned it.
class task_ref {
 public:
  task_ref() = default;
  explicit task_ref(detail::task_state* state) noexcept : state_(state) {}

  /// Spawn order on its loop, from 0: stable across runs, used in traces.
  [[nodiscard]] std::uint32_t id() const noexcept { return state_->id_; }
  [[nodiscard]] const std::string& name() const noexcept { return state_->name_; }
  [[nodiscard]] task_outcome outcome() const noexcept { return state_->outcome_; }
  [[nodiscard]] bool done() const noexcept { return outcome() != task_outcome::running; }
  [[nodiscard]] bool cancelled() const noexcept { return outcome() == task_outcome::cancelled; }
  /// Not done, not in the ready set, not a fresh task: suspended on a future or another task.
  [[nodiscard]] bool waiting() const noexcept {
    return !done() && !state_->scheduled_ && state_->started_;
  }
  /// The exception a failed task ended with (null otherwise).
  [[nodiscard]] std::exception_ptr exception() const noexcept {
    return outcome() == task_outcome::failed ? state_->promise_->exception() : nullptr;
  }

  /// asyncio's Task.cancel(): a task waiting on a pending future has that future cancelled
  /// now; a task awaiting another task cancels that task; otherwise (ready, or woken but not
  /// yet resumed) the task is flagged and raises `cancelled_error` at its next resume. Returns
  /// false if the task is already done.
  bool cancel() const { return state_->cancel(); }

  /// Crashes the task with `fault` (normally an `injected_fault`), raised at its next resume.
  /// Same mechanics as `cancel()`: a pending future it waits on is cancelled now. Returns false
  /// if the task is already done.
  bool inject(std::exception_ptr fault) const { return state_->inject(std::move(fault)); }

  /// Completes `f` when this task finishes (at once if it has): asyncio's add_done_callback
  /// releasing a waiter. Unlike awaiting the task, cancelling whoever waits on `f` does not
  /// cancel this task. `f` must stay alive until then, or be destroyed (which unregisters it).
  void notify_when_done(future& f) const {
    if (done()) {
      if (f.pending()) f.set_result();
    } else {
      state_->done_waiters_.push_back(f);
    }
  }

  friend bool operator==(const task_ref&, const task_ref&) = default;

 protected:
  detail::task_state* state_ = nullptr;
};

/// A spawned task whose result can be read or awaited.
template <class T>
class task_handle : public task_ref {
 public:
  using task_ref::task_ref;

  /// The returned value; rethrows the task's exception, or `cancelled_error` if cancelled.
  /// Precondition: `done()`.
  decltype(auto) result() const {
    if (cancelled()) throw cancelled_error{};
    using promise = detail::task_promise<T>;
    return static_cast<const promise*>(state_->promise_)->peek_value();
  }

  /// Waits for the task to finish and returns `result()`. Cancelling the awaiting task cancels
  /// the awaited one (asyncio semantics: a Task is the future its awaiter waits on).
  auto operator co_await() const noexcept {
    struct awaiter {
      task_handle target;
      future done;
      bool suspended = false;
      bool await_ready() const noexcept { return target.done(); }
      void await_suspend(std::coroutine_handle<> h) {
        suspended = true;
        target.state_->done_waiters_.push_back(done);
        detail::current()->waiting_task_ = target.state_;
        detail::suspend_on(done, h);
      }
      decltype(auto) await_resume() {
        if (suspended) detail::resume_from(done);
        return target.result();
      }
    };
    return awaiter{*this, {}, false};
  }
};

/// Why `loop::run` returned.
enum class run_status : std::uint8_t {
  complete,     ///< every task is done
  stopped,      ///< the task `run_until` waited for is done
  quiescent,    ///< nothing ready, no timer pending, some task still waiting: a hang
  step_budget,  ///< the step budget ran out with work still ready: possibly a livelock
};

/// The result of `loop::run`.
struct run_result {
  run_status status;
  std::uint64_t steps;  ///< steps taken by this call
};

/// Which ready task a step resumes.
enum class ready_order : std::uint8_t {
  asyncio,  ///< first in, first out: exactly CPython's event loop
  decided,  ///< chosen by the decision stream (0 = the asyncio choice)
};
// Timers follow asyncio's `_run_once` in both orders. The ready queue holds tasks and due timers
// in one FIFO line; an iteration starts when the handles that were in the line when the previous
// one started have all run, and it appends every timer due by then behind the line. A timer's
// callback runs when it reaches the front of the line, never by a decision: the decision stream
// picks among ready tasks only, so a decided pick may pass a timer (as it passes the tasks ahead
// of it) but a timer never runs before the handles queued ahead of it.

/// A single-threaded deterministic event loop. The loop is the only place that resumes a
/// coroutine, and one step resumes exactly one task (running first the timer callbacks queued
/// ahead of it). Waking a task only moves it to the ready set. Time is virtual. Nothing here reads
/// a clock, a global RNG or an address: a run is a function of the program and, in
/// `ready_order::decided`, the decision stream.
///
/// Destroying the loop destroys the frames of tasks still suspended; whatever those frames
/// reference (a queue, say) must still be alive then.
class loop {
 public:
  /// A loop in asyncio order.
  loop();
  /// A loop whose next ready task is chosen by `decisions` (which must outlive the loop).
  explicit loop(decision_source& decisions);
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;
  ~loop();

  /// Schedules `t` as a new task (asyncio's create_task): it is appended to the ready set and
  /// starts on a later step.
  template <class T>
  task_handle<T> spawn(task<T> t, std::string_view name = {}) {
    auto frame = t.release();
    return task_handle<T>{&add_task(frame, frame.promise(), name)};
  }

  /// Runs one step: resumes one ready task. Due timers join the ready queue as asyncio's
  /// `_run_once` moves them: at the start of each loop iteration, behind what is already ready.
  /// Callbacks of timers at the front of the queue run first; when nothing is ready, virtual
  /// time advances to the next timer. Returns false when no task was left to resume.
  bool step();

  /// Steps until every task is done, nothing can run (quiescence), or `max_steps` were taken.
  run_result run(std::uint64_t max_steps = default_budget);
  /// As `run`, but also stops as soon as `until` is done.
  run_result run_until(task_ref until, std::uint64_t max_steps = default_budget);

  /// Calls `callback` once virtual time reaches `now() + delay` (asyncio's call_later): at the
  /// start of the first loop iteration at or after that time the timer joins the back of the
  /// ready queue, and its callback runs when its turn comes (so `delay == 0` runs it after
  /// every handle ready now, and before anything those schedule). Timers due together run in
  /// the order they were set. Returns an id for `cancel_timer`.
  std::uint64_t call_later(duration delay, std::function<void()> callback);
  /// Cancels a timer whose callback has not run, even one already in the ready queue (asyncio's
  /// TimerHandle.cancel); a no-op otherwise.
  void cancel_timer(std::uint64_t id) noexcept;

  /// From the next step on, the next ready task is asyncio's (FIFO), whatever the loop was
  /// built with: no more scheduling decisions are drawn. How a run that a decided order has
  /// kept going for long is made fair, so that only a task that spins under asyncio's own
  /// order runs it out of steps.
  void use_asyncio_order() noexcept { decisions_ = nullptr; }

  [[nodiscard]] time_point now() const noexcept { return now_; }
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }
  /// Ready tasks (timers waiting in the ready queue are not counted).
  [[nodiscard]] std::size_t ready_count() const noexcept { return ready_.size() - timers_ready(); }
  /// Timers whose callbacks have not run yet, whether due or not.
  [[nodiscard]] bool has_timers() const noexcept { return !timers_.empty() || timers_ready() > 0; }
  /// Tasks not yet done.
  [[nodiscard]] std::size_t live_tasks() const noexcept { return live_; }
  /// Every task spawned, in spawn order.
  [[nodiscard]] std::vector<task_ref> tasks() const;
  /// The task the next `step()` would resume in asyncio order (nullopt-like empty ref if none).
  [[nodiscard]] task_ref next_ready() const noexcept {
    for (std::size_t i = 0; i < ready_.size(); ++i) {
      if (ready_[i] != nullptr) return task_ref{ready_[i]};
    }
    return task_ref{};
  }

  static constexpr std::uint64_t default_budget = 10'000'000;

 private:
  friend class detail::task_state;
  friend void detail::wake(detail::task_state&);
  friend void detail::suspend_yield(std::coroutine_handle<>);

  struct timer {
    time_point when;
    std::uint64_t id;  // also the tie-break: earlier timers first
    std::function<void()> callback;
  };

  detail::task_state& add_task(std::coroutine_handle<> frame, detail::promise_base& promise,
                               std::string_view name);
  void schedule(detail::task_state& t);
  void start_iteration();
  void run_front_timer();
  [[nodiscard]] std::size_t timers_ready() const noexcept { return fired_.size() - fired_head_; }
  void finish(detail::task_state& t);

  decision_source* decisions_ = nullptr;
  std::vector<std::unique_ptr<detail::task_state>> tasks_;
  // asyncio's `_ready`: tasks, and nullptr for each timer in `fired_` (in the same order).
  detail::ring<detail::task_state*> ready_;
  // Due timers in the ready queue, from fired_head_ on; a null callback: cancelled. A vector
  // (no allocation until a timer fires) rather than a deque, which allocates when constructed.
  std::vector<timer> fired_;
  std::size_t fired_head_ = 0;
  std::size_t iteration_left_ = 0;        // `ready_` entries the current iteration still runs
  std::vector<std::uint32_t> ready_ids_;  // scratch for decision-driven picks
  std::vector<timer> timers_;             // a min-heap on (when, id)
  std::uint64_t next_timer_id_ = 0;
  time_point now_{0};
  std::uint64_t steps_ = 0;
  std::size_t live_ = 0;
};

/// Gives up the rest of this step: the task goes to the back of the ready set (asyncio's
/// `await asyncio.sleep(0)`). A pending cancellation is raised when it resumes.
inline auto yield() noexcept {
  struct awaiter {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { detail::suspend_yield(h); }
    void await_resume() { detail::resume_from_yield(); }
  };
  return awaiter{};
}

/// The loop running the current task. Precondition: called from inside a task.
loop& running_loop() noexcept;

/// Suspends the current task for `delay` of virtual time; `delay <= 0` is `yield()`.
task<void> sleep(duration delay);

/// Runs `op` with a deadline, as asyncio.wait_for does in 3.12+: `op` runs inline in the current
/// task and, when `timeout` passes first, the task is cancelled and `timeout_error` is raised
/// instead of the `cancelled_error`. A `timeout <= 0` wraps `op` in a task that is cancelled
/// before its first step, so `op` never runs (not even a get on a non-empty queue) and the
/// call raises `timeout_error`.
template <class T>
task<T> wait_for(task<T> op, duration timeout);

namespace detail {
/// Cancels a timer when the frame owning it is left or destroyed.
class timer_guard {
 public:
  timer_guard(loop& l, std::uint64_t id) noexcept : loop_(l), id_(id) {}
  timer_guard(const timer_guard&) = delete;
  timer_guard& operator=(const timer_guard&) = delete;
  ~timer_guard() { loop_.cancel_timer(id_); }

 private:
  loop& loop_;
  std::uint64_t id_;
};
}  // namespace detail

template <class T>
task<T> wait_for(task<T> op, duration timeout) {
  if (timeout <= duration{0}) {
    task_handle<T> const inner = running_loop().spawn(std::move(op));
    inner.cancel();
    future released;
    inner.notify_when_done(released);
    co_await released;
    if (inner.cancelled()) throw timeout_error{};
    co_return inner.result();
  }
  detail::task_state* self = detail::current();
  bool expired = false;
  loop& l = running_loop();
  detail::timer_guard const guard(l, l.call_later(timeout, [self, &expired] {
    expired = true;
    self->cancel();
  }));
  try {
    co_return co_await std::move(op);
  } catch (const cancelled_error&) {
    if (expired) throw timeout_error{};
    throw;
  }
}

}  // namespace chaosq::sim

#pragma once
/// \file
/// `chaosq::sync`: threads, mutexes, condition variables, atomics, latches and semaphores with
/// the standard library's names and signatures, run under the deterministic loop. Code written
/// against `std::` switches with one alias (`namespace stdx = chaosq::sync;`) or one include.
///
/// What is controlled, and how:
/// - Each `sync::thread` is a task of the running `sim::loop`, its body on its own stack (a
///   fiber). Only one thread runs at a time: a thread runs until its next synchronisation
///   operation, where the loop picks who runs next (asyncio's FIFO order, or the decision
///   stream). A step is one such turn.
/// - Every operation that acquires or reads shared state is a scheduling point, before it takes
///   effect: `lock`, `try_lock`, every `wait*`, `join`, `acquire`, `try_wait`, every atomic
///   operation, thread start, `yield`, `sleep_for`. The operations that only release (`unlock`,
///   `notify_one`, `notify_all`, `release`, `count_down`, `atomic::notify_*`) are not: what they
///   do is seen by another thread only through a later acquire, which is a scheduling point, so
///   merging each release into the thread's step loses no outcome of a data-race-free program
///   and saves steps. (It also makes a member that locks, changes state and unlocks one step
///   from its lock on, as a harness reading that state between steps needs.)
/// - Nothing reads a clock: `wait_for`, `sleep_for` and `try_acquire_for` wait in the loop's
///   virtual time, which moves only when no thread can run.
/// - A run where every thread is blocked is quiescence (a deadlock or a hang, never a timeout);
///   a thread that spins runs out the step budget (livelock).
/// - Atomics are sequentially consistent: the memory order arguments are accepted and treated as
///   `seq_cst` (a bug that needs a weaker order to show is not found).
/// - Faults: a cancellation or an injected fault aimed at a thread's task is raised by the next
///   operation of that thread that may wait (`mutex::lock`, `condition_variable::wait*`,
///   `thread::join`, `latch::wait`, `counting_semaphore::acquire`, `this_thread::yield`,
///   `this_thread::sleep_for`, `atomic::wait`). The operations that never wait (`unlock`,
///   `notify_*`, `release`, `count_down`, every atomic read-modify-write) never raise: they are
///   called from destructors and `noexcept` code.
/// - A condition variable may wake up spuriously when the run's options say so, as a decision;
///   `notify_one` wakes the waiter the decision stream picks (0: the longest waiting).
/// - Outside every thread (code between steps, a test's set-up) the operations run without
///   scheduling points; one that would have to wait there throws `std::logic_error`.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "chaosq/sim/decision.hpp"
#include "chaosq/sim/future.hpp"
#include "chaosq/sim/loop.hpp"
#include "chaosq/sim/task.hpp"
#include "chaosq/sync/detail/fiber.hpp"

namespace chaosq::sync {

// The standard's lock types and tags work with chaosq::sync's mutex as with std::mutex.
using std::adopt_lock;
using std::adopt_lock_t;
using std::cv_status;
using std::defer_lock;
using std::defer_lock_t;
using std::lock_guard;
using std::memory_order;
using std::memory_order_acq_rel;
using std::memory_order_acquire;
using std::memory_order_consume;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;
using std::scoped_lock;
using std::try_to_lock;
using std::try_to_lock_t;
using std::unique_lock;

/// What each decision chaosq::sync draws is about (`sim::decision_source::tags()`), beside the
/// loop's `schedule` and the harness's own.
namespace decision_tag {
inline constexpr sim::decision_source::tag notify = 8;           ///< which waiter notify_one wakes
inline constexpr sim::decision_source::tag spurious_wakeup = 9;  ///< does a wait wake spuriously?
}  // namespace decision_tag

/// How controlled threads behave in one run.
struct options {
  /// Draws, at each condition-variable wait, whether it wakes up spuriously (the standard
  /// allows it; code that waits without a predicate loop breaks under it).
  bool spurious_wakeups = false;
  /// What `thread::hardware_concurrency()` returns: a fixed number, so that a pool sized from it
  /// runs the same on every machine.
  unsigned hardware_concurrency = 2;
};

namespace detail {

/// The decisions and options of the run in progress on this thread (set by `runtime`).
struct runtime_state {
  sim::decision_source* decisions = nullptr;
  options opts;
  /// Misuse that the standard calls undefined or terminating (a joinable thread destroyed, a
  /// mutex unlocked by a thread that does not hold it), reported by the run instead.
  std::vector<std::string> misuse;
};
runtime_state& runtime() noexcept;

/// The current thread's fiber; throws std::logic_error naming `what` outside every thread.
fiber& require_thread(const char* what);
/// A scheduling point that never raises (what the task met stays for a later operation).
inline void point() {
  if (fiber* f = current_fiber()) f->yield();
}
/// A scheduling point that raises what the task met (an operation that may wait).
inline void raising_point() {
  if (fiber* f = current_fiber()) {
    f->yield();
    f->raise_delivered();
  }
}
/// Draws one of `n` about `what` when the run has a decision stream; 0 otherwise.
std::uint32_t choose(std::uint32_t n, sim::decision_source::tag what);
/// True when `self` is being unwound (its run is over) and could not raise `fiber_unwind` (a
/// destructor runs for an exception): the operation then returns at once, as if woken.
bool unwound(fiber& self);
/// Reports misuse (see `runtime_state::misuse`).
void misuse(std::string what);
/// Waits in the current thread for `f`, raising what the task meets; `what` names the operation.
void block_on(sim::future& f, const char* what);
/// As `block_on`, but for `d` of virtual time at most; true if `f` completed in time.
bool block_on_for(sim::future& f, sim::duration d, const char* what);
/// Wakes every future of `line`, in order.
void wake_all(sim::future_list& line) noexcept;

/// Runs `f` on a fiber inside the current task until it finishes; what it raises is rethrown
/// (a cancellation or a fault the task met, raised at a scheduling point, with its kind told).
/// With `defer`, what the task meets is raised nowhere inside `f`: it is re-armed on the task
/// when `f` is over, to raise at the task's next suspension.
sim::task<void> drive(fiber& f, bool defer);

template <class R>
struct call_result {
  std::optional<R> value;
};
template <>
struct call_result<void> {};

}  // namespace detail

/// The run's options and decision stream for controlled threads, installed on this thread for
/// the lifetime of the object (nested scopes restore the outer one).
class runtime {
 public:
  explicit runtime(sim::decision_source* decisions, options opts = {});
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  ~runtime();

  /// Misuse the threads of this run made, in the order it happened.
  [[nodiscard]] const std::vector<std::string>& misuse() const noexcept { return state_.misuse; }

 private:
  detail::runtime_state state_;
  detail::runtime_state* outer_;
};

/// The next `blocking_call` of the current task, in this step, skips its first scheduling
/// point: the task has just taken it itself (a coroutine that yields, then finds it must make a
/// call that may wait, as a thread that reached its lock would). Runs are then the same, step
/// for step, whether the call was made on a thread or found it could run at once.
void skip_first_point_of_next_call() noexcept;

/// What a cancellation or a fault aimed at the task does during a `blocking_call`.
enum class call_faults : std::uint8_t {
  raise,  ///< raised inside the call, at its next operation that may wait
  defer,  ///< held back until the call returns, then raised at the task's next suspension
};

/// Runs `f()` on its own stack inside the current task, so that blocking code (a queue's
/// `put`, a pool's `wait`) is awaited from a coroutine: the task is the thread. Cancelling the
/// task, or injecting a fault into it, raises inside `f` at its next operation that may wait
/// (`call_faults::raise`), or after it (`call_faults::defer`: for a call that a real thread
/// could not be interrupted in, such as `task_done`).
/// What becomes of a `blocking_call` still blocked when its run ends (the loop is destroyed).
enum class call_end : std::uint8_t {
  unwind,  ///< its stack is unwound (`detail::fiber_unwind`): every destructor runs
  drop,    ///< its stack is released as is: for code whose frames own nothing but locks and
           ///< futures (chaosq's reference queues), where unwinding would cost a throw a run
};

template <class F>
sim::task<std::invoke_result_t<F&>> blocking_call(F f, call_faults faults = call_faults::raise,
                                                  call_end end = call_end::unwind) {
  using R = std::invoke_result_t<F&>;
  detail::call_result<R> out;
  detail::fiber fib([&] {
    if constexpr (std::is_void_v<R>) {
      f();
    } else {
      out.value.emplace(f());
    }
  });
  if (end == call_end::drop) fib.set_droppable();
  // A cancellation or a fault that ended the call is handed on as a value, its kind told; what
  // `f` threw itself is rethrown as thrown.
  if (sim::raised r = co_await detail::drive(fib, faults == call_faults::defer).settled()) {
    if (!r.kind) std::rethrow_exception(std::move(r.error));  // thrown by `f` itself
    co_await sim::exit_with(std::move(r));
    if constexpr (std::is_void_v<R>) {
      co_return;
    } else {
      co_return sim::exited;
    }
  }
  if constexpr (!std::is_void_v<R>) co_return std::move(*out.value);
}

class thread;

/// std::thread: a controlled thread, a task of the running loop, started by its constructor.
/// Unlike std::thread, an exception escaping the body ends the thread (the task fails with it;
/// `sync::run` reports it) instead of calling std::terminate; destroying a joinable thread is
/// reported as misuse and detaches it.
class thread {
 public:
  /// Identifies a thread: the spawn order of its task on the loop (stable across runs).
  class id {
   public:
    id() noexcept = default;
    explicit id(std::uint32_t task) noexcept : value_(task + 1) {}
    friend bool operator==(id, id) noexcept = default;
    friend auto operator<=>(id, id) noexcept = default;
    /// The task id, or -1 for the id of no thread.
    [[nodiscard]] std::int64_t task() const noexcept {
      return static_cast<std::int64_t>(value_) - 1;
    }

   private:
    std::uint32_t value_ = 0;
  };

  thread() noexcept = default;
  template <class F, class... Args>
  requires(!std::is_same_v<std::remove_cvref_t<F>, thread>) explicit thread(F&& f, Args&&... args)
      : thread(
            std::function<void()>([fn = std::decay_t<F>(std::forward<F>(f)),
                                   tup = std::make_tuple(
                                       std::decay_t<Args>(std::forward<Args>(args))...)]() mutable {
              std::apply([&fn](auto&... a) { std::invoke(std::move(fn), std::move(a)...); }, tup);
            }),
            0) {}
  thread(thread&& other) noexcept : task_(std::exchange(other.task_, {})) {}
  thread& operator=(thread&& other) noexcept;
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  ~thread();

  [[nodiscard]] bool joinable() const noexcept { return task_ != sim::task_ref{}; }
  [[nodiscard]] id get_id() const noexcept { return joinable() ? id(task_.id()) : id(); }
  /// Waits until the thread finished (a scheduling point, and one that may raise).
  void join();
  void detach();
  void swap(thread& other) noexcept { std::swap(task_, other.task_); }
  /// The run's `options::hardware_concurrency`, never the machine's.
  [[nodiscard]] static unsigned hardware_concurrency() noexcept;

 private:
  thread(std::function<void()> body, int /*tag*/);
  sim::task_ref task_;
};

namespace this_thread {
[[nodiscard]] thread::id get_id() noexcept;
/// A scheduling point (std::this_thread::yield), which may raise what the thread's task met.
void yield();
/// Waits `d` of virtual time.
void sleep_for(sim::duration d);
template <class Rep, class Period>
void sleep_for(const std::chrono::duration<Rep, Period>& d) {
  sleep_for(std::chrono::duration_cast<sim::duration>(d));
}
}  // namespace this_thread

/// std::mutex. Locking a mutex the thread already holds throws `std::system_error`
/// (`resource_deadlock_would_occur`); unlocking one it does not hold is reported as misuse.
/// Every `unlock` wakes all waiting threads, which race for it again (any of them may win).
class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
  ~mutex() = default;

  void lock();
  bool try_lock();
  void unlock();

  /// Whether some thread holds it (read without a scheduling point: for reports and tests).
  [[nodiscard]] bool locked() const noexcept { return locked_; }

 private:
  friend class condition_variable;
  /// Takes the mutex, waiting as long as it is held, without a scheduling point first; when
  /// `raising` is false what the task meets meanwhile is kept for later.
  void acquire(detail::fiber* self, bool raising);
  void release() noexcept;

  sim::future_list waiters_;
  detail::fiber* owner_ = nullptr;
  bool locked_ = false;
};

/// std::condition_variable, with `std::unique_lock<sync::mutex>`.
class condition_variable {
 public:
  condition_variable() = default;
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  /// Wakes one waiting thread: the one the decision stream picks (0: the longest waiting).
  void notify_one() noexcept;
  /// Wakes every waiting thread.
  void notify_all() noexcept;

  /// Releases the lock and waits for a notification (or a spurious wake-up, when the run's
  /// options allow them), then takes the lock again. If a fault is raised while it waits, the
  /// lock is taken again before it propagates, as Python's `Condition.wait` does.
  void wait(unique_lock<mutex>& lock);
  template <class Predicate>
  void wait(unique_lock<mutex>& lock, Predicate pred) {
    while (!pred()) wait(lock);
  }
  /// As `wait`, for at most `d` of virtual time.
  template <class Rep, class Period>
  cv_status wait_for(unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d) {
    return wait_for_ns(lock, std::chrono::duration_cast<sim::duration>(d));
  }
  template <class Rep, class Period, class Predicate>
  bool wait_for(unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d,
                Predicate pred) {
    sim::time_point const deadline = now() + std::chrono::duration_cast<sim::duration>(d);
    while (!pred()) {
      sim::duration const left = deadline - now();
      if (left <= sim::duration{0}) return pred();
      if (wait_for_ns(lock, left) == cv_status::timeout) return pred();
    }
    return true;
  }

  /// Threads waiting and not yet notified (read without a scheduling point).
  [[nodiscard]] std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  static sim::time_point now() noexcept;
  cv_status wait_for_ns(unique_lock<mutex>& lock, sim::duration d);
  cv_status wait_impl(unique_lock<mutex>& lock, const sim::duration* d);

  sim::future_list waiters_;
};

/// std::atomic<T> for trivially copyable T, sequentially consistent; every operation is a
/// scheduling point that never raises, except `wait`.
template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>,
                "chaosq::sync::atomic<T> needs a trivially copyable T");

 public:
  using value_type = T;
  static constexpr bool is_always_lock_free = true;

  constexpr atomic() noexcept(std::is_nothrow_default_constructible_v<T>) : value_() {}
  constexpr atomic(T desired) noexcept : value_(desired) {}  // NOLINT(google-explicit-constructor)
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  [[nodiscard]] bool is_lock_free() const noexcept { return true; }

  T load(memory_order = memory_order_seq_cst) const noexcept {
    detail::point();
    return value_;
  }
  operator T() const noexcept { return load(); }  // NOLINT(google-explicit-constructor)
  void store(T desired, memory_order = memory_order_seq_cst) noexcept {
    detail::point();
    set(desired);
  }
  T operator=(T desired) noexcept {
    store(desired);
    return desired;
  }
  T exchange(T desired, memory_order = memory_order_seq_cst) noexcept {
    detail::point();
    T const old = value_;
    set(desired);
    return old;
  }
  bool compare_exchange_strong(T& expected, T desired,
                               memory_order = memory_order_seq_cst) noexcept {
    detail::point();
    if (std::memcmp(&value_, &expected, sizeof(T)) == 0) {
      set(desired);
      return true;
    }
    expected = value_;
    return false;
  }
  bool compare_exchange_strong(T& expected, T desired, memory_order, memory_order) noexcept {
    return compare_exchange_strong(expected, desired);
  }
  /// Never fails spuriously (as strong).
  bool compare_exchange_weak(T& expected, T desired, memory_order = memory_order_seq_cst) noexcept {
    return compare_exchange_strong(expected, desired);
  }
  bool compare_exchange_weak(T& expected, T desired, memory_order, memory_order) noexcept {
    return compare_exchange_strong(expected, desired);
  }

  T fetch_add(T d, memory_order = memory_order_seq_cst) noexcept
      requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return modify([d](T v) { return static_cast<T>(v + d); });
  }
  T fetch_sub(T d, memory_order = memory_order_seq_cst) noexcept
      requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return modify([d](T v) { return static_cast<T>(v - d); });
  }
  T fetch_and(T d, memory_order = memory_order_seq_cst) noexcept
      requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return modify([d](T v) { return static_cast<T>(v & d); });
  }
  T fetch_or(T d, memory_order = memory_order_seq_cst) noexcept
      requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return modify([d](T v) { return static_cast<T>(v | d); });
  }
  T fetch_xor(T d, memory_order = memory_order_seq_cst) noexcept
      requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return modify([d](T v) { return static_cast<T>(v ^ d); });
  }
  T fetch_add(std::ptrdiff_t d,
              memory_order = memory_order_seq_cst) noexcept requires std::is_pointer_v<T> {
    return modify([d](T v) { return v + d; });
  }
  T fetch_sub(std::ptrdiff_t d,
              memory_order = memory_order_seq_cst) noexcept requires std::is_pointer_v<T> {
    return modify([d](T v) { return v - d; });
  }
  T operator++() noexcept { return static_cast<T>(fetch_add(1) + 1); }
  T operator++(int) noexcept { return fetch_add(1); }
  T operator--() noexcept { return static_cast<T>(fetch_sub(1) - 1); }
  T operator--(int) noexcept { return fetch_sub(1); }
  T operator+=(T d) noexcept { return static_cast<T>(fetch_add(d) + d); }
  T operator-=(T d) noexcept { return static_cast<T>(fetch_sub(d) - d); }
  T operator&=(T d) noexcept { return static_cast<T>(fetch_and(d) & d); }
  T operator|=(T d) noexcept { return static_cast<T>(fetch_or(d) | d); }
  T operator^=(T d) noexcept { return static_cast<T>(fetch_xor(d) ^ d); }

  /// Waits while the value equals `old` (C++20's atomic wait); may raise what the task met.
  void wait(T old, memory_order = memory_order_seq_cst) const {
    detail::raising_point();
    while (std::memcmp(&value_, &old, sizeof(T)) == 0) {
      sim::future f;
      waiters_.push_back(f);
      detail::block_on(f, "atomic::wait");
    }
  }
  void notify_one() noexcept {
    if (sim::future* f = waiters_.pop_front()) f->set_result();
  }
  void notify_all() noexcept { detail::wake_all(waiters_); }

 private:
  template <class F>
  T modify(F f) noexcept {
    detail::point();
    T const old = value_;
    set(f(old));
    return old;
  }
  void set(T v) noexcept { value_ = v; }

  T value_;
  mutable sim::future_list waiters_;
};

/// std::latch.
class latch {
 public:
  explicit latch(std::ptrdiff_t expected) noexcept : count_(expected) {}
  latch(const latch&) = delete;
  latch& operator=(const latch&) = delete;

  [[nodiscard]] static constexpr std::ptrdiff_t max() noexcept { return PTRDIFF_MAX; }
  void count_down(std::ptrdiff_t n = 1) noexcept;
  [[nodiscard]] bool try_wait() const noexcept;
  void wait() const;
  void arrive_and_wait(std::ptrdiff_t n = 1);

 private:
  std::ptrdiff_t count_;
  mutable sim::future_list waiters_;
};

/// std::counting_semaphore. `release` wakes every waiting thread, which race for the count.
template <std::ptrdiff_t LeastMaxValue = PTRDIFF_MAX>
class counting_semaphore {
 public:
  explicit counting_semaphore(std::ptrdiff_t desired) noexcept : count_(desired) {}
  counting_semaphore(const counting_semaphore&) = delete;
  counting_semaphore& operator=(const counting_semaphore&) = delete;

  [[nodiscard]] static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }
  void release(std::ptrdiff_t update = 1) noexcept {
    count_ += update;
    detail::wake_all(waiters_);
  }
  void acquire() {
    detail::raising_point();
    while (count_ == 0) {
      sim::future f;
      waiters_.push_back(f);
      detail::block_on(f, "counting_semaphore::acquire");
    }
    --count_;
  }
  bool try_acquire() noexcept {
    detail::point();
    if (count_ == 0) return false;
    --count_;
    return true;
  }
  template <class Rep, class Period>
  bool try_acquire_for(const std::chrono::duration<Rep, Period>& d) {
    detail::raising_point();
    auto left = std::chrono::duration_cast<sim::duration>(d);
    while (count_ == 0) {
      if (left <= sim::duration{0}) return false;
      sim::future f;
      waiters_.push_back(f);
      sim::time_point const start = sim::running_loop().now();
      if (!detail::block_on_for(f, left, "counting_semaphore::try_acquire_for")) {
        if (count_ == 0) return false;
      }
      left -= sim::running_loop().now() - start;
    }
    --count_;
    return true;
  }

 private:
  std::ptrdiff_t count_;
  sim::future_list waiters_;
};
using binary_semaphore = counting_semaphore<1>;

/// How a `sync::run` ended.
enum class run_status : std::uint8_t {
  complete,     ///< every thread finished
  deadlock,     ///< no thread could run, some still blocked (a deadlock, a lost wake-up, a hang)
  step_budget,  ///< the step budget ran out with threads still running (a livelock, a spin)
  failed,       ///< a thread ended with an exception, or the threads misused the primitives
};

/// A thread still blocked when a run ended.
struct blocked_thread {
  thread::id id;
  std::string name;   ///< "main", "thread-1", ...
  std::string where;  ///< the operation it waits in: "mutex::lock", ...
};

/// What `sync::run` found.
struct run_result {
  run_status status = run_status::complete;
  std::uint64_t steps = 0;
  std::exception_ptr error;              ///< with `failed`: the first exception that ended a thread
  std::string failed_thread;             ///< its name
  std::vector<std::string> misuse;       ///< with `failed`: each misuse, in order
  std::vector<blocked_thread> blocked;   ///< with `deadlock`: who waits where
  std::vector<std::uint32_t> decisions;  ///< every decision the run consumed (its reproducer)
  /// Threads still blocked at the end that would not unwind: code that catches the end-of-run
  /// unwinding with `catch (...)` and goes on, for `fiber::k_unwind_operations` operations. Their
  /// stacks are abandoned, so what they hold is never destroyed; `describe()` says so.
  std::uint32_t abandoned = 0;

  /// One paragraph a person can read: how the run ended, and who waits where.
  [[nodiscard]] std::string describe() const;
};

struct run_options {
  options threads;
  std::uint64_t step_budget = 1'000'000;
};

/// Runs `main` as the thread "main" of a fresh loop until every thread it started finished, no
/// thread can run, or the step budget ran out, taking every scheduling choice from `decisions`.
/// A pure function of `main` and the values `decisions` yields.
[[nodiscard]] run_result run(const std::function<void()>& main, sim::decision_source& decisions,
                             const run_options& opts = {});
/// As above, in the loop's FIFO order (no decisions: what runs next is the thread that has
/// waited longest).
[[nodiscard]] run_result run(const std::function<void()>& main, const run_options& opts = {});

}  // namespace chaosq::sync

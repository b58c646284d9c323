#pragma once
/// \file
/// A fiber: a function running on its own stack, switched to and from by hand. How a blocking
/// thread body runs inside one task of the deterministic loop.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <utility>

namespace chaosq::sim {
class future;
}

namespace chaosq::sync::detail {

/// Thrown inside a fiber that is destroyed before it finished (its thread still blocked when
/// the run ends), so that every object on its stack is destroyed. Code that catches it with
/// `catch (...)` must rethrow it.
struct fiber_unwind {};

/// A function on its own stack. The task that drives it (`drive`) switches to it with `resume`;
/// it switches back with `suspend` when it must wait for the loop (a scheduling point, or a
/// future), or when it finishes. Only one fiber of a thread runs at a time.
class fiber {
 public:
  explicit fiber(std::function<void()> body);
  fiber(const fiber&) = delete;
  fiber& operator=(const fiber&) = delete;
  /// A fiber that started and has not finished is unwound first (`fiber_unwind`), or dropped
  /// (see `set_droppable`).
  ~fiber();

  /// Makes a fiber still blocked when it is destroyed be dropped instead of unwound: the future
  /// it waits on leaves its line and the stack is released without running a destructor. Only
  /// for code whose frames own nothing but locks, lines and futures (chaosq's reference queues):
  /// unwinding costs a throw per blocked thread per run.
  void set_droppable() noexcept { droppable_ = true; }

  /// What the fiber asks its driver for, each time it suspends.
  enum class request : std::uint8_t {
    yield,  ///< a scheduling point: let the loop pick who runs next
    wait,   ///< wait for `waiting_on()`
  };

  // ---- driver side ----
  /// Runs the fiber until it suspends or finishes.
  void resume();
  [[nodiscard]] bool finished() const noexcept { return finished_; }
  [[nodiscard]] request requested() const noexcept { return request_; }
  [[nodiscard]] sim::future* waiting_on() const noexcept { return waiting_on_; }
  /// The exception the body ended with (null if it returned).
  [[nodiscard]] const std::exception_ptr& error() const noexcept { return error_; }
  /// Hands the fiber what its task met while it was suspended (a cancellation, an injected
  /// fault). The first one waits in the fiber until an operation that may raise raises it.
  void deliver(std::exception_ptr e) noexcept {
    if (!delivered_) delivered_ = std::move(e);
  }

  // ---- fiber side ----
  /// Makes the fiber's first scheduling point return at once: its caller has just taken it.
  void skip_first_yield() noexcept { skip_yield_ = true; }
  /// Suspends at a scheduling point; never raises. What the task met while the fiber was
  /// suspended waits for `raise_delivered`.
  void yield();
  /// Suspends until `f` is done (it may be cancelled: the task met a fault). `what` names the
  /// operation, for reports of a thread that never resumed. Raises only `fiber_unwind`.
  void wait(sim::future& f, const char* what);
  /// Raises what was delivered and not raised yet, if anything: the operations that may raise
  /// (those that may wait) call it, the others leave it for the next one. Raises `fiber_unwind`
  /// while the fiber is unwound.
  void raise_delivered() {
    if (unwinding_) unwind_if_possible();
    if (delivered_ && !deferring_) {
      raised_ = std::exchange(delivered_, nullptr);
      std::rethrow_exception(raised_);
    }
  }
  /// While set, `raise_delivered` raises nothing: what the task meets waits in the fiber
  /// (`take_delivered`) until the call is over.
  void defer_delivered(bool on) noexcept { deferring_ = on; }
  /// What was delivered and never raised (the driver re-arms it on the task).
  [[nodiscard]] std::exception_ptr take_delivered() noexcept {
    return std::exchange(delivered_, nullptr);
  }
  /// Whether the body ended with an exception that a scheduling point raised (a cancellation or
  /// an injected fault the task met), not one the body threw itself.
  [[nodiscard]] bool ended_by_delivery() const noexcept { return error_ && error_ == raised_; }
  /// True while the fiber is being unwound because its run is over. Then nothing suspends:
  /// scheduling points return at once, an operation that would wait raises `fiber_unwind`
  /// (or, inside a destructor run by an exception, returns as if woken), and a mutex is taken
  /// whoever holds it. A thread that still runs `k_unwind_operations` operations after that
  /// (it spins) is abandoned: what its stack holds is never destroyed.
  [[nodiscard]] bool unwinding() const noexcept { return unwinding_; }
  static constexpr std::uint32_t k_unwind_operations = 10'000;
  /// What the fiber waits in, or null when it is ready or running.
  [[nodiscard]] const char* blocked_in() const noexcept { return blocked_in_; }

 private:
  friend void fiber_main() noexcept;
  void suspend();
  void unwind_if_possible();
  void count_unwind_operation();
  void switch_in();
  void switch_out(bool finishing);

  std::function<void()> body_;
  void* stack_ = nullptr;  // the lowest address of the stack's mapping (a guard page)
  std::size_t stack_bytes_ = 0;
  void* sp_ = nullptr;         // the fiber's saved stack pointer while suspended
  void* caller_sp_ = nullptr;  // the driver's, while the fiber runs
  fiber* outer_ = nullptr;     // the fiber that was current when this one was resumed
  // The C++ runtime's per-thread exception state (the caught-exception stack, the uncaught
  // count), kept per fiber: a fiber suspended inside a catch block must not see another's.
  void* eh_caught_ = nullptr;
  unsigned eh_uncaught_ = 0;
  // AddressSanitizer's fiber bookkeeping.
  void* asan_fake_stack_ = nullptr;
  const void* caller_stack_bottom_ = nullptr;
  std::size_t caller_stack_size_ = 0;
  std::exception_ptr error_;
  std::exception_ptr delivered_;
  std::exception_ptr raised_;  // the last delivery raised inside the fiber
  sim::future* waiting_on_ = nullptr;
  const char* blocked_in_ = nullptr;
  request request_ = request::yield;
  bool started_ = false;
  bool finished_ = false;
  bool unwinding_ = false;
  bool abandoned_ = false;
  bool deferring_ = false;
  bool droppable_ = false;
  bool skip_yield_ = false;
  std::uint32_t unwind_operations_ = 0;
};

/// The fiber running now on this thread, or null outside every fiber.
fiber* current_fiber() noexcept;
/// How many fibers this thread has abandoned so far (see `fiber::unwinding`).
std::uint32_t abandoned_fibers() noexcept;

}  // namespace chaosq::sync::detail

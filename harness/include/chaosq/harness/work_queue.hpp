#pragma once
/// \file
/// The queue contract the engine drives, so a user's own queue runs under the same engine.
///
/// This header is all a queue needs: it brings in the errors a queue raises or meets,
/// `queue::queue_shut_down`, `queue::queue_empty`, `queue::queue_full`,
/// `queue::task_done_error` (chaosq/queue/errors.hpp), and those the loop raises inside a
/// waiting task, `sim::cancelled_error` (not a std::exception: catch it by name or with
/// `catch (...)`), `sim::injected_fault` and `sim::timeout_error` (chaosq/sim/errors.hpp); the
/// awaitables to suspend on, `sim::future`, `sim::future_list` (chaosq/sim/future.hpp),
/// `sim::event` (chaosq/sim/event.hpp) and `sim::task`; and the reference queue with its hooks
/// for a one-step variant (chaosq/queue/queue.hpp, `queue::basic_queue<item, Variant>`).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chaosq/harness/workload.hpp"
#include "chaosq/queue/errors.hpp"
#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/event.hpp"
#include "chaosq/sim/future.hpp"
#include "chaosq/sim/task.hpp"
#include "chaosq/sync/sync.hpp"

namespace chaosq::harness {

/// A queue with asyncio's `join` contract, as the engine sees it. The engine's oracles judge
/// the queue by what it does, with the reference (asyncio.Queue 3.13) as the model.
///
/// What every member may assume, and must give:
/// - It runs on the `sim::loop` of the run, one task at a time; an awaitable suspends only
///   through sim's `future`, `event`, `yield` and tasks. Members that return no task must not
///   suspend; the engine calls `shutdown`, `qsize` and `unfinished_tasks` between steps too,
///   from no task at all.
/// - A task waiting in `put`, `get` or `join` may be cancelled (`sim::cancelled_error`) or hit
///   by an injected crash (`sim::injected_fault`) while it waits, even after its waiter was
///   woken and before it resumed. The member must then leave its waiter line and let the
///   exception escape; a woken waiter that leaves so must pass the wake-up on to the next
///   waiter when the queue could serve it (asyncio does), or the item or room it was woken
///   for is stranded.
/// - Waking a waiter hands it nothing: other tasks may run first and take the item or room
///   (barging). A woken getter or putter re-checks and waits again if it must.
/// - A `sim::future` unlinks itself from its `future_list` when destroyed: keep the waiter
///   future in the waiting coroutine's frame (as asyncio keeps it in the deque) and do not
///   expect a finished or abandoned future to stay in the line, as Python code that counts
///   `len(self._getters)` or pops done futures later would.
/// - Failures are chaosq::queue's exceptions: `queue_full` from `put_nowait` on a full queue,
///   `queue_shut_down` after shutdown, `task_done_error` when nothing is unfinished. An
///   exception the reference would not raise at that call (QueueEmpty from `get`, anything
///   from `join`, ...) is a `task-error/queue-raised` verdict at the step it escaped.
class work_queue {
 public:
  work_queue() = default;
  work_queue(const work_queue&) = delete;
  work_queue& operator=(const work_queue&) = delete;
  virtual ~work_queue() = default;

  /// Awaited by producers (blocking put mode): stores `i`, waiting while the queue is full;
  /// raises `queue_shut_down` after shutdown (the producer then stops, not a failure). The
  /// item counts as put once stored: a put that suspends after storing may see its item got
  /// before it returns, and the engine records the put at that get. Items put and not yet got
  /// beyond `maxsize` are judged `capacity/over-maxsize`; a producer still waiting here when
  /// nothing can run is judged `stranded/producer-in-put`.
  virtual sim::task<void> put(item i) = 0;
  /// Awaited by consumers: the next item in the kind's order, waiting while the queue is
  /// empty; raises `queue_shut_down` when shut down and empty (the consumer's normal end).
  /// An item never put, got twice or out of order is a verdict; a getter still waiting when
  /// nothing can run while items are stored (a lost wake-up), or after shutdown, is stranded.
  virtual sim::task<item> get() = 0;
  /// Called by producers in non-blocking put mode: stores `i` at once or raises `queue_full`
  /// (the producer yields and tries again) or `queue_shut_down` (the producer stops).
  virtual void put_nowait(item i) = 0;
  /// The engine never calls it on a queue from `run_options::make_queue`; `queue_empty` when
  /// empty, `queue_shut_down` when shut down and empty, as asyncio.
  virtual item get_nowait() = 0;
  /// Called for each acknowledgement a consumer makes, never from inside another member.
  /// Raising `task_done_error` is judged `over-ack/task-done-error` (the engine catches it);
  /// the count read just after it must not be negative (`over-ack/negative-count`). Any other
  /// exception escapes into the consumer.
  virtual void task_done() = 0;
  /// Awaited by joiners, after `unfinished_tasks()` was read (0: the join should return at
  /// once). Returning while the count never reached zero since the call is `join-early`;
  /// still waiting after a step that left the count at zero is `join-late`. May be cancelled
  /// by `sim::wait_for` when the workload gives join a timeout.
  virtual sim::task<void> join() = 0;
  /// Called by the engine between steps, never from a task; must not suspend or throw.
  /// Every waiting getter and putter must then be woken to re-check and raise. After
  /// `immediate`, the engine counts every stored item as drained (no longer owed an
  /// acknowledgement) and reads `unfinished_tasks()`.
  virtual void shutdown(queue::shutdown_mode mode) = 0;
  /// Items stored. Read between steps and inside them (whether a put or get will wait); must
  /// not suspend. At the end it must equal the items put and never got (`lost/vanished`,
  /// `duplicated/extra-items`).
  [[nodiscard]] virtual std::size_t qsize() const = 0;
  /// The count `join` waits on: items put and not yet acknowledged. Read after every put, get,
  /// acknowledgement and shutdown, and after every step while a joiner waits; must not
  /// suspend, and should change only inside the queue's own members.
  [[nodiscard]] virtual std::int64_t unfinished_tasks() const = 0;
  /// A thread-based queue (threads mode): whether some thread is inside a member, holding the
  /// queue's lock while suspended at a synchronisation point. The engine then waits for it to
  /// be free before `shutdown`, and before judging a joiner that was not woken. A coroutine
  /// queue is never in use between steps.
  [[nodiscard]] virtual bool in_use() const noexcept { return false; }
};

/// Makes the queue for one run, for the workload's kind and maxsize.
using queue_factory = std::function<std::unique_ptr<work_queue>(const workload&)>;

/// Adapts any queue with basic_queue's interface (the reference, or a variant of it) and calls
/// `Q`'s own members. Two ways to plant one bug in the reference without copying it:
/// - change one step inside the queue: derive `my_variant` from
///   `queue::basic_queue<item, my_variant>`, redeclare one hook (`wakeup_next`,
///   `pass_on_wakeup`, `count_put`, `count_got`, `count_done`, `lower_count`, `drain`, or
///   `put`/`get` for the re-check loop; see queue/queue.hpp) and run
///   `queue_adapter<my_variant>`;
/// - change what one member does from outside: derive from
///   `queue_adapter<queue::basic_queue<item>>`, override the member, and reach the reference
///   through `underlying()`.
template <class Q>
class queue_adapter : public work_queue {
 public:
  template <class... Args>
  explicit queue_adapter(Args&&... args) : q_(std::forward<Args>(args)...) {}

  sim::task<void> put(item i) override { return q_.put(i); }
  sim::task<item> get() override { return q_.get(); }
  void put_nowait(item i) override { q_.put_nowait(i); }
  item get_nowait() override { return q_.get_nowait(); }
  void task_done() override { q_.task_done(); }
  sim::task<void> join() override { return q_.join(); }
  void shutdown(queue::shutdown_mode mode) override { q_.shutdown(mode); }
  [[nodiscard]] std::size_t qsize() const override { return q_.qsize(); }
  [[nodiscard]] std::int64_t unfinished_tasks() const override { return q_.unfinished_tasks(); }

  Q& underlying() noexcept { return q_; }

 private:
  Q q_;
};

/// The reference queue (chaosq::queue::basic_queue) for the workload's kind and maxsize.
[[nodiscard]] std::unique_ptr<work_queue> make_reference_queue(const workload& w);

/// Adapts a thread-based queue with `queue::thread_queue`'s interface (Python's queue.Queue:
/// blocking `put`, `get`, `join`, and `put_nowait`, `get_nowait`, `task_done`,
/// `shutdown(bool immediate)`, written against chaosq::sync) for threads mode. `put`, `get` and
/// `join` run as blocking calls of the awaiting task's thread; the engine calls `task_done` and
/// `put_nowait` from a thread. Between steps it reads, without a lock and without suspending,
/// `stored()` (items held), `unfinished()` (the join count) and `holder_active()` (whether a
/// thread holds the queue's lock: `mutex.locked()` of a `chaosq::sync::mutex`). Register it
/// with `registry::add_thread_queue`. `End`: what becomes of a call still blocked when the run
/// ends (`sync::call_end`; `drop` only for a queue whose frames own nothing but its lock and
/// waiter futures, as chaosq's reference).
template <class Q, sync::call_end End = sync::call_end::unwind>
class thread_queue_adapter : public work_queue {
 public:
  template <class... Args>
  explicit thread_queue_adapter(Args&&... args) : q_(std::forward<Args>(args)...) {}

  sim::task<void> put(item i) override {
    return sync::blocking_call([this, i] { q_.put(i); }, sync::call_faults::raise, End);
  }
  sim::task<item> get() override {
    return sync::blocking_call([this] { return q_.get(); }, sync::call_faults::raise, End);
  }
  void put_nowait(item i) override { q_.put_nowait(i); }
  item get_nowait() override { return q_.get_nowait(); }
  void task_done() override { q_.task_done(); }
  sim::task<void> join() override {
    return sync::blocking_call([this] { q_.join(); }, sync::call_faults::raise, End);
  }
  void shutdown(queue::shutdown_mode mode) override {
    q_.shutdown(mode == queue::shutdown_mode::immediate);
  }
  [[nodiscard]] std::size_t qsize() const override { return q_.stored(); }
  [[nodiscard]] std::int64_t unfinished_tasks() const override { return q_.unfinished(); }
  [[nodiscard]] bool in_use() const noexcept override { return q_.holder_active(); }

  Q& underlying() noexcept { return q_; }

 private:
  Q q_;
};

/// A thread pool with a wait for every submitted task (threads mode): a user's pool written
/// against chaosq::sync, as the engine drives it. Register it with `registry::add_thread_pool`
/// (or set `run_options::make_pool`); `pool_adapter` adapts a pool class without writing one.
///
/// How a pool runs under the engine (a workload's roles, for a pool):
/// - The pool is made by its `pool_factory` on a thread of its own, before any producer or joiner
///   reaches it, with `workload::consumers` workers; it lives until the run ends. Then every
///   thread still blocked is unwound, the pool's threads first, and the pool is destroyed: each
///   wait in its destructor returns as if woken, a job it starts then does nothing, and a
///   destructor that waits in a loop for work that never comes is abandoned (after
///   chaosq::sync's limit of operations; its stack is never freed).
/// - Producers `submit` one job per item (blocking code, on the producer's thread; a submit may
///   wait). The job is the engine's: on whichever thread of the pool runs it, it records that the
///   thread took the item ("get"), takes the workload's `work_steps` scheduling points, and
///   records that it finished ("ack"). A fault drawn at after-get, mid-item or before-ack is
///   thrown out of the job as `sim::injected_fault` after the job counts as finished: the pool
///   must survive a task that throws, and still count it done.
/// - Joiners call `wait` (blocking code, on the joiner's thread). As asyncio's `join`, it must
///   return once no job is unfinished (every job submitted, those submitted while it waits
///   included, has finished), and not before: the join-early, join-late and join-hang oracles
///   judge it against the engine's own count of unfinished jobs.
/// - Jobs run on the pool's own threads: a pool that runs a job on the thread that submits it or
///   waits for it is refused (`std::logic_error` out of the run); a pool thread that ends by an
///   exception, whether a job's or its own, is `task-error/consumer-raised` (in a real program,
///   std::terminate).
/// - A pool has no shutdown, no capacity and no order: its workloads are FIFO, unbounded, with
///   blocking puts, no restarts, no shutdown and the default consumer policy
///   (`registry::problem` says which field is off).
class work_pool {
 public:
  work_pool() = default;
  work_pool(const work_pool&) = delete;
  work_pool& operator=(const work_pool&) = delete;
  virtual ~work_pool() = default;

  /// Hands `job` to the pool, to run once on one of its threads.
  virtual void submit(std::function<void()> job) = 0;
  /// Blocks until no job is unfinished (see above).
  virtual void wait() = 0;
};

/// Makes the pool for one run (on a controlled thread), with the workload's worker count.
using pool_factory = std::function<std::unique_ptr<work_pool>(const workload&)>;

/// Adapts a pool class `P`, made as `P(workers)`, whose member `Submit` takes a
/// `std::function<void()>` and whose member `Wait` waits for all of them:
///
///     using adapted = pool_adapter<my_pool, &my_pool::push_task, &my_pool::wait_for_tasks>;
///     r.add_thread_pool("my-pool", "our pool", pool_maker<adapted>());
template <class P, auto Submit, auto Wait>
class pool_adapter : public work_pool {
 public:
  explicit pool_adapter(unsigned workers) : pool_(workers) {}

  void submit(std::function<void()> job) override { (pool_.*Submit)(std::move(job)); }
  void wait() override { (pool_.*Wait)(); }

  P& underlying() noexcept { return pool_; }

 private:
  P pool_;
};

/// The `pool_factory` of a `work_pool` class made as `A(workers)` (a `pool_adapter`).
template <class A>
pool_factory pool_maker() {
  return [](const workload& w) -> std::unique_ptr<work_pool> {
    return std::make_unique<A>(w.consumers);
  };
}

/// Why a thread pool cannot run `w`, one message per field (empty: it can): threads mode, FIFO,
/// unbounded, blocking puts, no restarts, the default consumer policy, no join timeout, no
/// shutdown.
[[nodiscard]] std::vector<std::string> pool_problems(const workload& w);

/// The threads-mode reference (chaosq::queue::thread_queue, Python's queue.Queue) for the
/// workload's kind and maxsize. `put`, `get` and `join` run as blocking calls of the awaiting
/// task's thread; `task_done` and `put_nowait` must be called from a thread (the engine does);
/// `shutdown` only while not `in_use()`.
[[nodiscard]] std::unique_ptr<work_queue> make_thread_reference_queue(const workload& w);

}  // namespace chaosq::harness

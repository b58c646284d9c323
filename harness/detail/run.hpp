#pragma once
/// \file
/// One run of a workload on the deterministic loop: the workload's tasks as coroutines
/// (actors.cpp) driven by the step loop (engine.cpp). What happens is handed on as events to
/// the fault plan, the ledger and the oracles, which know nothing of coroutines.

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/harness/consumer.hpp"
#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/work_queue.hpp"
#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/loop.hpp"
#include "chaosq/sync/sync.hpp"

#include "detail/fault_plan.hpp"
#include "detail/judgement.hpp"
#include "detail/ledger.hpp"
#include "detail/oracles.hpp"
#include "detail/pool.hpp"
#include "detail/tasks.hpp"

namespace chaosq::harness::detail {

using reference_queue = queue_adapter<queue::basic_queue<item>>;

/// The coroutine side of a task (its record is the `task_record` with the same id).
struct actor {
  sim::task_ref task;
  bool wait_traced = false;  // the trace shows its current queue call suspended
  bool putting = false;      // a producer inside put (of its current item)
};

/// The growable state of a run, kept by an `engine` from one run to the next (capacity kept,
/// contents cleared) instead of growing every vector from empty each run.
struct run_buffers {
  /// The reference queue of the last run that used one, reset for the next.
  std::unique_ptr<reference_queue> reference;
  std::vector<task_record> tasks;
  std::vector<actor> actors;
  detail::ledger ledger;
  fault_plan faults;
};

class engine_run final : private consumer_host, private task_liveness, private job_runner {
 public:
  engine_run(const workload& w, sim::decision_source& decisions, const run_options& options,
             run_buffers& buffers);
  engine_run(const engine_run&) = delete;
  engine_run& operator=(const engine_run&) = delete;
  /// A pool's jobs still queued when the run ends do nothing (its threads are being unwound).
  ~engine_run();

  /// Runs the workload and writes what happened into `report`, reusing its buffers.
  void go(run_report& report);

 private:
  friend class fault_plan;  // calls the between-steps actions below

  // ---- the step loop (engine.cpp) ----
  void start_tasks();
  task_id add_actor(role r, std::uint32_t slot, std::uint32_t generation = 0);
  run_end drive();
  void trace_new_waits();
  /// The step an event belongs to: the running step, or the next one between steps.
  [[nodiscard]] step_no now() const noexcept { return loop_.steps() + (in_step_ ? 0 : 1); }
  void check_join_late();
  void judge_pool_threads();

  // ---- carrying out faults (engine.cpp) ----
  /// Task `me` passes fault point `p`: the kind of the fault that struck it there, if any.
  [[nodiscard]] std::optional<fault_kind> visit_point(task_id me, fault_point p) {
    std::optional<struck_fault> const f = faults_.visit(me, p, tasks_[me]);
    if (!f) return std::nullopt;
    record_fault(me, *f);
    return f->kind;
  }
  /// As `visit_point`, raising the fault that struck.
  void pass_checkpoint(task_id me, fault_point p) {
    if (std::optional<fault_kind> const struck = visit_point(me, p)) raise(me, *struck);
  }
  [[noreturn]] void raise(task_id me, fault_kind kind) const;
  void record_fault(task_id me, const struck_fault& f);
  void blame_held_item(const task_record& t, fault_kind kind) {
    if (t.holding && !t.acked_current) ledger_.blame_holder(t.current.id, kind);
  }
  // What the fault plan calls between steps.
  [[nodiscard]] bool ended(task_id t) const noexcept override { return actors_[t].task.done(); }
  [[nodiscard]] bool waiting(task_id t) const noexcept override {
    return actors_[t].task.waiting();
  }
  /// Shut down, or about to be (threads mode: waiting for the queue's lock).
  [[nodiscard]] bool shut_down() const noexcept { return shut_down_ || pending_shutdown_; }
  void strike_waiting(task_id t, const struck_fault& f);
  void apply_control(const control_event& c);
  /// Shuts the queue down now; in threads mode, at the first moment between steps when no
  /// thread holds the queue's lock (`work_queue::in_use`), as a thread that took the lock
  /// then would.
  void shutdown(queue::shutdown_mode mode, std::string_view origin);
  void shutdown_now(queue::shutdown_mode mode, std::string_view origin);
  /// Applies a shutdown that waited for the queue's lock, if it is free now.
  bool apply_pending_shutdown();

  // ---- events to the ledger (actors.cpp calls them) ----
  void on_put(task_id p, const item& it) {
    actors_[p].putting = false;
    if (!ledger_.put(p, it, now(), queue_->unfinished_tasks())) return;
    note(p, "put", it.id, "ok");
  }
  void on_get(task_id c, const item& it);
  void ack(task_id c, const item& it);
  /// `error` escaped task `me`'s `where` (on `item`, or -1) where the contract does not allow
  /// it: a task-error verdict, unless the run has its verdict already. Out of line: only the
  /// exceptional paths call it.
  [[gnu::noinline]] void task_error(task_id me, raised_in where, std::int64_t item,
                                    const std::exception_ptr& error);
  // The exception being handled escaped a put or a get of task `me`: a task-error (for a
  // QueueShutDown from get, only before the shutdown).
  [[gnu::noinline]] void put_raised(task_id me);
  [[gnu::noinline]] void put_raised(task_id me, const std::exception_ptr& error);
  [[gnu::noinline]] void get_raised(task_id me);
  [[gnu::noinline]] void get_shut_down(task_id me);

  // ---- the workload's tasks (actors.cpp) ----
  [[nodiscard]] bool reference_full() const {
    return w_.maxsize > 0 && queue_->qsize() >= static_cast<std::size_t>(w_.maxsize);
  }
  /// What the reference's put_nowait would raise QueueFull at now: not shut down, and holding
  /// maxsize items by the ledger's account.
  [[nodiscard]] bool full_by_the_ledger() const {
    return !shut_down_ && w_.maxsize > 0 &&
           ledger_.shadow().size() >= static_cast<std::size_t>(w_.maxsize);
  }
  /// Task `me` is about to wait at `p`: counts the wait (pinned faults name it by occurrence).
  void begin_wait(task_id me, fault_point p) {
    faults_.begin_wait(me, p);
    tasks_[me].wait_step = now();
  }
  /// Threads mode, the reference queue: the scheduling point a thread takes before it locks the
  /// queue. True when no thread holds the lock now, so a call that cannot wait may run at once,
  /// exactly as on the thread (same decisions, same steps); false: make the call on a thread
  /// (which takes a scheduling point of its own).
  sim::task<bool> thread_turn();
  sim::task<void> producer(task_id me);
  sim::task<void> consumer_body(task_id me) {
    return builtin_ ? builtin_consumer_task(me) : consumer(me);
  }
  sim::task<void> consumer(task_id me);
  sim::task<void> builtin_consumer_task(task_id me);
  struct stop;  // why a built-in consumer stops early (actors.cpp)
  stop got_interrupted(task_id me, sim::raised r);
  sim::task<void> supervisor(task_id me, std::uint32_t slot);
  sim::task<void> joiner(task_id me);
  sim::task<void> judged_join(task_id me);
  /// Joiner `me`'s join: the reference's own, or `judged_join` on a queue under test.
  sim::task<void> join_call(task_id me) {
    return reference_queue_ ? queue_->join() : judged_join(me);
  }
  void start_get(task_id me);
  void took(task_id me, const item& it);

  // ---- a thread pool's jobs (actors.cpp) ----
  /// job_runner: item `it`'s job, on one of the pool's threads.
  void run_job(const item& it) override;
  /// The task record of the pool thread running now, added when it runs its first job;
  /// `no_worker` when it is a producer's or joiner's own thread (`unsupported_`).
  task_id pool_worker();
  static constexpr task_id no_worker = SIZE_MAX;
  /// The record of the task `t` runs, or `tasks_.size()` when it has none.
  [[nodiscard]] task_id actor_of(const sim::task_ref& t) const noexcept {
    for (task_id a = 0; a < actors_.size(); ++a)
      if (actors_[a].task == t) return a;
    return tasks_.size();
  }

  // ---- consumer_host: what consumer_context calls (actors.cpp) ----
  sim::task<item> get(std::size_t me) override;
  sim::task<void> process(std::size_t me, item it) override;
  void task_done(std::size_t me, item it) override {
    guard_consumer_call(me);
    ack(me, it);
  }
  void checkpoint(std::size_t me, fault_point p) override {
    guard_consumer_call(me);
    pass_checkpoint(me, p);
  }
  void note(std::size_t me, std::string operation, item it, std::string outcome) override {
    note(me, std::string_view(operation), it.id, std::string_view(outcome));
  }
  [[nodiscard]] const std::string& name(std::size_t me) const override { return tasks_[me].name; }

  /// Thrown into a consumer to end it at once: the run already has its verdict, or the consumer
  /// loops without ever suspending (no step budget could stop it).
  struct run_stopped {};
  void guard_consumer_call(task_id me) {
    if (!consumer_call_allowed(me)) throw run_stopped{};
  }
  /// False when the consumer must stop at once (see `run_stopped`).
  [[nodiscard]] bool consumer_call_allowed(task_id me) {
    if (judge_.failed()) return false;
    if (loop_.steps() != calls_step_) {
      calls_step_ = loop_.steps();
      calls_this_step_ = 0;
    }
    if (++calls_this_step_ > max_calls_per_step_) return stop_looping_consumer(me);
    return true;
  }
  /// Out of line, so that the check above stays small enough to inline.
  [[gnu::noinline]] bool stop_looping_consumer(task_id me);

  // ---- trace ----
  // Views, not strings: an untraced run (nearly every run) builds no text for the trace.
  void note(task_id me, std::string_view operation, std::int64_t item_id, std::string_view outcome,
            std::string_view fault = {}) {
    if (trace_) add_event(me, operation, item_id, outcome, fault);
  }
  void add_event(task_id me, std::string_view operation, std::int64_t item_id,
                 std::string_view outcome, std::string_view fault);

  const workload& w_;
  sim::decision_source& decisions_;
  std::unique_ptr<work_queue> own_queue_;  // made by run_options::make_queue, for this run
  work_queue* queue_;                      // own_queue_, or the engine's reference queue
  consumer_fn consumer_;
  bool builtin_;  // no consumer_fn given: the workload's policy runs as builtin_consumer_task
  bool reference_queue_;  // no queue_factory given: queue_ is chaosq's reference queue
  // Threads mode: the queue's members take a lock, so the engine calls the ones that return no
  // task (task_done, put_nowait) from a thread of the consumer's or producer's task.
  bool threaded_;
  // Threads mode with chaosq's reference (queue.Queue): a call that cannot wait runs in the
  // actor's own coroutine after the lock's scheduling point, without a thread of its own.
  bool thread_reference_;
  // A thread pool under test (run_options::make_pool): queue_ is a pool_queue, its threads the
  // consumers.
  pool_queue* pool_ = nullptr;
  std::vector<task_id> worker_of_;  // by loop task id: the pool thread's task record, or none
  std::uint32_t pool_workers_ = 0;
  // What stops the run as no verdict can: a pool that ran a job on a producer's or a joiner's
  // own thread. Rethrown by `go` once the step is over, outside the pool's code.
  std::exception_ptr unsupported_;
  run_buffers& buffers_;  // the engine's, reused run after run
  std::vector<task_record>& tasks_ = buffers_.tasks;
  std::vector<actor>& actors_ = buffers_.actors;
  detail::ledger& ledger_ = buffers_.ledger;
  fault_plan& faults_ = buffers_.faults;
  judgement judge_;
  detail::oracles oracles_{ledger_, tasks_, *this, judge_};
  // Joiners that called join and have not returned from it (one ended by a fault in join stays
  // counted): check_join_late has nothing to look for while there are none.
  std::size_t joins_entered_ = 0;
  bool shut_down_ = false;
  step_no shutdown_step_ = 0;
  std::optional<queue::shutdown_mode> pending_shutdown_;
  std::string_view pending_origin_;
  bool in_step_ = false;
  std::uint64_t calls_step_ = 0;
  std::uint64_t calls_this_step_ = 0;
  // A consumer that handles every item within one step makes a few calls per item; many more
  // than that within one step means it loops without suspending.
  std::uint64_t max_calls_per_step_ =
      8 * static_cast<std::uint64_t>(w_.producers) * w_.items + 10'000;
  std::uint64_t const budget_ = step_budget_of(w_);
  // From here on, asyncio's order: a decided order that starves a ready task is no livelock.
  std::uint64_t const fair_from_ = fair_from_step(w_);
  std::optional<trace_recorder> trace_;
  std::optional<sync::runtime> threads_;  // threads mode: the run's decisions for chaosq::sync
  sim::loop loop_;  // last: destroyed first, while everything its frames touch is alive
};

}  // namespace chaosq::harness::detail

#include "chaosq/harness/engine.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <stdexcept>
#include <utility>

#include "chaosq/harness/observed.hpp"
#include "chaosq/queue/thread_queue.hpp"
#include "chaosq/sim/errors.hpp"
#include "chaosq/sync/sync.hpp"

#include "detail/explain.hpp"
#include "detail/report.hpp"
#include "detail/run.hpp"

namespace chaosq::harness {
namespace {

/// Room for every item a run of `w` can store at once, instead of growing from empty each run.
void reserve_for(queue::basic_queue<item>& q, const workload& w) {
  std::size_t const items = static_cast<std::size_t>(w.producers) * w.items;
  q.reserve(w.maxsize > 0 ? std::min(items, static_cast<std::size_t>(w.maxsize)) : items);
}

}  // namespace

std::unique_ptr<work_queue> make_reference_queue(const workload& w) {
  auto q = std::make_unique<detail::reference_queue>(w.kind, w.maxsize);
  reserve_for(q->underlying(), w);
  return q;
}

std::unique_ptr<work_queue> make_thread_reference_queue(const workload& w) {
  // A call still blocked when the run ends holds only the queue's lock and a waiter future.
  auto q = std::make_unique<thread_queue_adapter<queue::thread_queue<item>, sync::call_end::drop>>(
      w.kind, w.maxsize);
  q->underlying().reserve(static_cast<std::size_t>(w.producers) * w.items);
  return q;
}

namespace detail {
namespace {

std::unique_ptr<work_queue> make_pool_queue(const pool_factory& make, const workload& w,
                                            job_runner& runner) {
  return std::make_unique<pool_queue>(make, w, runner);
}

}  // namespace

/// The reference queue for a run of `w`: `q` reset (its storage kept), or made the first time.
reference_queue& renew_reference_queue(std::unique_ptr<reference_queue>& q, const workload& w) {
  if (q) {
    q->underlying().reset(w.kind, w.maxsize);
  } else {
    q = std::make_unique<reference_queue>(w.kind, w.maxsize);
  }
  reserve_for(q->underlying(), w);
  return *q;
}

engine_run::engine_run(const workload& w, sim::decision_source& decisions,
                       const run_options& options, run_buffers& buffers)
    : w_(w),
      decisions_(decisions),
      own_queue_(options.make_pool             ? make_pool_queue(options.make_pool, w, *this)
                 : options.make_queue          ? options.make_queue(w)
                 : w.mode == run_mode::threads ? make_thread_reference_queue(w)
                                               : nullptr),
      queue_(own_queue_ ? own_queue_.get() : &renew_reference_queue(buffers.reference, w)),
      consumer_(options.consumer),
      builtin_(!options.consumer),
      reference_queue_(!own_queue_),
      threaded_(w.mode == run_mode::threads),
      thread_reference_(threaded_ && !options.make_queue && !options.make_pool),
      pool_(options.make_pool ? static_cast<pool_queue*>(own_queue_.get()) : nullptr),
      buffers_(buffers),
      judge_(options.explain),
      loop_(decisions) {
  if (options.trace) trace_.emplace(options.trace_events);
  if (pool_) oracles_.judge_a_pool();
  if (threaded_) {
    if (!builtin_) {
      throw std::logic_error(
          "chaosq: threads mode runs the built-in consumers only (run_options::consumer is set)");
    }
    threads_.emplace(&decisions);
  }
  // Every task the run can add, so that none moves: coroutines hold references to theirs.
  std::size_t const per_slot = w.restarts > 0 ? 2 + static_cast<std::size_t>(w.restarts) : 1;
  // A pool's threads are its own: each gets a record when it runs its first job (no more of them
  // than there are jobs), and one more for a thread that dies before it ran any.
  std::size_t const max_tasks =
      w.producers + w.joiners +
      (pool_ ? static_cast<std::size_t>(w.producers) * w.items + 1 : w.consumers * per_slot);
  tasks_.clear();
  actors_.clear();
  tasks_.reserve(max_tasks);
  actors_.reserve(max_tasks);
  std::size_t const items = static_cast<std::size_t>(w.producers) * w.items;
  ledger_.start(w.kind, w.maxsize, items, judge_, tasks_, /*ordered=*/pool_ == nullptr);
  faults_.start(w, decisions, tasks_, max_tasks);
  // Room for a typical record (a schedule pick per step, a few faults and values per item).
  decisions_.reserve(decisions_.record().size() + 32 + 4 * items);
}

engine_run::~engine_run() {
  if (pool_) pool_->close();
}

void engine_run::go(run_report& report) {
  start_tasks();
  report.end = drive();
  if (unsupported_) std::rethrow_exception(unsupported_);
  if (pool_ && !judge_.failed() && report.end != run_end::step_budget) judge_pool_threads();
  if (!judge_.failed() && report.end != run_end::step_budget) {
    oracles_.at_end({queue_->unfinished_tasks(), queue_->qsize(), w_.maxsize, shut_down_,
                     shutdown_step_, w_.join_timeout_ms});
  }
  write_report(report, judge_, trace_, decisions_, loop_.steps(), tasks_.size());
}

/// A pool's thread that ended by an exception (its pool let a task's exception escape, or it
/// threw on its own) is a task-error: in a real program it is std::terminate, whatever the wait
/// does next. Every thread of the run is looked at, those that never ran a job too.
void engine_run::judge_pool_threads() {
  for (const sim::task_ref& t : loop_.tasks()) {
    if (t.outcome() != sim::task_outcome::failed) continue;
    task_id me = actor_of(t);
    if (me < tasks_.size() && tasks_[me].role != role::consumer) continue;  // a producer or joiner
    bool const ran_a_job = me < tasks_.size();
    if (!ran_a_job) {
      me = add_actor(role::consumer, pool_workers_++);
      actors_[me].task = t;
    }
    const task_record& r = tasks_[me];
    step_no const at = r.fault_step != 0 ? r.fault_step
                       : ran_a_job       ? ledger_[r.current.id].ack_step
                                         : loop_.steps();
    std::int64_t const item = ran_a_job ? static_cast<std::int64_t>(r.current.id) : -1;
    oracles_.task_error(r, raised_in::pool_thread, item, t.exception(),
                        {queue_->unfinished_tasks(), shut_down_}, at);
    return;
  }
}

void engine_run::start_tasks() {
  // The pool's own thread first: the oldest task, unwound last when the run ends.
  if (pool_) loop_.spawn(pool_->owner(), "pool");
  for (std::uint32_t i = 0; i < w_.producers; ++i) {
    task_id const me = add_actor(role::producer, i);
    actors_[me].task = loop_.spawn(producer(me), tasks_[me].name);
  }
  for (std::uint32_t i = 0; i < w_.consumers && !pool_; ++i) {
    if (w_.restarts > 0) {
      task_id const me = add_actor(role::supervisor, i);
      actors_[me].task = loop_.spawn(supervisor(me, i), tasks_[me].name);
    } else {
      task_id const me = add_actor(role::consumer, i);
      actors_[me].task = loop_.spawn(consumer_body(me), tasks_[me].name);
    }
  }
  for (std::uint32_t i = 0; i < w_.joiners; ++i) {
    task_id const me = add_actor(role::joiner, i);
    actors_[me].task = loop_.spawn(joiner(me), tasks_[me].name);
  }
}

/// Adds the task of role `r` in slot `slot`: p3, c1, j0, s2, or c1.2 for the second restart.
task_id engine_run::add_actor(role r, std::uint32_t slot, std::uint32_t generation) {
  assert(tasks_.size() < tasks_.capacity() && "tasks never move: see the constructor");
  task_record& t = tasks_.emplace_back();
  actors_.emplace_back();
  constexpr std::array<char, 4> prefixes = {'p', 'c', 'j', 's'};  // by role
  t.name += prefixes[static_cast<std::size_t>(r)];
  append_digits(t.name, slot);
  if (generation > 0) {
    t.name += '.';
    append_digits(t.name, generation);
  }
  t.role = r;
  faults_.add_task(t.name);
  return tasks_.size() - 1;
}

run_end engine_run::drive() {
  for (;;) {
    faults_.between_steps(*this, loop_.steps());
    if (pending_shutdown_) apply_pending_shutdown();
    if (judge_.failed()) return run_end::violation;
    bool const runnable = loop_.ready_count() > 0 || loop_.has_timers();
    if (loop_.steps() == fair_from_) loop_.use_asyncio_order();
    if (runnable && loop_.steps() >= budget_) {
      oracles_.step_budget_spent(budget_, loop_.steps());
      return run_end::step_budget;
    }
    in_step_ = true;
    bool const ran = loop_.step();
    in_step_ = false;
    if (ran && trace_) trace_new_waits();
    if (!ran) {
      // Nothing can run: control events still due take effect now, in step order.
      if (pending_shutdown_ && apply_pending_shutdown()) continue;
      if (faults_.apply_overdue_controls(*this)) continue;
      return loop_.live_tasks() == 0 ? run_end::complete : run_end::quiescent;
    }
    if (judge_.failed()) return run_end::violation;
    check_join_late();
    if (judge_.failed()) return run_end::violation;
  }
}

/// After a step, in traced runs: a get or put that the step left suspended is "waiting" in
/// the trace. What the queue under test did, seen from the loop, not what the reference
/// queue's full()/empty() would predict: a queue that overfills shows no wait it never made.
void engine_run::trace_new_waits() {
  for (task_id i = 0; i < actors_.size(); ++i) {
    actor& a = actors_[i];
    const task_record& t = tasks_[i];
    if (a.wait_traced || (t.act != activity::in_get && t.act != activity::in_put) ||
        !a.task.waiting())
      continue;
    a.wait_traced = true;
    bool const get = t.act == activity::in_get;
    trace_->push({loop_.steps(), t.name, get ? "get" : "put",
                  get ? -1 : static_cast<std::int64_t>(t.current.id), "waiting", ""});
  }
}

void engine_run::check_join_late() {
  if (joins_entered_ == 0 || queue_->unfinished_tasks() != 0) return;
  // A pool's wait is woken by its threads after the job ended: judged when nothing can run.
  if (pool_) return;
  // A joiner woken while a thread holds the queue's lock waits for the lock, not the count.
  if (threaded_ && queue_->in_use()) return;
  oracles_.join_late();
}

void engine_run::raise(task_id me, fault_kind kind) const {
  if (kind == fault_kind::cancel) throw sim::cancelled_error{};
  throw sim::injected_fault(tasks_[me].fault.text());
}

void engine_run::record_fault(task_id me, const struck_fault& f) {
  task_record& t = tasks_[me];
  t.fault = f;
  t.fault_step = now();
  faults_.struck(me);
  blame_held_item(t, f.kind);
  if (trace_) {
    note(me, name_of(f.kind), t.holding ? static_cast<std::int64_t>(t.current.id) : -1, "struck",
         t.fault.text());
  }
}

void engine_run::strike_waiting(task_id t, const struck_fault& f) {
  record_fault(t, f);
  if (f.kind == fault_kind::cancel) {
    actors_[t].task.cancel();
  } else {
    actors_[t].task.inject(std::make_exception_ptr(sim::injected_fault(tasks_[t].fault.text())));
  }
}

void engine_run::apply_control(const control_event& c) {
  switch (c.action) {
    case control_action::cancel:
      if (task_id const t = find_task(tasks_, c.task);
          t < tasks_.size() && !actors_[t].task.done()) {
        task_record& r = tasks_[t];
        r.fault = {fault_kind::cancel, fault_point::after_get, fault_origin::control_event};
        r.fault_step = now();
        blame_held_item(r, fault_kind::cancel);
        if (trace_) note(t, "cancel", -1, "requested", r.fault.text());
        actors_[t].task.cancel();
      }
      break;
    case control_action::shutdown_graceful:
      shutdown(queue::shutdown_mode::graceful, "control event");
      break;
    case control_action::shutdown_immediate:
      shutdown(queue::shutdown_mode::immediate, "control event");
      break;
  }
}

void engine_run::shutdown(queue::shutdown_mode mode, std::string_view origin) {
  if (threaded_ && queue_->in_use()) {
    pending_shutdown_ = mode;
    pending_origin_ = origin;
    return;
  }
  shutdown_now(mode, origin);
}

bool engine_run::apply_pending_shutdown() {
  if (queue_->in_use()) return false;
  queue::shutdown_mode const mode = *pending_shutdown_;
  pending_shutdown_.reset();
  shutdown_now(mode, pending_origin_);
  return true;
}

void engine_run::shutdown_now(queue::shutdown_mode mode, std::string_view origin) {
  shut_down_ = true;
  shutdown_step_ = now();
  bool const immediate = mode == queue::shutdown_mode::immediate;
  if (trace_) {
    trace_->push({now(), "engine", immediate ? "shutdown-immediate" : "shutdown", -1, "ok",
                  std::string(origin)});
  }
  queue_->shutdown(mode);
  if (immediate) ledger_.drain();
  ledger_.observe_count(queue_->unfinished_tasks(), now());
}

void engine_run::add_event(task_id me, std::string_view operation, std::int64_t item_id,
                           std::string_view outcome, std::string_view fault) {
  trace_->push({now(), tasks_[me].name, std::string(operation), item_id, std::string(outcome),
                std::string(fault)});
}

/// The state an `engine` keeps between runs.
struct engine_state {
  run_buffers buffers;
  run_report report;
  bool running = false;
};

}  // namespace detail

engine::engine() : state_(std::make_unique<detail::engine_state>()) {}
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;
engine::~engine() = default;

const run_report& engine::run(const workload& w, sim::decision_source& decisions,
                              const run_options& options) {
  assert(validate(w).empty());
  detail::engine_state& s = *state_;
  assert(!s.running && "an engine runs one workload at a time");
  s.running = true;
  struct done {
    bool& running;
    ~done() { running = false; }
  } const guard{s.running};
  if (w.mode == run_mode::python) {
    if (!options.program) {
      throw std::logic_error("chaosq: mode python runs a Python program (" + w.program.text +
                             "): its runner must be given as run_options::program");
    }
    observed_run r(w, decisions, options, s.report);
    options.program(r);
    if (!r.finished())
      throw std::logic_error("chaosq: the runner of " + w.program.text + " returned unfinished");
    return s.report;
  }
  {
    detail::engine_run r(w, decisions, options, s.buffers);
    r.go(s.report);  // sets every field of the report
  }
  return s.report;
}

bool engine::busy() const noexcept { return state_->running; }

run_report run(const workload& w, sim::decision_source& decisions, const run_options& options) {
  // One engine per thread keeps its buffers from call to call; a run started from inside a run
  // (a consumer that runs a workload itself) gets an engine of its own.
  thread_local engine spare;
  if (spare.busy()) {
    engine own;
    return own.run(w, decisions, options);
  }
  return spare.run(w, decisions, options);
}

run_report replay(const workload& w, std::span<const std::uint32_t> decisions,
                  const run_options& options) {
  sim::replay_decisions source(decisions);
  return run(w, source, options);
}

}  // namespace chaosq::harness

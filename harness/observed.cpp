#include "chaosq/harness/observed.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <utility>
#include <vector>

#include "chaosq/harness/trace.hpp"

#include "detail/fault_plan.hpp"
#include "detail/judgement.hpp"
#include "detail/ledger.hpp"
#include "detail/oracles.hpp"
#include "detail/report.hpp"
#include "detail/tasks.hpp"

namespace chaosq::harness {
namespace detail {

namespace {

bool waiting_act(activity a) noexcept {
  return a == activity::in_get || a == activity::in_put || a == activity::in_join;
}

/// Tasks a run reserves room for: the fault plan's cursors grow past it as tasks are added.
constexpr std::size_t k_usual_tasks = 16;

}  // namespace

/// One observed run: the engine's ledger, oracles and fault plan, fed by the runner's events
/// instead of the engine's own actors. The names of the engine's members are kept where they do
/// the same (engine_run in run.hpp), so that the two read alike.
struct observed_state final : task_liveness {
  observed_state(const workload& w, sim::decision_source& d, const run_options& options,
                 run_report& r)
      : w_(w), decisions_(d), report_(r), judge_(options.explain) {
    if (options.trace) trace_.emplace(options.trace_events);
    tasks_.reserve(k_usual_tasks);
    ledger_.start(w.kind, 0, 0, judge_, tasks_);
    faults_.start(w, decisions_, tasks_, k_usual_tasks);
  }

  // ---- task_liveness, and the fault plan's host ----
  [[nodiscard]] bool ended(task_id t) const noexcept override { return ended_[t]; }
  [[nodiscard]] bool waiting(task_id t) const noexcept override {
    return waiting_act(tasks_[t].act) && !woken_[t] && !ended_[t];
  }
  [[nodiscard]] bool shut_down() const noexcept { return shut_down_; }
  void apply_control(const control_event& /*c*/) {
    assert(false && "validate() refuses control events in mode python");
  }
  void strike_waiting(task_id t, const struck_fault& f) {
    record_fault(t, f);
    actions_.push_back({f.kind == fault_kind::cancel ? observed_action::kind::cancel
                                                     : observed_action::kind::crash,
                        static_cast<observed_task>(t), false});
  }
  void shutdown(queue::shutdown_mode mode, std::string_view origin) {
    bool const immediate = mode == queue::shutdown_mode::immediate;
    actions_.push_back({observed_action::kind::shutdown, 0, immediate});
    record_shutdown(immediate, origin);
  }

  [[nodiscard]] step_no now() const noexcept { return steps_ + (in_step_ ? 0 : 1); }

  void record_fault(task_id t, const struck_fault& f) {
    task_record& r = tasks_[t];
    r.fault = f;
    r.fault_step = now();
    faults_.struck(t);
    for (std::uint32_t id : held_[t]) ledger_.blame_holder(id, f.kind);
    if (trace_) {
      add_event(t, name_of(f.kind),
                held_[t].empty() ? std::int64_t{-1} : std::int64_t{held_[t].front()}, "struck",
                f.text());
    }
  }

  void record_shutdown(bool immediate, std::string_view origin) {
    shut_down_ = true;
    shutdown_step_ = now();
    if (trace_) {
      trace_->push({now(), "loop", immediate ? "shutdown-immediate" : "shutdown", -1, "ok",
                    std::string(origin)});
    }
    if (immediate) {
      // asyncio's shutdown(immediate=True) takes every item out and lowers the count by one for
      // each (not below zero).
      auto const drained = static_cast<std::int64_t>(ledger_.shadow().size());
      ledger_.drain();
      ledger_.observe_count(std::max<std::int64_t>(ledger_.last_count() - drained, 0), now());
    }
  }

  void add_event(task_id t, std::string_view operation, std::int64_t item, std::string_view outcome,
                 std::string_view fault = {}) {
    trace_->push({now(), tasks_[t].name, std::string(operation), item, std::string(outcome),
                  std::string(fault)});
  }

  /// `t` is no longer waiting (its wait ended one way or another).
  void leave_wait(task_id t) {
    task_record& r = tasks_[t];
    if (r.act == activity::in_join) --joins_entered_;
    if (waiting_act(r.act)) r.act = activity::idle;
  }

  const workload& w_;
  sim::decision_source& decisions_;
  run_report& report_;
  judgement judge_;
  std::vector<task_record> tasks_;
  std::vector<bool> ended_;
  std::vector<bool> woken_;
  /// Per task, the items it took and nobody acknowledged yet, in the order it took them.
  std::vector<std::vector<std::uint32_t>> held_;
  /// Per task, the last item of its own it acknowledged, if it took none since (else -1).
  std::vector<std::int64_t> own_acked_;
  std::vector<std::int64_t> count_at_join_;
  std::vector<std::string> where_;
  ledger ledger_;
  oracles oracles_{ledger_, tasks_, *this, judge_};
  fault_plan faults_;
  std::optional<trace_recorder> trace_;
  std::vector<observed_action> actions_;
  std::int64_t last_acked_ = -1;
  std::uint64_t steps_ = 0;
  bool in_step_ = false;
  std::size_t joins_entered_ = 0;
  bool queue_made_ = false;
  std::int64_t maxsize_ = 0;  // the program's queue's maxsize, for the stranded producer's message
  bool shut_down_ = false;
  step_no shutdown_step_ = 0;
  std::uint32_t join_timeout_ms_ = 0;  // the last join deadline that expired
  bool finished_ = false;
};

}  // namespace detail

using detail::activity;
using detail::role;
using detail::task_id;

observed_run::observed_run(const workload& w, sim::decision_source& decisions,
                           const run_options& options, run_report& report)
    : state_(std::make_unique<detail::observed_state>(w, decisions, options, report)) {
  if (w.mode != run_mode::python)
    throw std::logic_error("chaosq: an observed run needs a workload of mode python");
}

observed_run::~observed_run() = default;

std::uint32_t observed_run::pick_ready(std::span<const std::uint32_t> ready) {
  return state_->decisions_.pick_ready(ready);
}

std::uint32_t observed_run::choose(std::uint32_t n) {
  return state_->decisions_.choose(n, decision_tag::value);
}

observed_task observed_run::add_task(std::string name) {
  detail::observed_state& s = *state_;
  detail::task_record& r = s.tasks_.emplace_back();
  r.name = std::move(name);
  r.role = role::supervisor;  // no role until it uses the queue
  r.act = activity::idle;
  s.faults_.add_task(r.name);
  s.ended_.push_back(false);
  s.woken_.push_back(false);
  s.held_.emplace_back();
  s.own_acked_.push_back(-1);
  s.count_at_join_.push_back(0);
  s.where_.emplace_back();
  return static_cast<observed_task>(s.tasks_.size() - 1);
}

void observed_run::task_ended(observed_task t) {
  state_->ended_[t] = true;
  state_->leave_wait(t);
}

void observed_run::woken(observed_task t) { state_->woken_[t] = true; }

void observed_run::suspended_at(observed_task t, std::string_view where) {
  state_->where_[t] = where;
}

void observed_run::begin_step(observed_task /*t*/) {
  ++state_->steps_;
  state_->in_step_ = true;
}

bool observed_run::end_step(std::optional<std::int64_t> reported) {
  detail::observed_state& s = *state_;
  s.in_step_ = false;
  std::int64_t const count = reported.value_or(s.ledger_.last_count());
  if (s.queue_made_) s.ledger_.observe_count(count, s.steps_);
  if (!s.judge_.failed() && s.joins_entered_ > 0 && count == 0) s.oracles_.join_late();
  return !s.judge_.failed();
}

std::span<const observed_action> observed_run::between_steps() {
  detail::observed_state& s = *state_;
  s.actions_.clear();
  s.faults_.between_steps(s, s.steps_);
  return s.actions_;
}

std::optional<fault_kind> observed_run::visit(observed_task t, fault_point p) {
  detail::observed_state& s = *state_;
  std::optional<detail::struck_fault> const f = s.faults_.visit(t, p, s.tasks_[t]);
  if (!f) return std::nullopt;
  s.record_fault(t, *f);
  return f->kind;
}

std::uint64_t observed_run::step_budget() const noexcept { return step_budget_of(state_->w_); }

std::uint64_t observed_run::steps() const noexcept { return state_->steps_; }

bool observed_run::tracing() const noexcept { return state_->trace_.has_value(); }

void observed_run::queue_made(queue::queue_kind kind, std::int64_t maxsize) {
  detail::observed_state& s = *state_;
  s.queue_made_ = true;
  s.maxsize_ = maxsize;
  // Python's PriorityQueue orders by the program's own comparisons, which the ledger cannot
  // know: it judges FIFO and LIFO order only.
  s.ledger_.start(kind, maxsize, 0, s.judge_, s.tasks_, kind != queue::queue_kind::priority);
}

std::uint32_t observed_run::new_item() { return state_->ledger_.make_item(); }

void observed_run::begin_wait(observed_task t, wait_kind k) {
  detail::observed_state& s = *state_;
  detail::task_record& r = s.tasks_[t];
  switch (k) {
    case wait_kind::get:
      r.role = role::consumer;
      r.act = activity::in_get;
      r.holding = false;
      s.faults_.begin_wait(t, fault_point::in_get);
      break;
    case wait_kind::put:
      if (r.role != role::consumer) r.role = role::producer;
      r.act = activity::in_put;
      s.faults_.begin_wait(t, fault_point::in_put);
      break;
    case wait_kind::join:
      r.act = activity::in_join;
      s.faults_.begin_wait(t, fault_point::in_join);
      break;
  }
  r.wait_step = s.now();
  s.woken_[t] = false;
  if (s.trace_ && k != wait_kind::join) {
    s.add_event(t, k == wait_kind::get ? "get" : "put", -1, "waiting");
  }
}

void observed_run::end_wait(observed_task t) { state_->leave_wait(t); }

void observed_run::put(observed_task t, std::uint32_t item_id, std::int64_t count) {
  detail::observed_state& s = *state_;
  detail::task_record& r = s.tasks_[t];
  if (r.role == role::supervisor) r.role = role::producer;
  if (r.act == activity::in_put) r.act = activity::idle;
  r.current = item{0, item_id};
  if (s.ledger_.put(t, item{0, item_id}, s.now(), count) && s.trace_)
    s.add_event(t, "put", item_id, "ok");
}

void observed_run::got(observed_task t, std::uint32_t item_id, std::int64_t count) {
  detail::observed_state& s = *state_;
  detail::task_record& r = s.tasks_[t];
  r.role = role::consumer;
  r.act = activity::processing;
  r.current = item{0, item_id};
  r.holding = true;
  r.acked_current = false;
  s.held_[t].push_back(item_id);
  s.own_acked_[t] = -1;
  s.faults_.new_item(t);
  s.ledger_.observe_count(count, s.now());
  if (s.ledger_.got(t, item{0, item_id}, s.now()) && s.trace_) s.add_event(t, "get", item_id, "ok");
}

std::int64_t observed_run::acked(observed_task t, std::int64_t count, bool refused) {
  detail::observed_state& s = *state_;
  // task_done names no item: the oldest the acknowledging task holds; else, if it acknowledged
  // an item of its own and took none since, that item again (a retry that acknowledges each
  // attempt); else the one held longest by any task (a helper or a supervisor acknowledging for
  // another task); else the last one acknowledged (an acknowledgement too many).
  std::int64_t id = -1;
  std::vector<std::uint32_t>* from = nullptr;
  if (!s.held_[t].empty()) {
    from = &s.held_[t];
  } else if (s.own_acked_[t] >= 0) {
    id = s.own_acked_[t];
  } else {
    detail::step_no earliest = UINT64_MAX;
    for (std::vector<std::uint32_t>& held : s.held_) {
      if (!held.empty() && s.ledger_[held.front()].got_step < earliest) {
        earliest = s.ledger_[held.front()].got_step;
        from = &held;
      }
    }
  }
  if (from != nullptr) {
    id = from->front();
    from->erase(from->begin());
  } else if (id < 0) {
    id = s.last_acked_;
  }
  if (id < 0) {
    // task_done before any get: nothing it could acknowledge.
    s.ledger_.observe_count(count, s.now());
    if (s.trace_) s.add_event(t, "task_done", -1, refused ? "ValueError" : "ok");
    if (refused || count < 0) {
      s.judge_.fail(verdict_kind::over_ack_task_done_error,
                    s.tasks_[t].name + " called task_done at step " + std::to_string(s.now()) +
                        " before any item was taken" + (refused ? " (it raised ValueError)" : ""),
                    {s.now()});
    }
    return -1;
  }
  auto const uid = static_cast<std::uint32_t>(id);
  s.last_acked_ = id;
  if (s.ledger_[uid].got && s.ledger_[uid].got_by == t) s.own_acked_[t] = id;
  detail::task_record& r = s.tasks_[t];
  if (r.holding && r.current.id == uid) r.acked_current = true;
  if (s.ledger_.acked(t, item{0, uid}, s.now(), count, refused) && s.trace_)
    s.add_event(t, "task_done", id, refused ? "ValueError" : "ok");
  return id;
}

void observed_run::join_called(observed_task t, std::int64_t count) {
  detail::observed_state& s = *state_;
  detail::task_record& r = s.tasks_[t];
  r.role = role::joiner;
  r.act = activity::in_join;
  ++s.joins_entered_;
  r.join_step = s.now();
  r.zeros_at_call = s.ledger_.zeros().size();
  r.unacked_at_call.clear();
  if (count == 0) r.unacked_at_call = s.ledger_.unacked_items();
  s.count_at_join_[t] = count;
  if (count > 0) begin_wait(t, wait_kind::join);
  if (s.trace_) {
    s.add_event(
        t, "join", -1,
        count == 0 ? "returns at once" : "waiting (unfinished=" + std::to_string(count) + ")");
  }
}

void observed_run::join_returned(observed_task t) {
  detail::observed_state& s = *state_;
  detail::task_record& r = s.tasks_[t];
  if (r.act != activity::in_join) return;  // its wait ended already (cancelled)
  r.act = activity::idle;
  --s.joins_entered_;
  if (s.trace_) s.add_event(t, "join", -1, "returned");
  s.oracles_.join_returned(r, s.count_at_join_[t] == 0, s.now());
}

void observed_run::join_timed_out(observed_task t, std::uint32_t after_ms) {
  detail::observed_state& s = *state_;
  s.join_timeout_ms_ = after_ms;
  detail::task_record& r = s.tasks_[t];
  if (r.act == activity::in_join) --s.joins_entered_;
  r.act = activity::join_timed_out;
  r.timeout_step = s.now();
  if (s.trace_) {
    s.add_event(t, "join", -1,
                "timeout: cancelled by wait_for after " + std::to_string(after_ms) + " ms");
  }
}

void observed_run::shutdown(bool immediate, std::string_view origin) {
  state_->record_shutdown(immediate, origin);
}

void observed_run::task_error(observed_task t, std::string_view text) {
  detail::observed_state& s = *state_;
  if (s.judge_.failed()) return;
  if (s.trace_) s.add_event(t, "raised", -1, text);
  s.judge_.fail(verdict_kind::task_error_consumer_raised,
                s.tasks_[t].name + " ended at step " + std::to_string(s.now()) + " by " +
                    std::string(text) + ", which no fault injected",
                {s.now()});
}

bool observed_run::queue_raised(observed_task t, std::string_view call, std::int64_t item,
                                std::string_view text) {
  std::optional<detail::raised_in> const where =
      parse_name<detail::raised_in>(call == "get_nowait" ? std::string_view("get") : call);
  if (!where || *where == detail::raised_in::consumer || *where == detail::raised_in::pool_thread)
    return false;
  detail::observed_state& s = *state_;
  if (s.judge_.failed()) return true;
  if (s.trace_) s.add_event(t, call, item, "raised " + std::string(text));
  s.oracles_.task_error(s.tasks_[t], *where, item,
                        std::make_exception_ptr(program_exception(std::string(text))),
                        {s.ledger_.last_count(), s.shut_down_}, s.now());
  return true;
}

void observed_run::note(observed_task t, std::string_view operation, std::int64_t item_id,
                        std::string_view outcome) {
  if (state_->trace_) state_->add_event(t, operation, item_id, outcome);
}

void observed_run::finish(run_end end, const observed_queue_state& queue) {
  detail::observed_state& s = *state_;
  assert(!s.finished_ && "an observed run finishes once");
  s.finished_ = true;
  s.in_step_ = false;
  if (end == run_end::step_budget && !s.judge_.failed())
    s.oracles_.step_budget_spent(step_budget(), s.steps_);
  if (!s.judge_.failed() && end != run_end::step_budget) {
    s.oracles_.at_end({queue.count, queue.qsize, s.maxsize_, queue.shut_down, s.shutdown_step_,
                       s.join_timeout_ms_});
  }
  if (s.trace_) {
    // Where each task still alive was suspended when the run ended: what a hang points at.
    for (task_id t = 0; t < s.tasks_.size(); ++t) {
      if (!s.ended_[t] && !s.where_[t].empty()) s.add_event(t, "suspended", -1, s.where_[t]);
    }
  }
  s.report_.end = end;
  detail::write_report(s.report_, s.judge_, s.trace_, s.decisions_, s.steps_, s.tasks_.size());
}

bool observed_run::finished() const noexcept { return state_->finished_; }

}  // namespace chaosq::harness

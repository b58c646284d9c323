// The workload's tasks as coroutines on the deterministic loop: producers, consumers (a user's
// consumer_fn through consumer_context, or a built-in policy on the no-throw fast path),
// supervisors and joiners. They report what they do to the ledger, the fault plan and the
// oracles as events.

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/event.hpp"
#include "chaosq/sync/sync.hpp"

#include "detail/explain.hpp"
#include "detail/policy.hpp"
#include "detail/run.hpp"

namespace chaosq::harness::detail {

// ---- events to the ledger ----

void engine_run::on_get(task_id c, const item& it) {
  // A queue whose put suspends after storing lets a getter take the item before put returns:
  // the item was put when it was stored, so record the put now. (The unbounded reference
  // queue stores with put_nowait, in the producer's own step: nothing to look for.)
  if (!reference_queue_ || w_.maxsize > 0) {
    for (task_id p = 0; p < actors_.size(); ++p) {
      if (actors_[p].putting && tasks_[p].current.id == it.id && it.id < ledger_.size() &&
          !ledger_[it.id].put) {
        on_put(p, it);
        actors_[p].putting = true;
      }
    }
  }
  if (reference_queue_) {
    // The reference get never changes the count, observed at each of its changes.
    assert(queue_->unfinished_tasks() == ledger_.last_count());
  } else {
    ledger_.observe_count(queue_->unfinished_tasks(), now());
  }
  if (ledger_.got(c, it, now())) note(c, "get", it.id, "ok");
}

void engine_run::ack(task_id c, const item& it) {
  bool refused = false;
  try {
    queue_->task_done();
  } catch (const queue::task_done_error&) {
    refused = true;
    // The reference refuses only when nothing is unfinished (the over-ack oracle judges
    // that); a refusal beside unfinished work is the queue's own error.
    if (queue_->unfinished_tasks() > 0)
      task_error(c, raised_in::task_done, it.id, std::current_exception());
  } catch (...) {
    task_error(c, raised_in::task_done, it.id, std::current_exception());
    throw;  // it ends the consumer, as any exception out of task_done does
  }
  task_record& t = tasks_[c];
  if (t.holding && t.current.id == it.id && ledger_.was_put(it.id)) t.acked_current = true;
  if (ledger_.acked(c, it, now(), queue_->unfinished_tasks(), refused))
    note(c, "ack", it.id, refused ? "ValueError" : "ok");
}

void engine_run::task_error(task_id me, raised_in where, std::int64_t item,
                            const std::exception_ptr& error) {
  if (judge_.failed()) return;  // the first violation wins; what follows from it is no news
  if (trace_) note(me, name_of(where), item, "raised " + exception_text(error));
  oracles_.task_error(tasks_[me], where, item, error, {queue_->unfinished_tasks(), shut_down_},
                      now());
}

bool engine_run::stop_looping_consumer(task_id me) {
  oracles_.no_suspension(tasks_[me], max_calls_per_step_, now());
  return false;
}

sim::task<bool> engine_run::thread_turn() {
  co_await sim::yield();
  co_return !queue_->in_use();
}

// ---- producers ----

sim::task<void> engine_run::producer(task_id me) {
  task_record& a = tasks_[me];
  actor& self = actors_[me];
  // A fault before a put ends the producer as if checkpoint() had thrown it, without the throw;
  // so does a fault or a cancellation that ends its wait in put (handed back as a value).
  std::optional<fault_kind> struck;
  sim::raised interrupted;
  try {
    for (std::uint32_t n = 0; n < w_.items; ++n) {
      a.act = activity::idle;
      struck = visit_point(me, fault_point::before_put);
      if (struck) break;
      item it{0, ledger_.make_item()};
      if (w_.kind == queue::queue_kind::priority)
        it.priority = decisions_.choose(4, decision_tag::value);
      a.current = it;
      self.putting = true;
      if (w_.put == put_mode::blocking) {
        a.act = activity::in_put;
        self.wait_traced = false;
        if (w_.maxsize > 0 && queue_->qsize() >= static_cast<std::size_t>(w_.maxsize) &&
            !shut_down_)
          begin_wait(me, fault_point::in_put);
        bool at_once = reference_queue_ && !reference_full();
        if (thread_reference_) at_once = co_await thread_turn() && !reference_full();
        if (at_once) {
          // The reference put stores at once when there is room: skip its coroutine frame (in
          // threads mode, its thread: the turn taken above is the lock's scheduling point).
          queue_->put_nowait(it);
        } else {
          if (thread_reference_) sync::skip_first_point_of_next_call();  // taken above
          sim::raised r = co_await queue_->put(it).settled();
          if (r.kind) {
            if (a.fault_step == 0) put_raised(me, r.error);
            interrupted = std::move(r);
            break;
          }
          if (r) std::rethrow_exception(std::move(r.error));  // what put raised itself
        }
      } else {
        for (;;) {
          if (reference_queue_ && !shut_down_ && reference_full()) {
            // What the reference's put_nowait would raise, without raising it.
            note(me, "put_nowait", it.id, "QueueFull");
          } else {
            try {
              if (thread_reference_ && co_await thread_turn()) {
                queue_->put_nowait(it);
              } else if (threaded_) {
                if (thread_reference_) sync::skip_first_point_of_next_call();
                co_await sync::blocking_call([this, &it] { queue_->put_nowait(it); },
                                             sync::call_faults::defer);
              } else {
                queue_->put_nowait(it);
              }
              break;
            } catch (const queue::queue_full&) {
              if (full_by_the_ledger()) {
                note(me, "put_nowait", it.id, "QueueFull");
              } else {
                task_error(me, raised_in::put_nowait, it.id, std::current_exception());
              }
            }
          }
          co_await sim::yield();
        }
      }
      on_put(me, it);
    }
  } catch (const queue::queue_shut_down&) {
    if (shut_down_) {
      note(me, "put", -1, "QueueShutDown");
    } else {
      put_raised(me);
    }
  } catch (...) {
    // A producer ends at the first fault that strikes it: one struck never raised on its own.
    // (Told by the record, not by the exception's type: matching types costs every strike.)
    if (a.fault_step == 0) put_raised(me);
    a.act = activity::finished;
    throw;
  }
  a.act = activity::finished;
  if (struck) {
    co_await sim::exit_with(a.fault.exception(), *struck == fault_kind::cancel
                                                     ? sim::error_kind::cancellation
                                                     : sim::error_kind::failure);
  } else if (interrupted) {
    co_await sim::exit_with(std::move(interrupted));
  }
}

/// QueueShutDown escaped consumer `me`'s get: its normal end once the queue is shut down.
void engine_run::get_shut_down(task_id me) {
  if (shut_down_) {
    note(me, "get", -1, "QueueShutDown");
  } else {
    get_raised(me);
  }
}

/// The exception being handled escaped consumer `me`'s get: a task-error.
void engine_run::get_raised(task_id me) {
  task_error(me, raised_in::get, -1, std::current_exception());
}

/// An exception the contract does not allow escaped producer `me`'s put (or put_nowait).
void engine_run::put_raised(task_id me) { put_raised(me, std::current_exception()); }

void engine_run::put_raised(task_id me, const std::exception_ptr& error) {
  task_error(me, w_.put == put_mode::blocking ? raised_in::put : raised_in::put_nowait,
             tasks_[me].current.id, error);
}

// ---- consumers through consumer_context ----

sim::task<void> engine_run::consumer(task_id me) {
  consumer_context ctx(*this, me);
  // What ends the consumer early, handed on without a second throw (sim::exit_with).
  std::exception_ptr error;
  sim::error_kind kind = sim::error_kind::failure;
  try {
    co_await consumer_(ctx);
  } catch (const queue::queue_shut_down&) {
    // the queue shut down: the consumer's normal end (one raised early was judged at its call)
  } catch (const run_stopped&) {
    // the run is over
  } catch (const sim::cancelled_error&) {
    error = std::current_exception();
    kind = sim::error_kind::cancellation;
  } catch (const sim::injected_fault&) {
    error = std::current_exception();
  } catch (...) {
    error = std::current_exception();
    const task_record& t = tasks_[me];
    task_error(me, raised_in::consumer, t.holding ? static_cast<std::int64_t>(t.current.id) : -1,
               error);
  }
  if (error) {
    co_await sim::exit_with(std::move(error), kind);
    co_return;
  }
  tasks_[me].holding = false;
  tasks_[me].act = activity::finished;
}

sim::task<item> engine_run::get(std::size_t me) {
  guard_consumer_call(me);
  start_get(me);
  item it;
  std::exception_ptr error;
  sim::error_kind kind = sim::error_kind::failure;
  try {
    it = co_await queue_->get();
  } catch (const queue::queue_shut_down&) {
    if (shut_down_) {
      note(me, "get", -1, "QueueShutDown");
    } else {
      task_error(me, raised_in::get, -1, std::current_exception());
    }
    error = std::current_exception();
  } catch (const sim::cancelled_error&) {
    error = std::current_exception();
    kind = sim::error_kind::cancellation;
  } catch (const sim::injected_fault&) {
    error = std::current_exception();
  } catch (...) {
    error = std::current_exception();
    task_error(me, raised_in::get, -1, error);
  }
  if (error) {
    co_await sim::exit_with(std::move(error), kind);
    co_return item{};
  }
  took(me, it);
  co_return it;
}

/// A consumer calls get: it holds nothing now, and waits if the queue is empty.
void engine_run::start_get(task_id me) {
  task_record& a = tasks_[me];
  a.holding = false;
  a.act = activity::in_get;
  actors_[me].wait_traced = false;
  if (queue_->qsize() == 0 && !shut_down_) begin_wait(me, fault_point::in_get);
}

/// A consumer's get returned `it`.
void engine_run::took(task_id me, const item& it) {
  task_record& a = tasks_[me];
  a.act = activity::processing;
  a.current = it;
  a.holding = true;
  a.acked_current = false;
  faults_.new_item(me);
  on_get(me, it);
}

/// Processing one item: k suspension points, each a place a fault may strike.
sim::task<void> engine_run::process(std::size_t me, item it) {
  guard_consumer_call(me);
  pass_checkpoint(me, fault_point::after_get);
  for (std::uint32_t k = 0; k < w_.work_steps; ++k) {
    co_await sim::yield();
    pass_checkpoint(me, fault_point::mid_item);
  }
  note(me, "process", it.id, "done");
  pass_checkpoint(me, fault_point::before_ack);
}

// ---- the built-in consumers, without exceptions ----
//
// A built-in policy runs here exactly as `builtin_consumer(policy)` runs through
// consumer_context (both follow detail::react), except that a fault comes back as a value
// instead of a thrown exception: throwing an injected crash cost five unwinds per crash, most
// of the engine's time. Each step below names the consumer_context call it stands for.

/// Why a built-in consumer stops early; empty while it goes on.
struct engine_run::stop {
  enum class why : std::uint8_t { none, ended, raised } reason = why::none;
  std::exception_ptr error;  // raised: what the consumer_context version would throw
  sim::error_kind kind = sim::error_kind::failure;
  bool injected = false;  // raised: an injected_fault (the `twice` policy catches those)

  explicit operator bool() const noexcept { return reason != why::none; }
  [[nodiscard]] bool ended_early() const noexcept { return reason == why::ended; }
  /// The consumer's normal end: the queue shut down, or `run_stopped`.
  static stop ended() { return stop{why::ended, nullptr, sim::error_kind::failure, false}; }
  static stop raised(std::exception_ptr e, sim::error_kind kind, bool injected) {
    return stop{why::raised, std::move(e), kind, injected};
  }
  /// The fault `visit_point` reported, as the exception `raise` would throw.
  static stop struck(const task_record& t, fault_kind kind) {
    if (kind == fault_kind::cancel)
      return raised(t.fault.exception(), sim::error_kind::cancellation, false);
    return raised(t.fault.exception(), sim::error_kind::failure, true);
  }
};

/// Consumer `me`'s get was ended by `r`, a cancellation or a fault raised at its wait: what
/// the catch clauses below make of the same exception, without throwing it.
engine_run::stop engine_run::got_interrupted(task_id me, sim::raised r) {
  const task_record& a = tasks_[me];
  if (*r.kind == sim::error_kind::cancellation)
    return stop::raised(std::move(r.error), sim::error_kind::cancellation, false);
  // Unless it is the crash that struck it waiting here, the queue raised it.
  if (a.fault_step == 0 || a.fault.point != fault_point::in_get)
    task_error(me, raised_in::get, -1, r.error);
  return stop::raised(std::move(r.error), sim::error_kind::failure, false);
}

/// The consumer task of a built-in policy: `consumer(me)` running `builtin_consumer(policy)`.
sim::task<void> engine_run::builtin_consumer_task(task_id me) {
  task_record& a = tasks_[me];
  // `ctx.task_done(it)`.
  auto const acknowledge = [this](task_id t, const item& it) {
    if (!consumer_call_allowed(t)) return stop::ended();
    ack(t, it);
    return stop{};
  };
  // The same from the consumer's thread (threads mode: task_done takes the queue's lock).
  auto const threaded_ack = [&acknowledge](task_id t, const item& it) {
    return sync::blocking_call([&acknowledge, t, &it] { return acknowledge(t, it); },
                               sync::call_faults::defer);
  };
  // A consumer passing fault point `point` without suspending: the guard, then the point.
  auto const pass_point = [this](task_id t, fault_point point) {
    if (!consumer_call_allowed(t)) return stop::ended();
    if (std::optional<fault_kind> const kind = visit_point(t, point))
      return stop::struck(tasks_[t], *kind);
    return stop{};
  };
  stop end;
  while (!end) {
    // ctx.get()
    if (!consumer_call_allowed(me)) {
      end = stop::ended();
      break;
    }
    start_get(me);
    item it;
    try {
      bool at_once = reference_queue_ && queue_->qsize() > 0;
      if (thread_reference_) at_once = co_await thread_turn() && queue_->qsize() > 0;
      if (at_once) {
        // The reference get takes at once when an item is stored: skip its coroutine frame.
        it = queue_->get_nowait();
      } else {
        if (thread_reference_) sync::skip_first_point_of_next_call();  // taken above
        sim::result<item> got = co_await queue_->get().settled();
        if (got.value) {
          it = *got.value;
        } else if (got.error.kind) {
          // A cancellation or a fault that ended its wait, handed back without a throw.
          end = got_interrupted(me, std::move(got.error));
        } else {
          std::rethrow_exception(std::move(got.error.error));  // what get raised itself
        }
      }
    } catch (const queue::queue_shut_down&) {
      get_shut_down(me);
      end = stop::ended();
    } catch (const sim::cancelled_error&) {
      end = stop::raised(std::current_exception(), sim::error_kind::cancellation, false);
    } catch (...) {
      end = stop::raised(std::current_exception(), sim::error_kind::failure, false);
      // Unless it is the crash that struck it waiting here (told by the record, not by the
      // type: matching types costs every strike), the queue raised it: QueueEmpty from a woken
      // getter that took without looking again, or any other error.
      if (a.fault_step == 0 || a.fault.point != fault_point::in_get) get_raised(me);
    }
    if (end) break;
    took(me, it);

    if (acks_before_work(w_.policy)) {
      // (An if, not `?:`: g++ 12 runs both arms of a conditional holding a co_await.)
      if (thread_reference_ && co_await thread_turn()) {
        end = acknowledge(me, it);
      } else if (threaded_) {
        if (thread_reference_) sync::skip_first_point_of_next_call();
        end = co_await threaded_ack(me, it);
      } else {
        end = acknowledge(me, it);
      }
      if (!end) end = pass_point(me, fault_point::after_ack);
      if (end) break;
    }
    // ctx.process(it), inline rather than a coroutine of its own (one frame less per item),
    // once per attempt; then what the policy does with its outcome.
    for (std::uint32_t attempt = 0;; ++attempt) {
      stop s = pass_point(me, fault_point::after_get);
      for (std::uint32_t k = 0; !s && k < w_.work_steps; ++k) {
        try {
          co_await sim::yield();
        } catch (const sim::cancelled_error&) {
          s = stop::raised(std::current_exception(), sim::error_kind::cancellation, false);
        } catch (const sim::injected_fault&) {
          s = stop::raised(std::current_exception(), sim::error_kind::failure, true);
        } catch (...) {
          s = stop::raised(std::current_exception(), sim::error_kind::failure, false);
        }
        if (s) break;
        if (std::optional<fault_kind> const kind = visit_point(me, fault_point::mid_item))
          s = stop::struck(a, *kind);
      }
      if (!s) {
        // the end of ctx.process(it), after its last suspension
        note(me, "process", it.id, "done");
        if (std::optional<fault_kind> const kind = visit_point(me, fault_point::before_ack))
          s = stop::struck(a, *kind);
      }
      // What the policy does with the attempt's outcome: detail::react, as consumer.cpp.
      attempt_end const ended = !s           ? attempt_end::done
                                : s.injected ? attempt_end::crashed
                                             : attempt_end::failed;
      reaction const r = react(w_.policy, ended, attempt);
      if (r.ack) {
        // a run_stopped in task_done wins over what the attempt raised
        stop acked;
        if (thread_reference_ && co_await thread_turn()) {
          acked = acknowledge(me, it);
        } else if (threaded_) {
          if (thread_reference_) sync::skip_first_point_of_next_call();
          acked = co_await threaded_ack(me, it);
        } else {
          acked = acknowledge(me, it);
        }
        if (acked) s = std::move(acked);
      }
      if (r.next == then::retry && !s.ended_early()) {
        note(me, "retry", it.id, "after crash");
        continue;
      }
      if (!s && passes_after_ack(r)) s = pass_point(me, fault_point::after_ack);
      end = std::move(s);
      break;
    }
  }
  if (end.reason == stop::why::ended) {
    a.holding = false;
    a.act = activity::finished;
    co_return;
  }
  co_await sim::exit_with(std::move(end.error), end.kind);
}

// ---- a thread pool's jobs ----

task_id engine_run::pool_worker() {
  sim::detail::task_state* const self = sim::detail::current();
  if (self->id_ >= worker_of_.size()) worker_of_.resize(self->id_ + 1, no_worker);
  task_id& me = worker_of_[self->id_];
  if (me != no_worker) return me;
  sim::task_ref const thread(self);
  if (task_id const a = actor_of(thread); a < tasks_.size()) {
    // A producer's or joiner's own thread (a pool thread has a record from its first job on).
    // Not a verdict about the pool: a job on the thread that submits or waits is one chaosq
    // cannot tell from that thread's own work.
    if (!unsupported_) {
      unsupported_ = std::make_exception_ptr(std::logic_error(
          "chaosq: the thread pool ran a job on " + tasks_[a].name +
          "'s own thread (inline in submit, or helping in wait): chaosq judges pools whose own "
          "threads run the jobs"));
    }
    return no_worker;
  }
  me = add_actor(role::consumer, pool_workers_++);
  actors_[me].task = thread;
  return me;
}

void engine_run::run_job(const item& it) {
  task_id const me = pool_worker();
  if (me == no_worker) return;
  took(me, it);
  std::optional<fault_kind> struck = visit_point(me, fault_point::after_get);
  for (std::uint32_t k = 0; !struck && k < w_.work_steps; ++k) {
    sync::this_thread::yield();
    struck = visit_point(me, fault_point::mid_item);
  }
  if (!struck) {
    note(me, "process", it.id, "done");
    struck = visit_point(me, fault_point::before_ack);
  }
  // Finished, by returning or by the fault it is about to throw: either way the pool's wait
  // must count it.
  ack(me, it);
  task_record& t = tasks_[me];
  t.holding = false;
  t.act = activity::idle;
  if (struck) raise(me, *struck);
}

// ---- supervisors and joiners ----

sim::task<void> engine_run::supervisor(task_id me, std::uint32_t slot) {
  for (std::uint32_t generation = 0;; ++generation) {
    task_id const worker = add_actor(role::consumer, slot, generation);
    auto h = loop_.spawn(consumer_body(worker), tasks_[worker].name);
    actors_[worker].task = h;
    tasks_[me].act = activity::supervising;
    try {
      co_await h;
      break;
    } catch (const sim::injected_fault&) {
      if (generation == w_.restarts) break;
      if (trace_) note(me, "restart", -1, tasks_[worker].name + " crashed");
    } catch (const sim::cancelled_error&) {
      break;
    }
  }
  tasks_[me].act = activity::finished;
}

/// Joiner `me`'s join on a queue under test, judged: join never raises but an injected fault
/// or a cancellation. (The reference's, which never does, runs without this frame.)
sim::task<void> engine_run::judged_join(task_id me) {
  try {
    co_await queue_->join();
  } catch (const sim::cancelled_error&) {
    throw;
  } catch (const sim::injected_fault&) {
    throw;
  } catch (...) {
    task_error(me, raised_in::join, -1, std::current_exception());
    throw;
  }
}

sim::task<void> engine_run::joiner(task_id me) {
  task_record& a = tasks_[me];
  if (w_.join_when == join_when::after_producers) {
    a.act = activity::waiting_producers;
    // Wait for each producer to end, however it ends (even cancelled before it started);
    // unlike awaiting the task itself, this never passes a cancellation on to the producer.
    // (By index: supervisors add actors meanwhile. Producers are the first actors.)
    for (std::size_t i = 0; i < w_.producers; ++i) {
      sim::future ended;
      actors_[i].task.notify_when_done(ended);
      co_await ended;
    }
  }
  a.act = activity::in_join;
  ++joins_entered_;
  a.join_step = now();
  a.zeros_at_call = ledger_.zeros().size();
  std::int64_t const count = queue_->unfinished_tasks();
  if (count == 0) a.unacked_at_call = ledger_.unacked_items();
  if (count > 0) begin_wait(me, fault_point::in_join);
  if (trace_) {
    note(me, "join", -1,
         // (A pool's wait is its own code: it may wait although nothing is unfinished.)
         count == 0 && !pool_ ? "returns at once"
                              : "waiting (unfinished=" + std::to_string(count) + ")");
  }
  if (w_.join_timeout_ms == 0) {
    // A fault or a cancellation that ends the wait ends the joiner, handed on without a throw
    // (it stays counted in joins_entered_, as any joiner ended in join).
    if (sim::raised r = co_await join_call(me).settled()) {
      co_await sim::exit_with(std::move(r));
      co_return;
    }
  } else {
    // The health check of the incident: asyncio.wait_for(queue.join(), T). At the deadline
    // the join is cancelled and the joiner gives up; the end of the run still judges the work
    // it waited for.
    try {
      co_await sim::wait_for(join_call(me), std::chrono::milliseconds{w_.join_timeout_ms});
    } catch (const sim::timeout_error&) {
      a.act = activity::join_timed_out;
      a.timeout_step = now();
      --joins_entered_;
      if (trace_) {
        note(me, "join", -1,
             "timeout: cancelled by wait_for after " + std::to_string(w_.join_timeout_ms) +
                 " ms (unfinished=" + std::to_string(queue_->unfinished_tasks()) + ")");
      }
      co_return;
    }
  }
  a.act = activity::finished;
  --joins_entered_;
  note(me, "join", -1, "returned");
  oracles_.join_returned(a, count == 0, now());
}

}  // namespace chaosq::harness::detail

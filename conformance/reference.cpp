#include "chaosq/conformance/reference.hpp"

#include <exception>
#include <string_view>
#include <typeinfo>

#include "chaosq/queue/errors.hpp"
#include "chaosq/sim/errors.hpp"

namespace chaosq::conformance {
namespace {

/// CPython's name for the exception a queue operation or task ended with.
std::string python_name(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const queue::queue_empty&) {
    return std::string(queue::queue_empty::k_python_name);
  } catch (const queue::queue_full&) {
    return std::string(queue::queue_full::k_python_name);
  } catch (const queue::queue_shut_down&) {
    return std::string(queue::queue_shut_down::k_python_name);
  } catch (const queue::task_done_error&) {
    return std::string(queue::task_done_error::k_python_name);
  } catch (const sim::cancelled_error&) {
    return "CancelledError";
  } catch (const std::exception& other) {
    // No Python exception has this name, so the logs differ and the divergence shows it.
    return std::string("<C++ ") + typeid(other).name() + ": " + other.what() + ">";
  } catch (...) {
    return "<unknown C++ exception>";
  }
}

/// Runs a synchronous queue operation: its result, or the name of what it raised.
template <class Op>
std::string result_of(Op op) {
  try {
    return op();
  } catch (const queue::queue_error&) {
    return python_name(std::current_exception());
  }
}

}  // namespace

reference_coverage& reference_coverage::operator+=(const reference_coverage& other) {
  programs += other.programs;
  steps += other.steps;
  idle_steps += other.idle_steps;
  steps_cancelled += other.steps_cancelled;
  steps_shut_down += other.steps_shut_down;
  cancels_fresh += other.cancels_fresh;
  cancels_waiting += other.cancels_waiting;
  cancels_woken += other.cancels_woken;
  cancels_done += other.cancels_done;
  queue_full += other.queue_full;
  queue_empty += other.queue_empty;
  value_errors += other.value_errors;
  shutdowns += other.shutdowns;
  programs_with_shutdown += other.programs_with_shutdown;
  return *this;
}

reference_run::reference_run(queue::queue_kind kind, std::int64_t maxsize)
    : queue_text_(to_string(program{kind, maxsize, {}})),
      queue_(kind, static_cast<std::ptrdiff_t>(maxsize)) {
  queue_text_.pop_back();  // the '\n'
  coverage_.programs = 1;
}

std::string reference_run::queue_line() const { return queue_text_ + " -> ok" + observation(); }

task_phase reference_run::phase(std::size_t k) const {
  const spawned& t = tasks_.at(k);
  if (t.ref.done()) return task_phase::done;
  if (t.ref.waiting()) return task_phase::waiting;
  return t.stepped ? task_phase::woken : task_phase::unstarted;
}

std::string reference_run::state_of(const spawned& t) const {
  switch (t.ref.outcome()) {
    case sim::task_outcome::running:
      return "pending";
    case sim::task_outcome::cancelled:
      return "cancelled";
    case sim::task_outcome::failed:
      return "raised " + python_name(t.ref.exception());
    case sim::task_outcome::returned:
      return t.get ? "ok " + std::to_string(t.get->result()) : std::string("ok");
  }
  return "?";
}

queue_observation reference_run::observe_queue() const {
  queue_observation o;
  o.items.assign(queue_.items().begin(), queue_.items().end());
  o.unfinished = queue_.unfinished_tasks();
  o.getters = queue_.getter_count();
  o.putters = queue_.putter_count();
  o.finished = queue_.finished();
  o.shut_down = queue_.is_shut_down();
  return o;
}

queue_observation reference_run::observe() const {
  queue_observation o = observe_queue();
  o.ready = loop_.ready_count();
  for (std::size_t k = 0; k < tasks_.size(); ++k) {
    o.tasks.push_back(state_of(tasks_[k]));
    o.phases.push_back(phase(k));
  }
  return o;
}

std::string reference_run::observation() const {
  return " | " + queue_text(observe_queue()) + "\n";
}

std::string reference_run::log_line(const operation& op, std::string_view result) const {
  return to_string(op) + " -> " + std::string(result) + observation();
}

std::string reference_run::spawn(sim::task_ref ref, std::optional<sim::task_handle<int>> get) {
  tasks_.push_back({ref, get, false});
  return "t" + std::to_string(tasks_.size() - 1);
}

std::string reference_run::apply(const operation& op) {
  std::string result;
  switch (op.code) {
    case op_code::spawn_get: {
      auto h = loop_.spawn(queue_.get());
      result = spawn(h, h);
      break;
    }
    case op_code::spawn_put:
      result = spawn(loop_.spawn(queue_.put(static_cast<int>(op.arg))), std::nullopt);
      break;
    case op_code::spawn_join:
      result = spawn(loop_.spawn(queue_.join()), std::nullopt);
      break;
    case op_code::put_nowait:
      result = result_of([&] {
        queue_.put_nowait(static_cast<int>(op.arg));
        return std::string("ok");
      });
      if (result == queue::queue_full::k_python_name) ++coverage_.queue_full;
      break;
    case op_code::get_nowait:
      result = result_of([&] { return std::to_string(queue_.get_nowait()); });
      if (result == queue::queue_empty::k_python_name) ++coverage_.queue_empty;
      break;
    case op_code::task_done:
      result = result_of([&] {
        queue_.task_done();
        return std::string("ok");
      });
      if (result == queue::task_done_error::k_python_name) ++coverage_.value_errors;
      break;
    case op_code::cancel: {
      auto const k = static_cast<std::size_t>(op.arg);
      switch (phase(k)) {
        case task_phase::unstarted:
          ++coverage_.cancels_fresh;
          break;
        case task_phase::waiting:
          ++coverage_.cancels_waiting;
          break;
        case task_phase::woken:
          ++coverage_.cancels_woken;
          break;
        case task_phase::done:
          ++coverage_.cancels_done;
          break;
      }
      result = tasks_[k].ref.cancel() ? "true" : "false";
      break;
    }
    case op_code::shutdown:
    case op_code::shutdown_immediate:
      queue_.shutdown(op.code == op_code::shutdown_immediate ? queue::shutdown_mode::immediate
                                                             : queue::shutdown_mode::graceful);
      ++coverage_.shutdowns;
      coverage_.programs_with_shutdown = 1;
      result = "ok";
      break;
    case op_code::step: {
      ++coverage_.steps;
      // `step()` resumes the task asyncio would run next: the one `next_ready()` names.
      sim::task_ref const next = loop_.next_ready();
      if (next == sim::task_ref{}) {
        ++coverage_.idle_steps;
        result = "idle";
        break;
      }
      loop_.step();
      spawned& t = tasks_.at(next.id());
      t.stepped = true;
      result = "t" + std::to_string(next.id()) + " " + state_of(t);
      if (t.ref.cancelled()) ++coverage_.steps_cancelled;
      if (t.ref.outcome() == sim::task_outcome::failed &&
          result.ends_with(queue::queue_shut_down::k_python_name))
        ++coverage_.steps_shut_down;
      break;
    }
  }
  return result;
}

std::string reference_run::end_line() const {
  std::string out = "end";
  for (std::size_t k = 0; k < tasks_.size(); ++k) {
    out += " t" + std::to_string(k) + "=" + state_of(tasks_[k]);
  }
  return out + "\n";
}

std::string run_on_reference(const program& p, reference_coverage* coverage) {
  reference_run run(p.kind, p.maxsize);
  std::string out = run.queue_line();
  for (const operation& op : p.ops) {
    std::string const result = run.apply(op);
    out += run.log_line(op, result);
  }
  out += run.end_line();
  if (coverage != nullptr) *coverage += run.coverage();
  return out;
}

}  // namespace chaosq::conformance

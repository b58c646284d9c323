#include "chaosq/conformance/queue_model.hpp"

#include <algorithm>
#include <cassert>
#include <string_view>
#include <utility>

#include "chaosq/queue/errors.hpp"

namespace chaosq::conformance {
namespace {

std::string task_name(std::size_t k) { return "t" + std::to_string(k); }

// What a put to, or a get from an empty, shut-down queue raises.
std::string shut_down_error() { return std::string(queue::queue_shut_down::k_python_name); }

// CPython's heapq._siftdown and _siftup, written from Lib/heapq.py: PriorityQueue's storage
// order (and the order of equal keys) is the heap array's.
void heap_siftdown(std::vector<int>& heap, std::size_t startpos, std::size_t pos) {
  int const newitem = heap[pos];
  while (pos > startpos) {
    std::size_t const parentpos = (pos - 1) >> 1U;
    int const parent = heap[parentpos];
    if (newitem < parent) {
      heap[pos] = parent;
      pos = parentpos;
      continue;
    }
    break;
  }
  heap[pos] = newitem;
}

void heap_siftup(std::vector<int>& heap, std::size_t pos) {
  std::size_t const endpos = heap.size();
  std::size_t const startpos = pos;
  int const newitem = heap[pos];
  std::size_t childpos = 2 * pos + 1;
  while (childpos < endpos) {
    std::size_t const rightpos = childpos + 1;
    if (rightpos < endpos && !(heap[childpos] < heap[rightpos])) childpos = rightpos;
    heap[pos] = heap[childpos];
    pos = childpos;
    childpos = 2 * pos + 1;
  }
  heap[pos] = newitem;
  heap_siftdown(heap, startpos, pos);
}

void erase_value(std::vector<std::uint32_t>& line, std::uint32_t value) {
  auto it = std::find(line.begin(), line.end(), value);
  if (it != line.end()) line.erase(it);
}

}  // namespace

queue_model::queue_model(queue::queue_kind kind, std::int64_t maxsize)
    : kind_(kind), maxsize_(maxsize) {}

std::string queue_model::apply(const operation& op) {
  switch (op.code) {
    case op_code::spawn_get:
    case op_code::spawn_put:
    case op_code::spawn_join: {
      task_rec t;
      t.what = op.code == op_code::spawn_get   ? body::get
               : op.code == op_code::spawn_put ? body::put
                                               : body::join;
      t.value = static_cast<int>(op.arg);
      tasks_.push_back(std::move(t));
      auto const id = static_cast<std::uint32_t>(tasks_.size() - 1);
      schedule(id);  // create_task: appended to the ready queue, runs on a later step
      return task_name(id);
    }
    case op_code::put_nowait:
      return put_nowait(static_cast<int>(op.arg));
    case op_code::get_nowait: {
      int got = 0;
      std::string result = get_nowait(&got);
      return result.empty() ? std::to_string(got) : result;
    }
    case op_code::task_done:
      return task_done();
    case op_code::cancel:
      return cancel(static_cast<std::size_t>(op.arg));
    case op_code::shutdown:
    case op_code::shutdown_immediate:
      shutdown(op.code == op_code::shutdown_immediate);
      return "ok";
    case op_code::step:
      return step();
  }
  return "?";
}

task_phase queue_model::phase(std::size_t task) const {
  const task_rec& t = tasks_.at(task);
  if (t.end != outcome::running) return task_phase::done;
  if (!t.scheduled) return task_phase::waiting;
  return t.started ? task_phase::woken : task_phase::unstarted;
}

queue_observation queue_model::observe() const {
  queue_observation o;
  o.items = items_;
  o.unfinished = unfinished_;
  o.getters = getters_.size();
  o.putters = putters_.size();
  o.finished = finished_;
  o.shut_down = shut_down_;
  o.ready = ready_.size();
  for (std::size_t k = 0; k < tasks_.size(); ++k) {
    o.tasks.push_back(state_text(tasks_[k]));
    o.phases.push_back(phase(k));
  }
  return o;
}

std::string queue_model::state_text(const task_rec& t) const {
  switch (t.end) {
    case outcome::running:
      return "pending";
    case outcome::returned:
      return t.what == body::get ? "ok " + std::to_string(t.value) : std::string("ok");
    case outcome::cancelled:
      return "cancelled";
    case outcome::raised:
      return "raised " + t.raised;
  }
  return "?";
}

// Storage hooks: _put and _get of Queue, LifoQueue and PriorityQueue.

void queue_model::add(int item) {
  items_.push_back(item);
  if (kind_ == queue::queue_kind::priority) heap_siftdown(items_, 0, items_.size() - 1);
}

int queue_model::take() {
  assert(!items_.empty());
  int item = 0;
  switch (kind_) {
    case queue::queue_kind::fifo:
      item = items_.front();
      items_.erase(items_.begin());
      break;
    case queue::queue_kind::lifo:
      item = items_.back();
      items_.pop_back();
      break;
    case queue::queue_kind::priority: {
      int const last = items_.back();
      items_.pop_back();
      if (items_.empty()) return last;
      item = items_.front();
      items_.front() = last;
      heap_siftup(items_, 0);
      break;
    }
  }
  return item;
}

// Queue methods (Lib/asyncio/queues.py), each in CPython's order of checks.

std::string queue_model::put_nowait(int item) {
  if (shut_down_) return shut_down_error();
  if (full()) return std::string(queue::queue_full::k_python_name);
  add(item);
  ++unfinished_;
  finished_ = false;
  wakeup_next(getters_);
  return "ok";
}

/// Empty string and `*got` on success; the exception name otherwise.
std::string queue_model::get_nowait(int* got) {
  if (empty()) {
    return std::string(shut_down_ ? queue::queue_shut_down::k_python_name
                                  : queue::queue_empty::k_python_name);
  }
  *got = take();
  wakeup_next(putters_);
  return {};
}

std::string queue_model::task_done() {
  if (unfinished_ <= 0) {
    ++coverage_.value_errors;
    return std::string(queue::task_done_error::k_python_name);
  }
  if (--unfinished_ == 0) set_finished();
  return "ok";
}

void queue_model::shutdown(bool immediate) {
  shut_down_ = true;
  if (immediate) {
    while (!empty()) {
      static_cast<void>(take());
      if (unfinished_ > 0) --unfinished_;
    }
    if (unfinished_ == 0) set_finished();
  }
  std::size_t const before = ready_.size();
  wake_all(getters_);
  wake_all(putters_);
  coverage_.shutdown_wakeups += static_cast<std::uint32_t>(ready_.size() - before);
}

// Task.cancel(): a task suspended on a pending future has the future cancelled now (which
// schedules it); otherwise (never run, or woken and not yet resumed) it is flagged and raises
// CancelledError when it next runs.
std::string queue_model::cancel(std::size_t task) {
  assert(task < tasks_.size());
  task_rec& t = tasks_[task];
  if (t.end != outcome::running) return "false";
  switch (phase(task)) {
    case task_phase::unstarted:
      ++coverage_.cancels_unstarted;
      break;
    case task_phase::waiting:
      ++coverage_.cancels_waiting;
      break;
    case task_phase::woken:
      ++coverage_.cancels_woken;
      break;
    case task_phase::done:
      break;
  }
  if (t.on && futures_[*t.on].state == future_state::pending) {
    complete(*t.on, future_state::cancelled);
    return "true";
  }
  t.cancel_requested = true;
  return "true";
}

std::string queue_model::step() {
  if (ready_.empty()) return "idle";
  std::uint32_t const id = ready_.front();
  ready_.erase(ready_.begin());
  task_rec& t = tasks_[id];
  t.scheduled = false;
  if (!t.started && t.cancel_requested) {
    // Cancelled before its first step: the coroutine never runs.
    t.started = true;
    finish(t, outcome::cancelled);
  } else {
    t.started = true;
    resume(id);
  }
  return task_name(id) + " " + state_text(tasks_[id]);
}

void queue_model::resume(std::uint32_t id) {
  task_rec& t = tasks_[id];
  if (!t.on) return run_body(id);

  std::uint32_t const f = *t.on;
  t.on.reset();
  // At the await: a pending cancellation is raised first, then a cancelled future raises.
  bool interrupted = false;
  if (t.cancel_requested) {
    t.cancel_requested = false;
    interrupted = true;
  } else if (futures_[f].state == future_state::cancelled) {
    interrupted = true;
  }
  // However the wait ends, its future leaves the line it may still be in.
  if (t.line == line_kind::joiners) {
    erase_value(joiners_, f);
    if (interrupted) return finish(t, outcome::cancelled);
    if (unfinished_ > 0) ++coverage_.join_quirks;
    return finish(t, outcome::returned);  // join does not look at the count again
  }
  std::vector<std::uint32_t>& line = line_of(t.line);
  if (interrupted) {
    // The bare `except:` around `await getter` (putter alike): cancel the future (a no-op, it
    // is done), remove it, pass a wake-up on if it had one and the queue can serve the next.
    if (futures_[f].state == future_state::pending) futures_[f].state = future_state::cancelled;
    erase_value(line, f);
    bool const can_proceed = t.line == line_kind::getters ? !empty() : !full();
    if (can_proceed && futures_[f].state != future_state::cancelled) {
      ++coverage_.wake_passed_on;
      wakeup_next(line);
    }
    return finish(t, outcome::cancelled);
  }
  erase_value(line, f);
  run_body(id);  // woken: look again
}

void queue_model::run_body(std::uint32_t id) {
  task_rec& t = tasks_[id];
  switch (t.what) {
    case body::get: {
      if (empty()) {
        if (shut_down_) return finish(t, outcome::raised, shut_down_error());
        return suspend(id, line_kind::getters);
      }
      int got = 0;
      std::string const error = get_nowait(&got);
      assert(error.empty());
      t.value = got;
      return finish(t, outcome::returned);
    }
    case body::put: {
      if (full()) {
        if (shut_down_) return finish(t, outcome::raised, shut_down_error());
        return suspend(id, line_kind::putters);
      }
      std::string const result = put_nowait(t.value);
      if (result != "ok") return finish(t, outcome::raised, result);
      return finish(t, outcome::returned);
    }
    case body::join:
      // `if unfinished: await finished.wait()`, and Event.wait returns at once when set.
      if (unfinished_ > 0 && !finished_) return suspend(id, line_kind::joiners);
      return finish(t, outcome::returned);
  }
}

void queue_model::suspend(std::uint32_t id, line_kind line) {
  task_rec& t = tasks_[id];
  if (t.waited) ++coverage_.rewaits;  // woken, found nothing, back in line at the end
  t.waited = true;
  auto const f = static_cast<std::uint32_t>(futures_.size());
  futures_.push_back({future_state::pending, id});
  line_of(line).push_back(f);
  t.on = f;
  t.line = line;
  // A cancellation requested while it ran cancels the future it blocks on (asyncio __step).
  if (t.cancel_requested) {
    t.cancel_requested = false;
    complete(f, future_state::cancelled);
  }
}

void queue_model::finish(task_rec& t, outcome how, std::string raised) {
  t.end = how;
  t.raised = std::move(raised);
  t.cancel_requested = false;
}

std::vector<std::uint32_t>& queue_model::line_of(line_kind line) {
  switch (line) {
    case line_kind::getters:
      return getters_;
    case line_kind::putters:
      return putters_;
    case line_kind::joiners:
      return joiners_;
  }
  return getters_;
}

// ---- loop and future mechanics ----

void queue_model::schedule(std::uint32_t task) {
  task_rec& t = tasks_[task];
  assert(!t.scheduled && "a task is in the ready queue at most once");
  t.scheduled = true;
  ready_.push_back(task);
}

void queue_model::complete(std::uint32_t future, future_state how) {
  assert(futures_[future].state == future_state::pending);
  futures_[future].state = how;
  schedule(futures_[future].waiter);
}

// Queue._wakeup_next: pop waiters from the front, drop those already done, resolve the first
// pending one.
void queue_model::wakeup_next(std::vector<std::uint32_t>& line) {
  while (!line.empty()) {
    std::uint32_t const f = line.front();
    line.erase(line.begin());
    if (futures_[f].state == future_state::pending) {
      complete(f, future_state::done);
      return;
    }
  }
}

void queue_model::wake_all(std::vector<std::uint32_t>& line) {
  while (!line.empty()) {
    std::uint32_t const f = line.front();
    line.erase(line.begin());
    if (futures_[f].state == future_state::pending) complete(f, future_state::done);
  }
}

// Event.set: wakes every waiter still pending; the futures stay in the event's list until their
// tasks resume.
void queue_model::set_finished() {
  if (finished_) return;
  finished_ = true;
  for (std::uint32_t const f : joiners_)
    if (futures_[f].state == future_state::pending) complete(f, future_state::done);
}

}  // namespace chaosq::conformance

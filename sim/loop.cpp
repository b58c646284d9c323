#include "chaosq/sim/loop.hpp"

#include <algorithm>
#include <cassert>

namespace chaosq::sim {
namespace {

thread_local detail::task_state* t_current = nullptr;

bool is_cancellation(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const cancelled_error&) {
    return true;
  } catch (...) {
    return false;
  }
}

bool timer_later(const auto& a, const auto& b) {
  return a.when != b.when ? a.when > b.when : a.id > b.id;
}

/// What a task sees at a resume point: a pending cancellation wins over an injected fault.
raised pending_interrupt(detail::task_state& t) {
  if (t.cancel_requested_) {
    t.cancel_requested_ = false;
    return detail::cancellation();
  }
  if (t.fault_) return {std::exchange(t.fault_, nullptr), error_kind::failure};
  return {};
}

void raise_pending_interrupt(detail::task_state& t) {
  if (t.cancel_requested_) {
    t.cancel_requested_ = false;
    throw cancelled_error{};
  }
  if (t.fault_) std::rethrow_exception(std::exchange(t.fault_, nullptr));
}

}  // namespace

// ---- future ---------------------------------------------------------------------------------

void future::complete(state s) noexcept {
  assert(pending() && "a future completes once");
  state_ = s;
  if (waiter_ != nullptr) detail::wake(*waiter_);
}

void future::throw_cancelled() { throw cancelled_error{}; }

error_kind raised::classify() const {
  if (kind) return *kind;
  return is_cancellation(error) ? error_kind::cancellation : error_kind::failure;
}

namespace detail {

task_state* current() noexcept { return t_current; }

void wake(task_state& t) { t.owner_->schedule(t); }

void suspend_on(future& f, std::coroutine_handle<> resume_point) {
  task_state* t = t_current;
  assert(t != nullptr && "futures are awaited from inside a task");
  assert(f.waiter_ == nullptr && "one task waits on a future at a time");
  f.waiter_ = t;
  t->waiting_future_ = &f;
  t->resume_point_ = resume_point;
  // A task cancelled while running cancels the future it then blocks on (asyncio __step).
  if (t->cancel_requested_ && f.cancel()) t->cancel_requested_ = false;
}

void resume_from(future& f) {
  task_state& t = *t_current;
  f.waiter_ = nullptr;
  t.waiting_future_ = nullptr;
  t.waiting_task_ = nullptr;
  raise_pending_interrupt(t);
  if (f.cancelled()) throw cancelled_error{};
}

raised settle_from(future& f) {
  task_state& t = *t_current;
  f.waiter_ = nullptr;
  t.waiting_future_ = nullptr;
  t.waiting_task_ = nullptr;
  if (raised r = pending_interrupt(t)) return r;
  if (f.cancelled()) return cancellation();
  return {};
}

raised cancellation() {
  // One exception object shared by every cancellation on this thread: nobody changes a
  // cancelled_error (it has no state), and making one per cancellation was an allocation.
  thread_local std::exception_ptr const shared = std::make_exception_ptr(cancelled_error{});
  return {shared, error_kind::cancellation};
}

void suspend_yield(std::coroutine_handle<> resume_point) {
  task_state* t = t_current;
  assert(t != nullptr && "yield() is awaited from inside a task");
  t->resume_point_ = resume_point;
  t->owner_->schedule(*t);
}

void resume_from_yield() { raise_pending_interrupt(*t_current); }

bool task_state::cancel() {
  if (outcome_ != task_outcome::running) return false;
  if (waiting_task_ != nullptr && waiting_task_->cancel()) return true;
  if (waiting_future_ != nullptr && waiting_future_->cancel()) return true;
  cancel_requested_ = true;
  return true;
}

bool task_state::inject(std::exception_ptr fault) {
  if (outcome_ != task_outcome::running) return false;
  fault_ = std::move(fault);
  if (waiting_future_ != nullptr) waiting_future_->cancel();
  return true;
}

}  // namespace detail

// ---- loop -----------------------------------------------------------------------------------

namespace {

/// The containers of the last loop destroyed on this thread, kept for the next one: the engine
/// makes a loop per run and runs millions, and growing these from empty was a malloc each.
struct spare_containers {
  std::vector<std::unique_ptr<detail::task_state>> tasks;
  detail::ring<detail::task_state*> ready;
  std::vector<std::uint32_t> ready_ids;
};

spare_containers& spare() {
  thread_local spare_containers containers;
  return containers;
}

}  // namespace

loop::loop()
    : tasks_(std::move(spare().tasks)),
      ready_(std::move(spare().ready)),
      ready_ids_(std::move(spare().ready_ids)) {
  // Moved-from containers are valid but unspecified: make them empty, here and in the spare.
  tasks_.clear();
  ready_.clear();
  ready_ids_.clear();
  spare().ready.clear();
}

loop::loop(decision_source& decisions) : loop() { decisions_ = &decisions; }

loop::~loop() {
  // Destroy suspended frames newest first, while every task_state is still alive.
  for (auto it = tasks_.rbegin(); it != tasks_.rend(); ++it) {
    detail::task_state& t = **it;
    if (t.frame_) std::exchange(t.frame_, {}).destroy();
  }
  tasks_.clear();
  ready_.clear();
  spare_containers& s = spare();
  s.tasks = std::move(tasks_);
  s.ready = std::move(ready_);
  s.ready_ids = std::move(ready_ids_);
}

detail::task_state& loop::add_task(std::coroutine_handle<> frame, detail::promise_base& promise,
                                   std::string_view name) {
  if (tasks_.empty()) tasks_.reserve(8);  // most loops run a few tasks: grow once, not thrice
  auto id = static_cast<std::uint32_t>(tasks_.size());
  std::string const made_up = name.empty() ? "t" + std::to_string(id) : std::string();
  if (name.empty()) name = made_up;
  tasks_.push_back(std::make_unique<detail::task_state>(*this, id, name, frame, promise));
  ++live_;
  schedule(*tasks_.back());
  return *tasks_.back();
}

void loop::schedule(detail::task_state& t) {
  assert(!t.scheduled_ && "a task is in the ready set at most once");
  t.scheduled_ = true;
  ready_.push_back(&t);
}

std::vector<task_ref> loop::tasks() const {
  std::vector<task_ref> out;
  out.reserve(tasks_.size());
  for (const auto& t : tasks_) out.emplace_back(t.get());
  return out;
}

std::uint64_t loop::call_later(duration delay, std::function<void()> callback) {
  std::uint64_t const id = next_timer_id_++;
  timers_.push_back(timer{now_ + std::max(delay, duration{0}), id, std::move(callback)});
  std::push_heap(timers_.begin(), timers_.end(),
                 [](const timer& a, const timer& b) { return timer_later(a, b); });
  return id;
}

void loop::cancel_timer(std::uint64_t id) noexcept {
  auto it =
      std::find_if(timers_.begin(), timers_.end(), [id](const timer& t) { return t.id == id; });
  if (it == timers_.end()) {
    // Already in the ready queue: it keeps its place there and is skipped (asyncio's
    // `_run_once` skips a cancelled handle, which still counts towards the iteration).
    for (std::size_t i = fired_head_; i < fired_.size(); ++i) {
      if (fired_[i].id == id) fired_[i].callback = nullptr;
    }
    return;
  }
  timers_.erase(it);
  std::make_heap(timers_.begin(), timers_.end(),
                 [](const timer& a, const timer& b) { return timer_later(a, b); });
}

void loop::start_iteration() {
  auto later = [](const timer& a, const timer& b) { return timer_later(a, b); };
  // asyncio's select() sleeps until the first timer only when nothing is ready.
  if (ready_.empty() && !timers_.empty()) now_ = std::max(now_, timers_.front().when);
  while (!timers_.empty() && timers_.front().when <= now_) {
    std::pop_heap(timers_.begin(), timers_.end(), later);
    fired_.push_back(std::move(timers_.back()));
    timers_.pop_back();
    ready_.push_back(nullptr);
  }
  iteration_left_ = ready_.size();
}

void loop::run_front_timer() {
  assert(ready_[0] == nullptr && timers_ready() > 0);
  ready_.take(0);
  --iteration_left_;
  timer const due = std::move(fired_[fired_head_]);
  if (++fired_head_ == fired_.size()) {
    fired_.clear();
    fired_head_ = 0;
  }
  if (due.callback) due.callback();
}

bool loop::step() {
  for (;;) {
    if (iteration_left_ == 0) {
      if (ready_.empty() && timers_.empty()) return false;
      start_iteration();
    }
    if (ready_[0] != nullptr) break;
    run_front_timer();
  }
  std::size_t pick = 0;  // an index into ready_
  if (decisions_ != nullptr && ready_count() > 1) {
    ready_ids_.clear();
    if (timers_ready() == 0) {
      // Only tasks are ready (nearly always): the nth task is the nth entry.
      for (std::size_t i = 0; i < ready_.size(); ++i) ready_ids_.push_back(ready_[i]->id_);
      pick = decisions_->pick_ready(ready_ids_);
    } else {
      for (std::size_t i = 0; i < ready_.size(); ++i) {
        if (ready_[i] != nullptr) ready_ids_.push_back(ready_[i]->id_);
      }
      std::size_t const nth = decisions_->pick_ready(ready_ids_);
      for (std::size_t passed = 0;; ++pick) {  // the nth task, skipping timers
        if (ready_[pick] != nullptr && passed++ == nth) break;
      }
    }
  }
  if (pick < iteration_left_) --iteration_left_;
  detail::task_state& t = *ready_.take(pick);
  t.scheduled_ = false;
  ++steps_;

  if (!t.started_ && (t.cancel_requested_ || t.fault_)) {
    // Cancelled or crashed before its first step: the body never runs (asyncio throws into
    // the unstarted coroutine, which raises at once).
    t.started_ = true;
    t.outcome_ = t.cancel_requested_ ? task_outcome::cancelled : task_outcome::failed;
    if (t.outcome_ == task_outcome::failed) t.promise_->set_exception(t.fault_);
    finish(t);
    return true;
  }
  t.started_ = true;
  detail::task_state* const outer = std::exchange(t_current, &t);
  t.resume_point_.resume();
  t_current = outer;
  if (t.frame_.done()) {
    if (const auto& e = t.promise_->exception()) {
      bool const cancelled = t.promise_->exception_kind_known()
                                 ? t.promise_->exception_kind() == error_kind::cancellation
                                 : is_cancellation(e);
      t.outcome_ = cancelled ? task_outcome::cancelled : task_outcome::failed;
    } else {
      // Cancelled during the step in which its coroutine returned: asyncio still cancels it.
      t.outcome_ = t.cancel_requested_ ? task_outcome::cancelled : task_outcome::returned;
    }
    finish(t);
  }
  return true;
}

void loop::finish(detail::task_state& t) {
  --live_;
  t.cancel_requested_ = false;
  t.fault_ = nullptr;
  while (future* f = t.done_waiters_.pop_front()) {
    if (!f->done()) f->set_result();
  }
}

run_result loop::run(std::uint64_t max_steps) { return run_until(task_ref{}, max_steps); }

run_result loop::run_until(task_ref until, std::uint64_t max_steps) {
  std::uint64_t const start = steps_;
  for (;;) {
    if (until != task_ref{} && until.done()) return {run_status::stopped, steps_ - start};
    if (live_ == 0) return {run_status::complete, steps_ - start};
    if (ready_.empty() && timers_.empty()) return {run_status::quiescent, steps_ - start};
    if (steps_ - start >= max_steps) return {run_status::step_budget, steps_ - start};
    step();
  }
}

loop& running_loop() noexcept {
  assert(t_current != nullptr && "running_loop() is called from inside a task");
  return *t_current->owner_;
}

task<void> sleep(duration delay) {
  if (delay <= duration{0}) {
    co_await yield();
    co_return;
  }
  future wakeup;
  loop& l = running_loop();
  detail::timer_guard const guard(l, l.call_later(delay, [&wakeup] {
    if (!wakeup.done()) wakeup.set_result();
  }));
  co_await wakeup;
}

}  // namespace chaosq::sim

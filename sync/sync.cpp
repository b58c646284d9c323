#include "chaosq/sync/sync.hpp"

#include <stdexcept>
#include <string>

#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/raised.hpp"

namespace chaosq::sync {

namespace detail {

namespace {

thread_local runtime_state t_default_runtime;
thread_local runtime_state* t_runtime = &t_default_runtime;

/// Threads of the runs in progress on this thread: which fiber runs each task.
struct registered {
  std::uint32_t task;
  const fiber* body;
};
thread_local std::vector<registered> t_threads;

/// The first exception that ended a thread, for `sync::run`.
struct thread_failure {
  std::exception_ptr error;
  std::string thread;
};
thread_local thread_failure* t_failure = nullptr;

/// The task whose next blocking call skips its first scheduling point (`skip_first_point_...`).
thread_local const sim::detail::task_state* t_skip_point_of = nullptr;

class registration {
 public:
  registration(std::uint32_t task, const fiber& f) : task_(task) {
    t_threads.push_back({task, &f});
  }
  registration(const registration&) = delete;
  registration& operator=(const registration&) = delete;
  ~registration() {
    for (auto it = t_threads.begin(); it != t_threads.end(); ++it) {
      if (it->task == task_) {
        t_threads.erase(it);
        break;
      }
    }
  }

 private:
  std::uint32_t task_;
};

sim::task<void> thread_task(std::function<void()> body) {
  fiber f(std::move(body));
  sim::detail::task_state* self = sim::detail::current();
  registration const reg(self->id_, f);
  sim::raised r = co_await drive(f, false).settled();
  if (r) {
    if (t_failure != nullptr && !t_failure->error) {
      t_failure->error = r.error;
      t_failure->thread = self->name_;
    }
    co_await sim::exit_with(std::move(r));
  }
}

sim::loop& loop_of(const char* what) {
  if (sim::detail::current() == nullptr) {
    throw std::logic_error(std::string("chaosq::sync::") + what +
                           ": called outside every controlled thread (start one with "
                           "chaosq::sync::run or from a task of a sim::loop)");
  }
  return sim::running_loop();
}

}  // namespace

runtime_state& runtime() noexcept { return *t_runtime; }

fiber& require_thread(const char* what) {
  fiber* f = current_fiber();
  if (f == nullptr) {
    throw std::logic_error(std::string("chaosq::sync::") + what +
                           " would wait outside every controlled thread (no chaosq::sync::thread "
                           "is running here)");
  }
  return *f;
}

std::uint32_t choose(std::uint32_t n, sim::decision_source::tag what) {
  sim::decision_source* d = runtime().decisions;
  if (d == nullptr || n <= 1) return 0;
  fiber* f = current_fiber();
  if (f != nullptr && f->unwinding()) return 0;
  return d->choose(n, what);
}

void misuse(std::string what) { runtime().misuse.push_back(std::move(what)); }

bool unwound(fiber& self) {
  if (!self.unwinding()) return false;
  self.raise_delivered();  // raises fiber_unwind, unless a destructor runs for an exception
  return true;
}

void block_on(sim::future& f, const char* what) {
  fiber& self = require_thread(what);
  self.wait(f, what);
  self.raise_delivered();
}

bool block_on_for(sim::future& f, sim::duration d, const char* what) {
  fiber& self = require_thread(what);
  if (unwound(self)) return true;
  bool timed_out = false;
  sim::loop& l = sim::running_loop();
  sim::detail::timer_guard const guard(l, l.call_later(d, [&f, &timed_out] {
    if (f.pending()) {
      timed_out = true;
      f.unlink();
      f.set_result();
    }
  }));
  self.wait(f, what);
  self.raise_delivered();
  return !timed_out;
}

void wake_all(sim::future_list& line) noexcept {
  while (sim::future* f = line.pop_front()) {
    if (f->pending()) f->set_result();
  }
}

sim::task<void> drive(fiber& f, bool defer) {
  f.defer_delivered(defer);
  if (t_skip_point_of != nullptr) {
    if (t_skip_point_of == sim::detail::current()) f.skip_first_yield();
    t_skip_point_of = nullptr;
  }
  for (;;) {
    f.resume();
    if (f.finished()) break;
    if (f.requested() == fiber::request::yield) {
      try {
        co_await sim::yield();
      } catch (...) {
        f.deliver(std::current_exception());
      }
    } else {
      sim::raised r = co_await f.waiting_on()->settled();
      if (r) f.deliver(std::move(r.error));
    }
  }
  if (defer) {
    if (std::exception_ptr held = f.take_delivered()) {
      // Raised at the task's next suspension, as a cancel() of a running task is.
      sim::detail::task_state* self = sim::detail::current();
      if (sim::raised{held, std::nullopt}.classify() == sim::error_kind::cancellation) {
        self->cancel();
      } else {
        self->inject(std::move(held));
      }
    }
  }
  if (!f.error()) co_return;
  // A delivery keeps its kind (a cancellation, an injected fault), as a sim wait ends with it;
  // an exception the body threw is rethrown as thrown.
  if (f.ended_by_delivery()) {
    // Named, not a temporary inside the co_await: g++ 12 releases such a temporary twice.
    sim::raised delivered{f.error(), std::nullopt};
    co_await sim::exit_with(std::move(delivered));
    co_return;
  }
  std::rethrow_exception(f.error());
}

}  // namespace detail

void skip_first_point_of_next_call() noexcept { detail::t_skip_point_of = sim::detail::current(); }

// ---- runtime ----

runtime::runtime(sim::decision_source* decisions, options opts)
    : state_{decisions, opts, {}}, outer_(detail::t_runtime) {
  detail::t_runtime = &state_;
}

runtime::~runtime() { detail::t_runtime = outer_; }

// ---- thread ----

thread::thread(std::function<void()> body, int /*tag*/) {
  if (detail::fiber* f = detail::current_fiber(); f != nullptr && f->unwinding()) {
    f->raise_delivered();
    throw std::logic_error("chaosq::sync::thread: started from a destructor after the run ended");
  }
  sim::loop& l = detail::loop_of("thread");
  task_ = l.spawn(detail::thread_task(std::move(body)));
  detail::point();
}

thread& thread::operator=(thread&& other) noexcept {
  if (this != &other) {
    if (joinable())
      detail::misuse("a joinable thread was assigned to (std::terminate in a real program)");
    task_ = std::exchange(other.task_, {});
  }
  return *this;
}

thread::~thread() {
  if (!joinable()) return;
  detail::fiber* f = detail::current_fiber();
  if (f != nullptr && f->unwinding()) return;  // the run is over: its threads are being unwound
  detail::misuse("thread " + task_.name() +
                 " was destroyed while joinable (std::terminate in a real program)");
}

void thread::join() {
  detail::fiber& self = detail::require_thread("thread::join");
  if (detail::unwound(self)) {
    task_ = {};
    return;
  }
  if (!joinable()) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "chaosq::sync::thread::join: not joinable");
  }
  if (task_.id() == sim::detail::current()->id_) {
    throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            "chaosq::sync::thread::join: a thread joins itself");
  }
  self.yield();
  self.raise_delivered();
  sim::future done;
  task_.notify_when_done(done);
  if (done.pending()) detail::block_on(done, "thread::join");
  task_ = {};
}

void thread::detach() {
  if (!joinable()) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "chaosq::sync::thread::detach: not joinable");
  }
  task_ = {};
}

unsigned thread::hardware_concurrency() noexcept {
  return detail::runtime().opts.hardware_concurrency;
}

namespace this_thread {

thread::id get_id() noexcept {
  sim::detail::task_state* t = sim::detail::current();
  return t == nullptr ? thread::id() : thread::id(t->id_);
}

void yield() {
  detail::fiber& self = detail::require_thread("this_thread::yield");
  self.yield();
  self.raise_delivered();
}

void sleep_for(sim::duration d) {
  detail::fiber& self = detail::require_thread("this_thread::sleep_for");
  if (detail::unwound(self)) return;
  if (d <= sim::duration{0}) {
    self.yield();
    self.raise_delivered();
    return;
  }
  self.raise_delivered();
  sim::future f;
  detail::block_on_for(f, d, "this_thread::sleep_for");
}

}  // namespace this_thread

// ---- mutex ----

void mutex::lock() {
  detail::fiber* self = detail::current_fiber();
  if (self == nullptr) {
    if (locked_) {
      throw std::logic_error(
          "chaosq::sync::mutex::lock would wait outside every controlled thread (the mutex is "
          "held by a thread)");
    }
    locked_ = true;
    return;
  }
  self->yield();
  self->raise_delivered();
  if (locked_ && owner_ == self) {
    throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            "chaosq::sync::mutex::lock: the thread already holds this mutex");
  }
  acquire(self, true);
}

void mutex::acquire(detail::fiber* self, bool raising) {
  if (self->unwinding()) locked_ = false;  // the run is over: take it, whoever holds it
  while (locked_) {
    sim::future f;
    waiters_.push_back(f);
    self->wait(f, "mutex::lock");
    if (raising) self->raise_delivered();
  }
  locked_ = true;
  owner_ = self;
}

bool mutex::try_lock() {
  detail::fiber* self = detail::current_fiber();
  if (self != nullptr) self->yield();
  if (locked_) return false;
  locked_ = true;
  owner_ = self;
  return true;
}

void mutex::unlock() {
  detail::fiber* self = detail::current_fiber();
  if (!locked_ || owner_ != self) {
    if (self != nullptr && self->unwinding()) return;  // the run is over
    detail::misuse(locked_ ? "mutex::unlock by a thread that does not hold it"
                           : "mutex::unlock of a mutex nobody holds");
    return;
  }
  release();
}

void mutex::release() noexcept {
  locked_ = false;
  owner_ = nullptr;
  detail::wake_all(waiters_);
}

// ---- condition_variable ----

void condition_variable::notify_one() noexcept {
  std::uint32_t pending = 0;
  waiters_.for_each([&pending](sim::future& f) { pending += f.pending() ? 1U : 0U; });
  if (pending == 0) return;
  std::uint32_t pick = detail::choose(pending, decision_tag::notify);
  sim::future* chosen = nullptr;
  waiters_.for_each([&pick, &chosen](sim::future& f) {
    if (chosen != nullptr || !f.pending()) return;
    if (pick == 0) {
      chosen = &f;
    } else {
      --pick;
    }
  });
  chosen->unlink();
  chosen->set_result();
}

void condition_variable::notify_all() noexcept { detail::wake_all(waiters_); }

void condition_variable::wait(unique_lock<mutex>& lock) { wait_impl(lock, nullptr); }

cv_status condition_variable::wait_for_ns(unique_lock<mutex>& lock, sim::duration d) {
  return wait_impl(lock, &d);
}

sim::time_point condition_variable::now() noexcept {
  return sim::detail::current() == nullptr ? sim::time_point{0} : sim::running_loop().now();
}

cv_status condition_variable::wait_impl(unique_lock<mutex>& lock, const sim::duration* d) {
  detail::fiber& self = detail::require_thread("condition_variable::wait");
  mutex* m = lock.mutex();
  if (m == nullptr || !lock.owns_lock() || m->owner_ != &self) {
    throw std::system_error(std::make_error_code(std::errc::operation_not_permitted),
                            "chaosq::sync::condition_variable::wait: the thread does not hold "
                            "the lock");
  }
  self.yield();  // the wait begins at a scheduling point (a notify may come first)
  self.raise_delivered();
  if (detail::unwound(self)) return cv_status::no_timeout;
  if (detail::runtime().opts.spurious_wakeups &&
      detail::choose(2, decision_tag::spurious_wakeup) == 1) {
    m->release();
    self.yield();
    m->acquire(&self, false);
    self.raise_delivered();
    return cv_status::no_timeout;
  }
  sim::future f;
  waiters_.push_back(f);
  m->release();
  bool timed_out = false;
  std::uint64_t timer = 0;
  sim::loop& l = sim::running_loop();
  if (d != nullptr) {
    timer = l.call_later(*d, [&f, &timed_out] {
      if (f.pending()) {
        timed_out = true;
        f.unlink();
        f.set_result();
      }
    });
  }
  try {
    self.wait(f, d != nullptr ? "condition_variable::wait_for" : "condition_variable::wait");
  } catch (const detail::fiber_unwind&) {
    // The run is over: hold the lock again without waiting, for the unique_lock's destructor.
    if (!m->locked_) {
      m->locked_ = true;
      m->owner_ = &self;
    }
    throw;
  }
  if (d != nullptr) l.cancel_timer(timer);
  f.unlink();
  m->acquire(&self, false);
  self.raise_delivered();
  return timed_out ? cv_status::timeout : cv_status::no_timeout;
}

// ---- latch ----

void latch::count_down(std::ptrdiff_t n) noexcept {
  count_ -= n;
  if (count_ <= 0) detail::wake_all(waiters_);
}

bool latch::try_wait() const noexcept {
  detail::point();
  return count_ <= 0;
}

void latch::wait() const {
  detail::raising_point();
  while (count_ > 0) {
    sim::future f;
    waiters_.push_back(f);
    detail::block_on(f, "latch::wait");
  }
}

void latch::arrive_and_wait(std::ptrdiff_t n) {
  count_down(n);
  wait();
}

// ---- run ----

namespace {

std::string describe_exception(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (const sim::cancelled_error&) {
    return "cancelled";
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace

std::string run_result::describe() const {
  std::string out;
  switch (status) {
    case run_status::complete:
      out = "complete: every thread finished after " + std::to_string(steps) + " steps";
      break;
    case run_status::deadlock:
      out = "deadlock after " + std::to_string(steps) + " steps: no thread can run";
      for (const blocked_thread& b : blocked) {
        out += "\n  " + b.name + " waits in " + b.where;
      }
      break;
    case run_status::step_budget:
      out = "step budget ran out after " + std::to_string(steps) +
            " steps with threads still running (a livelock, or a thread that spins)";
      break;
    case run_status::failed:
      out = "failed after " + std::to_string(steps) + " steps:";
      if (error) out += " thread " + failed_thread + " ended with: " + describe_exception(error);
      for (const std::string& m : misuse) out += "\n  misuse: " + m;
      break;
  }
  if (abandoned > 0) {
    out += "\n  " + std::to_string(abandoned) +
           " thread(s) kept running after the run ended (a catch (...) that does not rethrow?) "
           "and were abandoned: the objects on their stacks were never destroyed";
  }
  return out;
}

namespace {

run_result run_in(sim::loop& l, sim::decision_source* decisions, const std::function<void()>& main,
                  const run_options& opts) {
  run_result out;
  detail::thread_failure failure;
  detail::thread_failure* const outer_failure = std::exchange(detail::t_failure, &failure);
  {
    runtime const rt(decisions, opts.threads);
    l.spawn(detail::thread_task(main), "main");
    bool stepped = true;
    while (!failure.error && rt.misuse().empty()) {
      if (l.steps() >= opts.step_budget) break;
      if (!l.step()) {
        stepped = false;
        break;
      }
    }
    out.steps = l.steps();
    if (failure.error || !rt.misuse().empty()) {
      out.status = run_status::failed;
      out.error = failure.error;
      out.failed_thread = failure.thread;
      out.misuse = rt.misuse();
    } else if (l.live_tasks() == 0) {
      out.status = run_status::complete;
    } else if (!stepped) {
      out.status = run_status::deadlock;
      for (const sim::task_ref& t : l.tasks()) {
        if (t.done()) continue;
        blocked_thread b{thread::id(t.id()), t.name(), "a task of the loop"};
        for (const auto& r : detail::t_threads) {
          if (r.task == t.id()) {
            const char* where = r.body->blocked_in();
            b.where = where != nullptr ? where : "nothing (ready)";
          }
        }
        out.blocked.push_back(std::move(b));
      }
    } else {
      out.status = run_status::step_budget;
    }
    if (decisions != nullptr) out.decisions = decisions->record();
  }
  detail::t_failure = outer_failure;
  return out;
}

}  // namespace

/// Runs `main` on a loop made by `make_loop`, then destroys the loop (unwinding every thread
/// still blocked) and counts the threads that had to be abandoned instead.
template <class MakeLoop>
run_result run_on(MakeLoop make_loop, sim::decision_source* decisions,
                  const std::function<void()>& main, const run_options& opts) {
  run_result out;
  std::uint32_t const abandoned_before = detail::abandoned_fibers();
  {
    std::unique_ptr<sim::loop> l = make_loop();
    out = run_in(*l, decisions, main, opts);
  }
  out.abandoned = detail::abandoned_fibers() - abandoned_before;
  return out;
}

run_result run(const std::function<void()>& main, sim::decision_source& decisions,
               const run_options& opts) {
  return run_on([&decisions] { return std::make_unique<sim::loop>(decisions); }, &decisions, main,
                opts);
}

run_result run(const std::function<void()>& main, const run_options& opts) {
  return run_on([] { return std::make_unique<sim::loop>(); }, nullptr, main, opts);
}

}  // namespace chaosq::sync

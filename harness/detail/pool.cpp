// A thread pool under test as the engine's queue (pool.hpp), and what a pool's workload may ask.

#include "detail/pool.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "chaosq/harness/names.hpp"

namespace chaosq::harness {

std::vector<std::string> pool_problems(const workload& w) {
  std::vector<std::string> out;
  auto const bad = [&out](std::string m) { out.push_back(std::move(m)); };
  if (w.mode != run_mode::threads) bad("mode: a thread pool runs with --mode threads");
  if (w.kind != queue::queue_kind::fifo)
    bad("kind: a thread pool runs its jobs in no order chaosq judges; use fifo");
  if (w.maxsize > 0) bad("maxsize: a thread pool has no capacity; use 0");
  if (w.put != put_mode::blocking) bad("put: producers submit to a thread pool; use blocking");
  if (w.restarts > 0) bad("restarts: a thread pool's workers are its own; use 0");
  if (w.policy != ack_policy::finally || !w.behaviour.empty())
    bad("policy: a thread pool's jobs are chaosq's (a job counts as finished when it returns or "
        "throws); leave the consumer policy at finally");
  if (w.join_timeout_ms > 0)
    bad("join-timeout: a thread waiting in a pool's wait cannot be cancelled; use 0");
  if (w.faults.shutdown != shutdown_allowance::none)
    bad("shutdown: a thread pool has no shutdown; use none");
  for (const control_event& c : w.controls) {
    if (c.action != control_action::cancel)
      bad("control event: a thread pool has no shutdown (" + std::string(name_of(c.action)) + ")");
  }
  return out;
}

namespace detail {

sim::task<void> pool_queue::owner() {
  co_await sync::blocking_call([this] {
    std::unique_ptr<work_pool> pool;
    try {
      pool = make_(w_);
      if (!pool) throw std::logic_error("the pool factory returned no pool");
    } catch (const sync::detail::fiber_unwind&) {
      throw;  // the run ended while the pool was being made: its thread is unwound
    } catch (const std::exception& e) {
      failed_ = std::make_exception_ptr(
          std::runtime_error(std::string("the pool could not be made: ") + e.what()));
      made_.count_down();
      return;
    } catch (...) {
      failed_ = std::make_exception_ptr(
          std::runtime_error("the pool could not be made: its factory threw a non-exception"));
      made_.count_down();
      return;
    }
    pool_ = pool.get();
    made_.count_down();
    // The pool lives here until the run ends: the loop then unwinds its threads first (they are
    // newer than this one), then this frame, destroying the pool: each wait in its destructor
    // returns as if woken (a destructor that waits in a loop for work that never comes is
    // abandoned after chaosq::sync's limit, its stack never freed).
    run_over_.wait();
  });
}

void pool_queue::count_in(const item& i) {
  if (i.id >= counted_.size()) counted_.resize(i.id + 1);
  if (counted_[i.id]) return;
  counted_[i.id] = true;
  ++stored_;
  ++unfinished_;
}

work_pool& pool_queue::ready() {
  made_.wait();
  if (failed_) std::rethrow_exception(failed_);
  return *pool_;
}

sim::task<void> pool_queue::put(item i) {
  return sync::blocking_call([this, i] {
    work_pool& pool = ready();
    pool.submit([this, i] {
      if (closed_) return;
      count_in(i);  // a job may start before its submit returns
      --stored_;
      runner_.run_job(i);
    });
    count_in(i);
  });
}

sim::task<void> pool_queue::join() {
  return sync::blocking_call([this] { ready().wait(); });
}

sim::task<item> pool_queue::get() {
  throw std::logic_error("chaosq: a thread pool's jobs are taken by its own threads, not by get");
}

item pool_queue::get_nowait() {
  throw std::logic_error("chaosq: a thread pool's jobs are taken by its own threads, not by get");
}

void pool_queue::put_nowait(item /*i*/) {
  throw std::logic_error("chaosq: producers submit to a thread pool with a blocking put");
}

void pool_queue::shutdown(queue::shutdown_mode /*mode*/) {
  throw std::logic_error("chaosq: a thread pool has no shutdown");
}

}  // namespace detail
}  // namespace chaosq::harness

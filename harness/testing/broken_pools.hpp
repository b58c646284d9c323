#pragma once
// A small thread pool written against chaosq::sync for the harness's tests, correct or with one
// planted flaw of the kinds public pools shipped (each named in a `FLAW:` comment): a pool's wait
// judged by the engine must be caught returning early, never returning, or missing a waiter.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "chaosq/harness/work_queue.hpp"
#include "chaosq/sync/sync.hpp"

namespace chaosq::harness::testing {

enum class pool_flaw : std::uint8_t {
  none,
  wakes_one_waiter,      ///< a finished task wakes one waiter: a second waiter sleeps on
  done_before_run,       ///< a task counts as done when taken, before it runs: wait returns early
  throw_not_counted,     ///< a task that throws is never counted done: wait never returns
  throw_kills_worker,    ///< a task that throws ends its worker thread (no catch at all)
  factory_throws,        ///< the pool cannot be made
  worker_dies_at_start,  ///< the first worker thread throws before it takes a job
  runs_inline,           ///< submit runs the job on the caller's thread (chaosq refuses that)
  constructor_blocks,    ///< the constructor waits for something that never happens
  // Correct, with a twist the engine must handle:
  yields_after_submit,   ///< a scheduling point after the job is queued: it may start first
  drains_in_destructor,  ///< the destructor runs the jobs still queued
};

/// Workers over one FIFO deque; `pending_` counts tasks queued or running.
class small_pool final : public work_pool {
 public:
  small_pool(unsigned workers, pool_flaw flaw) : flaw_(flaw) {
    if (flaw_ == pool_flaw::factory_throws) throw std::runtime_error("no threads for this pool");
    if (flaw_ == pool_flaw::constructor_blocks) never_.wait();
    for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
  }
  small_pool(const small_pool&) = delete;
  small_pool& operator=(const small_pool&) = delete;
  ~small_pool() override {
    if (flaw_ == pool_flaw::drains_in_destructor) {
      sync::unique_lock<sync::mutex> lock(mutex_);
      while (!jobs_.empty()) {
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        lock.lock();
      }
    }
    {
      sync::lock_guard<sync::mutex> const lock(mutex_);
      stop_ = true;
    }
    more_.notify_all();
    for (sync::thread& t : workers_) t.join();
  }

  void submit(std::function<void()> job) override {
    if (flaw_ == pool_flaw::runs_inline) {
      job();
      return;
    }
    {
      sync::lock_guard<sync::mutex> const lock(mutex_);
      jobs_.push_back(std::move(job));
      ++pending_;
    }
    more_.notify_one();
    if (flaw_ == pool_flaw::yields_after_submit) sync::this_thread::yield();
  }

  void wait() override {
    sync::unique_lock<sync::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void work() {
    if (flaw_ == pool_flaw::worker_dies_at_start) {
      sync::lock_guard<sync::mutex> const lock(mutex_);
      if (started_++ == 0) throw std::runtime_error("worker 0 failed to start");
    }
    for (;;) {
      std::function<void()> job;
      {
        sync::unique_lock<sync::mutex> lock(mutex_);
        more_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        if (flaw_ == pool_flaw::done_before_run) finish_one();  // FLAW: counted before it ran
      }
      bool threw = false;
      if (flaw_ == pool_flaw::throw_kills_worker) {
        job();  // FLAW: an exception ends the worker thread
      } else {
        try {
          job();
        } catch (...) {
          threw = true;
        }
      }
      sync::lock_guard<sync::mutex> const lock(mutex_);
      if (flaw_ == pool_flaw::done_before_run) continue;
      if (threw && flaw_ == pool_flaw::throw_not_counted) continue;  // FLAW: never counted done
      finish_one();
    }
  }

  /// With the mutex held.
  void finish_one() {
    if (--pending_ != 0) return;
    if (flaw_ == pool_flaw::wakes_one_waiter) {
      idle_.notify_one();  // FLAW: one waiter of several is woken
    } else {
      idle_.notify_all();
    }
  }

  pool_flaw flaw_;
  sync::mutex mutex_;
  sync::condition_variable more_;
  sync::condition_variable idle_;
  std::deque<std::function<void()>> jobs_;
  std::size_t pending_ = 0;
  bool stop_ = false;
  unsigned started_ = 0;
  sync::latch never_{1};               // constructor_blocks: never counted down
  std::vector<sync::thread> workers_;  // last: started after every other member exists
};

/// The factory of a `small_pool` with `flaw` and the workload's worker count.
inline pool_factory pool_with(pool_flaw flaw) {
  return [flaw](const workload& w) -> std::unique_ptr<work_pool> {
    return std::make_unique<small_pool>(w.consumers, flaw);
  };
}

/// A workload a pool fits: threads mode, `items` tasks from one producer, `workers` workers,
/// `joiners` joiners after the producers.
inline workload pool_workload(std::uint32_t items, std::uint32_t workers,
                              std::uint32_t joiners = 1) {
  workload w;
  w.mode = run_mode::threads;
  w.items = items;
  w.consumers = workers;
  w.joiners = joiners;
  return w;
}

}  // namespace chaosq::harness::testing

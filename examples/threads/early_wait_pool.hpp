#pragma once
/// \file
/// `early_wait_pool`: a pool that counts its pending tasks in an atomic and lets a thread wait
/// for the count to reach zero; tasks may submit more tasks.
///
/// Report: ptsouchlos/thread-pool PR #61, "Prevent Premature Thread Exiting"
/// (https://github.com/ptsouchlos/thread-pool/pull/61).
///
/// The real bug: `pending_tasks_` was decremented when a worker took a task, before the task
/// ran. When the last task is taken the count reads zero although that task still runs and
/// may submit new tasks, so whoever trusts the count ("no work left": the workers deciding to
/// leave, the thread waiting for the pool) goes on too early. The fix counts a task as done
/// after it ran (the PR's `total_tasks_`, later the library's `in_flight_tasks_`).
///
/// Bug and fix differ in one line, in `work()`: `finish_one()` before `task()` (bug) vs after
/// it (fix).

#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "chaosq/sync/sync.hpp"

namespace pools {

namespace stdx = chaosq::sync;  // the port: this alias was `namespace stdx = std;`

/// A fixed set of workers over one FIFO queue with an atomic count of unfinished tasks;
/// `Fixed` picks where a task stops counting.
template <bool Fixed>
class early_wait_pool {
 public:
  explicit early_wait_pool(unsigned workers) {
    for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
  }
  early_wait_pool(const early_wait_pool&) = delete;
  early_wait_pool& operator=(const early_wait_pool&) = delete;
  ~early_wait_pool() {
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      stop_ = true;
    }
    task_available_.notify_all();
    for (stdx::thread& t : workers_) t.join();
  }

  /// Queues a task; may be called from a task.
  void enqueue(std::function<void()> task) {
    pending_.fetch_add(1);
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    task_available_.notify_one();
  }

  /// Blocks until the pending count is zero: every task, and every task they queued, finished.
  void wait_for_tasks() {
    for (int seen = pending_.load(); seen != 0; seen = pending_.load()) pending_.wait(seen);
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        stdx::unique_lock<stdx::mutex> lock(mutex_);
        task_available_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;  // stopping, and nothing left to run
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      if constexpr (!Fixed) finish_one();  // the bug: counted done before it ran
      task();
      if constexpr (Fixed) finish_one();
    }
  }

  void finish_one() {
    if (pending_.fetch_sub(1) == 1) pending_.notify_all();
  }

  stdx::mutex mutex_;
  stdx::condition_variable task_available_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  stdx::atomic<int> pending_{0};
  std::vector<stdx::thread> workers_;  // last: started after every other member exists
};

}  // namespace pools

#pragma once
/// \file
/// `wait_pool`: a pool whose `wait_for_tasks()` may be called from several threads at once.
///
/// Report: bshoshany/thread-pool #110, "Deadlock if wait_for_tasks() is called concurrently"
/// (https://github.com/bshoshany/thread-pool/issues/110), fixed in v3.5.0.
///
/// The real bug: a worker that finished a task woke the waiters with `notify_one()` (and only
/// when a `waiting` flag was set). With two threads inside `wait_for_tasks()` when the last
/// task finishes, one waiter is woken and returns; the other sleeps on, since no task is left
/// to notify it again. The fix wakes every waiter.
///
/// Bug and fix differ in one line, in `work()`: `notify_one()` (bug) vs `notify_all()` (fix).

#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "chaosq/sync/sync.hpp"

namespace pools {

namespace stdx = chaosq::sync;  // the port: this alias was `namespace stdx = std;`

/// A fixed set of workers over one FIFO queue; `Fixed` picks the corrected wake-up.
template <bool Fixed>
class wait_pool {
 public:
  explicit wait_pool(unsigned workers) {
    for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
  }
  wait_pool(const wait_pool&) = delete;
  wait_pool& operator=(const wait_pool&) = delete;
  /// Runs the queued tasks to the end, then stops and joins the workers.
  ~wait_pool() {
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      stop_ = true;
    }
    task_available_.notify_all();
    for (stdx::thread& t : workers_) t.join();
  }

  void push_task(std::function<void()> task) {
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      tasks_.push_back(std::move(task));
      ++unfinished_;
    }
    task_available_.notify_one();
  }

  /// Blocks until every pushed task finished; any number of threads may wait at once.
  void wait_for_tasks() {
    stdx::unique_lock<stdx::mutex> lock(mutex_);
    ++waiting_;
    task_done_.wait(lock, [this] { return unfinished_ == 0; });
    --waiting_;
  }

 private:
  void work() {
    stdx::unique_lock<stdx::mutex> lock(mutex_);
    for (;;) {
      task_available_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
      --unfinished_;
      if (waiting_ > 0) {
        if constexpr (Fixed) {
          task_done_.notify_all();
        } else {
          task_done_.notify_one();  // the bug: a second waiter is never woken
        }
      }
    }
  }

  stdx::mutex mutex_;
  stdx::condition_variable task_available_;
  stdx::condition_variable task_done_;
  std::deque<std::function<void()>> tasks_;
  std::size_t unfinished_ = 0;  // queued + running
  // Threads inside wait_for_tasks(). (A flag, as the library had, set by each waiter and cleared
  // by the first to return, leaves a second waiter unwoken once more tasks come: see README.md.)
  std::size_t waiting_ = 0;
  bool stop_ = false;
  std::vector<stdx::thread> workers_;  // last: started after every other member exists
};

}  // namespace pools

#pragma once
/// \file
/// `attach_pool`: a pool that outside threads join as workers with `attach()`, in the manner of
/// asio's `thread_pool`.
///
/// Report: chriskohlhoff/asio #1534, "`boost::asio::thread_pool` `attach()`/`join()` race
/// condition" (https://github.com/chriskohlhoff/asio/issues/1534).
///
/// The real bug: the pool holds one unit of "outstanding work" of its own, and its scheduler
/// runs until the outstanding work reaches zero. `join()` released that unit only
/// `if (num_threads_)`. A pool made with no threads of its own, attached to by a thread that
/// calls `attach()` concurrently with `join()`, can read `num_threads_ == 0` before the attach
/// counts itself: the unit is never released, `attach()` never returns, and the thread that
/// joins the attached thread waits for it forever. `wait()` releases it unconditionally, which
/// is the fix the report suggests.
///
/// Bug and fix differ in one line, in `join()`: `if (num_threads_ != 0)` before
/// `work_finished()` (bug) vs an unconditional `work_finished()` (fix).

#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "chaosq/sync/sync.hpp"

namespace pools {

namespace stdx = chaosq::sync;  // the port: this alias was `namespace stdx = std;`

/// A pool of `threads` own workers that other threads may join with `attach()`; `Fixed` picks
/// the corrected `join()`.
template <bool Fixed>
class attach_pool {
 public:
  explicit attach_pool(unsigned threads) : num_threads_(threads) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  attach_pool(const attach_pool&) = delete;
  attach_pool& operator=(const attach_pool&) = delete;
  ~attach_pool() {
    stop();
    join_threads();
  }

  /// Runs a task on one of the pool's threads; it counts as outstanding work until it finished.
  void post(std::function<void()> task) {
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      ++outstanding_work_;
      tasks_.push_back(std::move(task));
    }
    wake_.notify_one();
  }

  /// Makes the calling thread one of the pool's workers until the pool stops.
  void attach() {
    ++num_threads_;
    run();
  }

  /// Stops the pool once its outstanding work is done, and joins the pool's own threads.
  void join() {
    if (Fixed || num_threads_.load() != 0) work_finished();  // the bug: the `if` alone
    join_threads();
  }

  /// Stops the pool now: every worker returns once it finished the task it runs.
  void stop() {
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      stopped_ = true;
    }
    wake_.notify_all();
  }

 private:
  void join_threads() {
    for (stdx::thread& t : threads_) t.join();
    threads_.clear();
  }

  void run() {
    stdx::unique_lock<stdx::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopped_ || !tasks_.empty(); });
      if (stopped_) return;
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      work_finished();
      lock.lock();
    }
  }

  void work_finished() {
    stdx::lock_guard<stdx::mutex> const lock(mutex_);
    if (--outstanding_work_ == 0 && !stopped_) {
      stopped_ = true;
      wake_.notify_all();
    }
  }

  stdx::mutex mutex_;
  stdx::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  std::size_t outstanding_work_ = 1;  // the pool's own unit, released by join()
  bool stopped_ = false;
  stdx::atomic<unsigned> num_threads_;
  std::vector<stdx::thread> threads_;  // last: started after every other member exists
};

}  // namespace pools

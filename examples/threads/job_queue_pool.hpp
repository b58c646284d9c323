#pragma once
/// \file
/// `job_queue_pool`: workers that take jobs from a queue with Python's `queue.Queue` join
/// protocol (`put` counts a job unfinished, `task_done` uncounts it, `join` waits for zero).
///
/// Report: dbt-labs/dbt-core #5602, "Execution of job_queue.join hangs with exceptions"
/// (https://github.com/dbt-labs/dbt-core/issues/5602).
///
/// The real bug: dbt marks a node done (`task_done` on its job queue) from the callback that
/// handles a runner's result. When a runner raised (a `BaseException`, a Python error) the
/// callback never ran, the job stayed unfinished, and `job_queue.join()` waited forever. The fix
/// marks the job done on the error path as well.
///
/// Bug and fix differ in one line, in `work()`'s `catch`: the error is recorded but the job is
/// not marked done (bug) vs recorded and marked done (fix).

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <utility>
#include <vector>

#include "chaosq/sync/sync.hpp"

namespace pools {

namespace stdx = chaosq::sync;  // the port: this alias was `namespace stdx = std;`

/// A fixed set of workers over a joinable job queue; a job that throws is caught by its worker
/// and kept in `errors()`. `Fixed` picks whether that job is marked done.
template <bool Fixed>
class job_queue_pool {
 public:
  explicit job_queue_pool(unsigned workers) {
    for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
  }
  job_queue_pool(const job_queue_pool&) = delete;
  job_queue_pool& operator=(const job_queue_pool&) = delete;
  /// Tells each worker to leave (an empty job each, after the queued ones) and joins them.
  ~job_queue_pool() {
    for (std::size_t i = 0; i < workers_.size(); ++i) enqueue({});
    for (stdx::thread& t : workers_) t.join();
  }

  void put(std::function<void()> job) { enqueue(std::move(job)); }

  /// Blocks until every job put was marked done.
  void join() {
    stdx::unique_lock<stdx::mutex> lock(mutex_);
    all_done_.wait(lock, [this] { return unfinished_ == 0; });
  }

  /// What the jobs threw, in the order they threw it (read after `join()`).
  [[nodiscard]] const std::vector<std::exception_ptr>& errors() const noexcept { return errors_; }

 private:
  void enqueue(std::function<void()> job) {
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      jobs_.push_back(std::move(job));
      ++unfinished_;
    }
    not_empty_.notify_one();
  }

  std::function<void()> get() {
    stdx::unique_lock<stdx::mutex> lock(mutex_);
    not_empty_.wait(lock, [this] { return !jobs_.empty(); });
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    return job;
  }

  void task_done() {
    stdx::lock_guard<stdx::mutex> const lock(mutex_);
    if (--unfinished_ == 0) all_done_.notify_all();
  }

  void work() {
    for (;;) {
      std::function<void()> job = get();
      if (!job) {
        task_done();
        return;
      }
      try {
        job();
        task_done();
      } catch (...) {
        {
          stdx::lock_guard<stdx::mutex> const lock(mutex_);
          errors_.push_back(std::current_exception());
        }
        if constexpr (Fixed) task_done();  // the bug: without it the job stays unfinished
      }
    }
  }

  stdx::mutex mutex_;
  stdx::condition_variable not_empty_;
  stdx::condition_variable all_done_;
  std::deque<std::function<void()>> jobs_;
  std::size_t unfinished_ = 0;
  std::vector<std::exception_ptr> errors_;
  std::vector<stdx::thread> workers_;  // last: started after every other member exists
};

}  // namespace pools

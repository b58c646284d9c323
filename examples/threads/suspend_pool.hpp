#pragma once
/// \file
/// `suspend_pool`: a resizable pool whose workers can all be suspended (parked) and resumed, in
/// the manner of valkey-search's `vmsdk::ThreadPool` around a fork.
///
/// Report: valkey-io/valkey-search PR #1139, "Fix ThreadPool suspend/resume hang from stale
/// thread count" (https://github.com/valkey-io/valkey-search/pull/1139).
///
/// The real bug: `SuspendWorkers()` sized the `BlockingCounter` it waits on from the raw number
/// of worker objects, which after a shrink still includes workers marked for shutdown and not
/// yet reaped. Those workers exit without acknowledging the suspension, so the counter never
/// reaches zero and `Wait()` hangs. The fix sizes it from the active workers only (`Size()`,
/// the count `Resize()` already used).
///
/// Bug and fix differ in one line, in `suspend_workers()`: the counter is sized from
/// `workers_.size()` (bug) vs `size()` (fix).

#include <cstddef>
#include <iterator>
#include <list>

#include "chaosq/sync/sync.hpp"

namespace pools {

namespace stdx = chaosq::sync;  // the port: this alias was `namespace stdx = std;`

/// absl::BlockingCounter: `wait()` returns once `decrement_count()` was called `count` times.
class blocking_counter {
 public:
  explicit blocking_counter(std::size_t count) : count_(count) {}
  void decrement_count() {
    stdx::lock_guard<stdx::mutex> const lock(mutex_);
    if (--count_ == 0) zero_.notify_all();
  }
  void wait() {
    stdx::unique_lock<stdx::mutex> lock(mutex_);
    zero_.wait(lock, [this] { return count_ == 0; });
  }

 private:
  stdx::mutex mutex_;
  stdx::condition_variable zero_;
  std::size_t count_;
};

/// Workers that only park and leave (tasks play no part in the bug); `Fixed` picks how
/// `suspend_workers()` counts them.
template <bool Fixed>
class suspend_pool {
 public:
  explicit suspend_pool(unsigned workers) { grow(workers); }
  suspend_pool(const suspend_pool&) = delete;
  suspend_pool& operator=(const suspend_pool&) = delete;
  /// Marks every worker for shutdown and joins them all.
  ~suspend_pool() {
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      for (worker& w : workers_) w.shutdown = true;
    }
    wake_.notify_all();
    for (worker& w : workers_) w.thread.join();
  }

  /// Active workers: neither marked for shutdown nor exited.
  [[nodiscard]] std::size_t size() {
    stdx::lock_guard<stdx::mutex> const lock(mutex_);
    std::size_t n = 0;
    for (const worker& w : workers_) n += w.shutdown ? 0 : 1;
    return n;
  }

  /// Grows now; shrinks by marking workers for shutdown, which leave at their next wake-up and
  /// are joined by a later `resize()` (or the destructor).
  void resize(unsigned target) {
    reap();
    std::size_t const now = size();
    if (target > now) {
      grow(static_cast<unsigned>(target - now));
      return;
    }
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      std::size_t extra = now - target;
      for (auto it = workers_.rbegin(); it != workers_.rend() && extra > 0; ++it) {
        if (!it->shutdown) {
          it->shutdown = true;
          --extra;
        }
      }
    }
    wake_.notify_all();
  }

  /// Returns once every active worker is parked.
  void suspend_workers() {
    std::size_t const count = Fixed ? size() : raw_size();  // the bug: raw_size()
    blocking_counter parked(count);
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      parked_ = &parked;
      ++suspension_;
    }
    wake_.notify_all();
    parked.wait();
    stdx::lock_guard<stdx::mutex> const lock(mutex_);
    parked_ = nullptr;
  }

  void resume_workers() {
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      ++resumption_;
    }
    wake_.notify_all();
  }

 private:
  struct worker {
    unsigned acknowledged = 0;  // the suspensions it parked for (or that came before it)
    bool shutdown = false;
    bool exited = false;
    stdx::thread thread;
  };

  std::size_t raw_size() {
    stdx::lock_guard<stdx::mutex> const lock(mutex_);
    return workers_.size();
  }

  void grow(unsigned n) {
    stdx::lock_guard<stdx::mutex> const lock(mutex_);
    for (unsigned i = 0; i < n; ++i) {
      worker& w = workers_.emplace_back();
      // Counted here, not when the thread first runs: a suspension asked for in between is
      // one this worker must acknowledge.
      w.acknowledged = suspension_;
      w.thread = stdx::thread([this, &w] { work(w); });
    }
  }

  /// Joins and forgets the workers that exited.
  void reap() {
    std::list<worker> gone;
    {
      stdx::lock_guard<stdx::mutex> const lock(mutex_);
      for (auto it = workers_.begin(); it != workers_.end();) {
        auto const next = std::next(it);
        if (it->exited) gone.splice(gone.end(), workers_, it);
        it = next;
      }
    }
    for (worker& w : gone) w.thread.join();
  }

  void work(worker& me) {
    stdx::unique_lock<stdx::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return me.shutdown || suspension_ != me.acknowledged; });
      if (me.shutdown) break;  // leaves without acknowledging a pending suspension
      me.acknowledged = suspension_;
      parked_->decrement_count();
      unsigned const resumed = resumption_;
      wake_.wait(lock, [&] { return me.shutdown || resumption_ != resumed; });
      if (me.shutdown) break;
    }
    me.exited = true;
  }

  stdx::mutex mutex_;
  stdx::condition_variable wake_;
  blocking_counter* parked_ = nullptr;
  unsigned suspension_ = 0;    // suspensions requested so far
  unsigned resumption_ = 0;    // resumptions requested so far
  std::list<worker> workers_;  // a list: a worker keeps its element while others come and go
};

}  // namespace pools

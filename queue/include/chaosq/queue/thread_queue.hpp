#pragma once
/// \file
/// The reference thread-safe queue: Python 3.13's `queue.Queue`, `LifoQueue` and
/// `PriorityQueue`, statement for statement, over chaosq::sync (one mutex shared by three
/// condition variables), so it runs under the deterministic loop in threads mode.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>

#include "chaosq/queue/detail/storage.hpp"
#include "chaosq/queue/errors.hpp"
#include "chaosq/sim/loop.hpp"
#include "chaosq/sync/sync.hpp"

namespace chaosq::queue {

/// Python's `queue.Queue` (with `LifoQueue` and `PriorityQueue` as kinds) of CPython 3.13:
/// `put`/`get` with `block` and `timeout`, the `_nowait` forms, `task_done`/`join`,
/// `shutdown(immediate)`, `qsize`/`empty`/`full`. Every member takes the queue's mutex, as
/// Python's does, so each is a run of scheduling points in threads mode; called outside every
/// controlled thread they run at once (and throw `std::logic_error` if they would wait).
///
/// Timeouts are in the loop's virtual time. The errors are chaosq::queue's: `queue_full`
/// (queue.Full), `queue_empty` (queue.Empty), `queue_shut_down` (queue.ShutDown),
/// `task_done_error` (ValueError), and `std::invalid_argument` for a negative timeout.
///
/// The members read by a harness between steps (`stored`, `unfinished`, `is_shut_down`,
/// `holder_active`) take no lock and are no scheduling point.
template <class T>
class thread_queue {
 public:
  /// `maxsize <= 0` means unbounded.
  explicit thread_queue(queue_kind k = queue_kind::fifo, std::ptrdiff_t maxsize = 0)
      : maxsize_(maxsize), storage_(k) {}
  thread_queue(const thread_queue&) = delete;
  thread_queue& operator=(const thread_queue&) = delete;

  [[nodiscard]] std::ptrdiff_t maxsize() const noexcept { return maxsize_; }
  [[nodiscard]] queue_kind kind() const noexcept { return storage_.get_kind(); }

  void task_done() {
    sync::unique_lock<sync::mutex> lock(mutex_);
    std::int64_t const unfinished = unfinished_tasks_ - 1;
    if (unfinished <= 0) {
      if (unfinished < 0) throw task_done_error{};
      all_tasks_done_.notify_all();
    }
    unfinished_tasks_ = unfinished;
  }

  void join() {
    sync::unique_lock<sync::mutex> lock(mutex_);
    while (unfinished_tasks_ != 0) all_tasks_done_.wait(lock);
  }

  [[nodiscard]] std::size_t qsize() {
    sync::unique_lock<sync::mutex> lock(mutex_);
    return storage_.size();
  }
  [[nodiscard]] bool empty() {
    sync::unique_lock<sync::mutex> lock(mutex_);
    return storage_.size() == 0;
  }
  [[nodiscard]] bool full() {
    sync::unique_lock<sync::mutex> lock(mutex_);
    return is_full();
  }

  void put(T item, bool block = true, std::optional<sim::duration> timeout = std::nullopt) {
    sync::unique_lock<sync::mutex> lock(mutex_);
    if (is_shutdown_) throw queue_shut_down{};
    if (maxsize_ > 0) {
      if (!block) {
        if (is_full()) throw queue_full{};
      } else if (!timeout) {
        while (is_full()) {
          not_full_.wait(lock);
          if (is_shutdown_) throw queue_shut_down{};
        }
      } else if (*timeout < sim::duration{0}) {
        throw std::invalid_argument("'timeout' must be a non-negative number");
      } else {
        sim::time_point const endtime = now() + *timeout;
        while (is_full()) {
          sim::duration const remaining = endtime - now();
          if (remaining <= sim::duration{0}) throw queue_full{};
          not_full_.wait_for(lock, remaining);
          if (is_shutdown_) throw queue_shut_down{};
        }
      }
    }
    storage_.add(std::move(item));
    ++unfinished_tasks_;
    not_empty_.notify_one();
  }

  T get(bool block = true, std::optional<sim::duration> timeout = std::nullopt) {
    sync::unique_lock<sync::mutex> lock(mutex_);
    if (is_shutdown_ && storage_.size() == 0) throw queue_shut_down{};
    if (!block) {
      if (storage_.size() == 0) throw queue_empty{};
    } else if (!timeout) {
      while (storage_.size() == 0) {
        not_empty_.wait(lock);
        if (is_shutdown_ && storage_.size() == 0) throw queue_shut_down{};
      }
    } else if (*timeout < sim::duration{0}) {
      throw std::invalid_argument("'timeout' must be a non-negative number");
    } else {
      sim::time_point const endtime = now() + *timeout;
      while (storage_.size() == 0) {
        sim::duration const remaining = endtime - now();
        if (remaining <= sim::duration{0}) throw queue_empty{};
        not_empty_.wait_for(lock, remaining);
        if (is_shutdown_ && storage_.size() == 0) throw queue_shut_down{};
      }
    }
    T item = storage_.take();
    not_full_.notify_one();
    return item;
  }

  void put_nowait(T item) { put(std::move(item), false); }
  T get_nowait() { return get(false); }

  void shutdown(bool immediate = false) {
    sync::unique_lock<sync::mutex> lock(mutex_);
    is_shutdown_ = true;
    if (immediate) {
      while (storage_.size() > 0) {
        (void)storage_.take();
        if (unfinished_tasks_ > 0) --unfinished_tasks_;
      }
      all_tasks_done_.notify_all();
    }
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  // ---- read by a harness between steps: no lock, no scheduling point ----
  /// Items stored (`qsize()` without the lock).
  [[nodiscard]] std::size_t stored() const noexcept { return storage_.size(); }
  /// `unfinished_tasks` without the lock.
  [[nodiscard]] std::int64_t unfinished() const noexcept { return unfinished_tasks_; }
  [[nodiscard]] bool is_shut_down() const noexcept { return is_shutdown_; }
  /// Whether some thread holds the queue's mutex (it is inside a member).
  [[nodiscard]] bool holder_active() const noexcept { return mutex_.locked(); }
  /// Reserves room for `n` items.
  void reserve(std::size_t n) { storage_.reserve(n); }

 private:
  [[nodiscard]] bool is_full() const noexcept {
    return maxsize_ > 0 && storage_.size() >= static_cast<std::size_t>(maxsize_);
  }
  static sim::time_point now() {
    return sim::detail::current() == nullptr ? sim::time_point{0} : sim::running_loop().now();
  }

  std::ptrdiff_t maxsize_;
  detail::storage<T> storage_;
  sync::mutex mutex_;
  sync::condition_variable not_empty_;
  sync::condition_variable not_full_;
  sync::condition_variable all_tasks_done_;
  std::int64_t unfinished_tasks_ = 0;
  bool is_shutdown_ = false;
};

}  // namespace chaosq::queue

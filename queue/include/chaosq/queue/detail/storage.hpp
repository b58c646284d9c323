#pragma once
/// \file
/// The three item containers behind the queue kinds (asyncio's `_init`/`_put`/`_get` hooks).

#include <cassert>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace chaosq::queue {

/// Which end items leave from.
enum class queue_kind : unsigned char {
  fifo,      ///< asyncio.Queue: first in, first out
  lifo,      ///< asyncio.LifoQueue: last in, first out
  priority,  ///< asyncio.PriorityQueue: smallest first, by `operator<`; ties are not FIFO. A
             ///< throwing `operator<` leaves the heap as CPython's heapq leaves it
};

namespace detail {

/// One vector serves all three kinds. Storage order (what `items()` shows) is Python's:
/// deque order, list order, or the heap array.
template <class T>
class storage {
 public:
  explicit storage(queue_kind k) : kind_(k) {}

  [[nodiscard]] queue_kind get_kind() const noexcept { return kind_; }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size() - head_; }
  [[nodiscard]] std::span<const T> items() const noexcept {
    return std::span<const T>(items_).subspan(head_);
  }

  void reserve(std::size_t n) { items_.reserve(n); }

  /// Empty again, of kind `k`, keeping the capacity.
  void reset(queue_kind k) noexcept {
    kind_ = k;
    items_.clear();
    head_ = 0;
  }

  void add(T item) {
    items_.push_back(std::move(item));
    if (kind_ == queue_kind::priority) sift_down(0, items_.size() - 1);
  }

  T take() {
    assert(size() > 0);
    switch (kind_) {
      case queue_kind::fifo: {
        T item = std::move(items_[head_++]);
        if (head_ == items_.size()) {
          items_.clear();
          head_ = 0;
        } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
          items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
          head_ = 0;
        }
        return item;
      }
      case queue_kind::lifo: {
        T item = std::move(items_.back());
        items_.pop_back();
        return item;
      }
      case queue_kind::priority:
        return heap_pop();
    }
    assert(false && "unknown queue kind");
    return T{};
  }

 private:
  // CPython's heapq as Modules/_heapqmodule.c runs it, step for step, so equal keys leave in the
  // same order as in Python. It swaps in place rather than carrying the item in a hole, so when
  // `operator<` throws every item is still in the heap, where CPython would leave it.
  void sift_down(std::size_t start, std::size_t pos) {
    using std::swap;
    while (pos > start) {
      std::size_t const parent = (pos - 1) >> 1U;
      if (!(items_[pos] < items_[parent])) break;
      swap(items_[pos], items_[parent]);
      pos = parent;
    }
  }

  void sift_up(std::size_t pos) {
    using std::swap;
    std::size_t const limit = items_.size() >> 1U;  // the first position with no child
    std::size_t const start = pos;
    while (pos < limit) {
      std::size_t child = 2 * pos + 1;
      if (child + 1 < items_.size() && !(items_[child] < items_[child + 1])) ++child;
      swap(items_[pos], items_[child]);
      pos = child;
    }
    sift_down(start, pos);
  }

  // heapq.heappop: if a comparison throws, the top item is gone (CPython drops the item it was
  // about to return) and the rest stay where the sift left them.
  T heap_pop() {
    T last = std::move(items_.back());
    items_.pop_back();
    if (items_.empty()) return last;
    T top = std::move(items_.front());
    items_.front() = std::move(last);
    sift_up(0);
    return top;
  }

  queue_kind kind_;
  std::vector<T> items_;
  std::size_t head_ = 0;  // FIFO only: items before head_ were taken
};

}  // namespace detail
}  // namespace chaosq::queue

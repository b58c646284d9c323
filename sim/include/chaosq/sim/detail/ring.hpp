#pragma once
/// \file
/// A growable ring buffer of pointers: O(1) at both ends, O(n) removal from the middle.

#include <cassert>
#include <cstddef>
#include <vector>

namespace chaosq::sim::detail {

template <class T>
class ring {
 public:
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  T operator[](std::size_t i) const noexcept { return slots_[(head_ + i) & mask()]; }

  void push_back(T value) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & mask()] = value;
    ++size_;
  }

  /// Removes and returns element `i`, keeping the order of the others.
  T take(std::size_t i) noexcept {
    assert(i < size_);
    T const value = (*this)[i];
    if (i == 0) {
      head_ = (head_ + 1) & mask();
    } else {
      for (std::size_t j = i; j + 1 < size_; ++j)
        slots_[(head_ + j) & mask()] = slots_[(head_ + j + 1) & mask()];
    }
    --size_;
    return value;
  }

  void clear() noexcept { head_ = size_ = 0; }

 private:
  [[nodiscard]] std::size_t mask() const noexcept { return slots_.size() - 1; }
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = (*this)[i];
    slots_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace chaosq::sim::detail

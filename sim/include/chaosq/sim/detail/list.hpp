#pragma once
/// \file
/// An intrusive doubly linked FIFO list. Nodes unlink themselves when destroyed and a list
/// detaches its nodes when destroyed, so either may die first.

#include <cassert>
#include <cstddef>

namespace chaosq::sim::detail {

class list_base;

/// Base of anything that can sit in one `intrusive_list` at a time.
class list_node {
 public:
  list_node() = default;
  list_node(const list_node&) = delete;
  list_node& operator=(const list_node&) = delete;
  ~list_node() { unlink(); }

  [[nodiscard]] bool linked() const noexcept { return owner_ != nullptr; }
  inline void unlink() noexcept;

 private:
  friend class list_base;
  list_node* prev_ = nullptr;
  list_node* next_ = nullptr;
  list_base* owner_ = nullptr;
};

class list_base {
 public:
  list_base() = default;
  list_base(const list_base&) = delete;
  list_base& operator=(const list_base&) = delete;
  ~list_base() {
    while (head_ != nullptr) pop_front_node();
  }

  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 protected:
  void push_back_node(list_node& n) noexcept {
    assert(!n.linked());
    n.owner_ = this;
    n.prev_ = tail_;
    n.next_ = nullptr;
    (tail_ != nullptr ? tail_->next_ : head_) = &n;
    tail_ = &n;
    ++size_;
  }
  list_node* pop_front_node() noexcept {
    list_node* n = head_;
    if (n != nullptr) remove_node(*n);
    return n;
  }
  [[nodiscard]] list_node* front_node() const noexcept { return head_; }
  static list_node* next_node(const list_node& n) noexcept { return n.next_; }
  [[nodiscard]] bool owns(const list_node& n) const noexcept { return n.owner_ == this; }

 private:
  friend class list_node;
  void remove_node(list_node& n) noexcept {
    assert(n.owner_ == this);
    (n.prev_ != nullptr ? n.prev_->next_ : head_) = n.next_;
    (n.next_ != nullptr ? n.next_->prev_ : tail_) = n.prev_;
    n.prev_ = n.next_ = nullptr;
    n.owner_ = nullptr;
    --size_;
  }

  list_node* head_ = nullptr;
  list_node* tail_ = nullptr;
  std::size_t size_ = 0;
};

void list_node::unlink() noexcept {
  if (owner_ != nullptr) owner_->remove_node(*this);
}

/// A FIFO of `T`s, each a `list_node`; the list does not own them.
template <class T>
class intrusive_list : public list_base {
 public:
  void push_back(T& item) noexcept { push_back_node(item); }
  /// Removes and returns the first element, or nullptr when empty.
  T* pop_front() noexcept { return static_cast<T*>(pop_front_node()); }
  [[nodiscard]] T* front() const noexcept { return static_cast<T*>(front_node()); }
  /// Removes `item` if it is in this list; returns whether it was (Python's deque.remove
  /// without the ValueError).
  bool remove(T& item) noexcept {
    if (!contains(item)) return false;
    item.unlink();
    return true;
  }
  [[nodiscard]] bool contains(const T& item) const noexcept { return owns(item); }

  /// Calls `f(T&)` on each element in order; `f` must not add to or remove from this list.
  template <class F>
  void for_each(F&& f) const {
    for (list_node* n = front_node(); n != nullptr; n = next_node(*n)) f(static_cast<T&>(*n));
  }
};

}  // namespace chaosq::sim::detail

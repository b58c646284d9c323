#pragma once
/// \file
/// The acknowledgement ledger: for every item, put (step, task) -> got (step, task) -> acked |
/// held by a struck task | drained by shutdown, and the shadow queue of what the queue should
/// hold. It consumes events ("task T put item Y at step Z") and knows nothing of coroutines;
/// the safety oracles that judge each event (capacity, duplicated, order, over-ack) judge here,
/// as the event arrives.

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "chaosq/harness/workload.hpp"

#include "detail/judgement.hpp"
#include "detail/tasks.hpp"

namespace chaosq::harness::detail {

enum class fate : std::uint8_t { queued, taken, acked, drained };

/// The ledger's line for one item.
struct item_record {
  task_id put_by = 0;
  step_no put_step = 0;
  task_id got_by = 0;
  step_no got_step = 0;
  step_no ack_step = 0;
  std::uint32_t acks = 0;
  detail::fate fate = fate::queued;
  fault_kind holder_fault = fault_kind::crash;
  bool holder_struck = false;  ///< a fault struck the task that took it while it held it
  bool put = false;
  bool got = false;
};

/// A moment the unfinished count reached zero, and the items the ledger still held then.
struct zero_moment {
  step_no step;
  std::vector<std::uint32_t> unacked;
};

/// What the queue should store, in put order. Taking the front (what a FIFO get does every
/// time) moves a head index instead of shifting every item down.
class shadow_items {
 public:
  using iterator = std::vector<item>::iterator;
  using const_iterator = std::vector<item>::const_iterator;

  iterator begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept {
    return items_.begin() + static_cast<std::ptrdiff_t>(head_);
  }
  const_iterator end() const noexcept { return items_.end(); }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size() - head_; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  void reserve(std::size_t n) { items_.reserve(n); }
  void push_back(const item& it) { items_.push_back(it); }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }

  /// Where `it` is (items are unique), looking first at the ends, where FIFO and LIFO take.
  iterator find(const item& it) {
    if (empty()) return end();
    if (*begin() == it) return begin();
    if (items_.back() == it) return end() - 1;
    return std::find(begin(), end(), it);
  }

  void erase(iterator pos) {
    if (pos != begin()) {
      items_.erase(pos);
    } else if (++head_ == items_.size()) {
      clear();
    }
  }

 private:
  std::vector<item> items_;
  std::size_t head_ = 0;  // items_[0, head_) were taken
};

/// The ledger of one run at a time; `start` clears it and keeps its capacity for the next.
class ledger {
 public:
  /// Starts a run: `items` ids will be made; verdicts go to `judge`, naming `tasks` (both must
  /// outlive the run; `tasks` may grow).
  /// `ordered`: gets are judged against the kind's order (false for a thread pool, whose
  /// workers may start the jobs they took in any order).
  void start(queue::queue_kind kind, std::int64_t maxsize, std::size_t items, judgement& judge,
             const std::vector<task_record>& tasks, bool ordered = true);

  /// A producer made a new item: its id (ids count from 0).
  std::uint32_t make_item() {
    records_.emplace_back();
    return static_cast<std::uint32_t>(records_.size() - 1);
  }

  /// `by` put `it` at step `at`, leaving the queue's unfinished count at `count`.
  /// False if the put was recorded already (a getter took the item before put returned).
  [[gnu::always_inline]] bool put(task_id by, const item& it, step_no at, std::int64_t count) {
    item_record& r = records_[it.id];
    if (r.put) return false;
    r.put = true;
    ++open_items_;
    r.put_by = by;
    r.put_step = at;
    shadow_.push_back(it);
    observe_count(count, at);
    if (maxsize_ > 0 && shadow_.size() > static_cast<std::size_t>(maxsize_))
      over_maxsize(by, it, at);
    return true;
  }

  /// `by` got `it` at step `at`. False if `it` was never put or got already (a verdict).
  [[gnu::always_inline]] bool got(task_id by, const item& it, step_no at) {
    if (it.id >= records_.size() || !records_[it.id].put || records_[it.id].got) {
      not_put_or_got_twice(by, it, at);
      return false;
    }
    auto expected = ordered_ ? expected_next() : shadow_.end();
    if (expected != shadow_.end() && expected->id != it.id) out_of_order(by, it, *expected, at);
    // Usually the item got is the one expected: no second search.
    auto const pos = expected != shadow_.end() && *expected == it ? expected : shadow_.find(it);
    if (pos != shadow_.end()) shadow_.erase(pos);
    item_record& r = records_[it.id];
    r.got = true;
    r.got_by = by;
    r.got_step = at;
    r.fate = fate::taken;
    return true;
  }

  /// `by` acknowledged `it` at step `at` (the queue's task_done, which left the count at `count`
  /// and raised when `refused`). False if `it` is an item the queue made up (judged at get).
  [[gnu::always_inline]] bool acked(task_id by, const item& it, step_no at, std::int64_t count,
                                    bool refused) {
    if (it.id >= records_.size() || !records_[it.id].put) {
      observe_count(count, at);
      return false;
    }
    item_record& r = records_[it.id];
    ++r.acks;
    r.ack_step = at;
    if (r.fate == fate::taken) {
      r.fate = fate::acked;
      --open_items_;
    }
    observe_count(count, at);
    if (count < 0 || r.acks > 1 || refused) over_acked(by, it, at, count, refused);
    return true;
  }

  /// The queue shut down immediately: every item it held is drained.
  void drain() noexcept {
    for (const item& it : shadow_) {
      records_[it.id].fate = fate::drained;
      --open_items_;
    }
    shadow_.clear();
  }

  /// A fault struck the task holding item `id`, unacknowledged.
  void blame_holder(std::uint32_t id, fault_kind kind) {
    if (id >= records_.size()) return;
    records_[id].holder_struck = true;
    records_[id].holder_fault = kind;
  }

  /// The queue's unfinished count is `count` at step `at`: the ledger notes when it reaches 0.
  void observe_count(std::int64_t count, step_no at) {
    if (count == 0 && last_count_ > 0) zeros_.push_back({at, unacked_items()});
    last_count_ = count;
  }

  /// The count last observed.
  [[nodiscard]] std::int64_t last_count() const noexcept { return last_count_; }

  /// The items put and neither acknowledged nor drained, by id.
  [[nodiscard]] std::vector<std::uint32_t> unacked_items() const;
  /// As `unacked_items()`, in a buffer the ledger keeps from run to run: valid until the next
  /// call (a hang, met on a large share of all runs, allocates nothing for it).
  [[nodiscard]] const std::vector<std::uint32_t>& unacked_now() const;

  /// Put and never got, in put order.
  [[nodiscard]] const shadow_items& shadow() const noexcept { return shadow_; }
  [[nodiscard]] const std::vector<zero_moment>& zeros() const noexcept { return zeros_; }
  [[nodiscard]] const item_record& operator[](std::uint32_t id) const { return records_[id]; }
  [[nodiscard]] std::size_t size() const noexcept { return records_.size(); }
  [[nodiscard]] bool was_put(std::uint32_t id) const noexcept {
    return id < records_.size() && records_[id].put;
  }

 private:
  void collect_unacked(std::vector<std::uint32_t>& out) const;
  shadow_items::iterator expected_next() {
    if (shadow_.empty()) return shadow_.end();
    switch (kind_) {
      case queue::queue_kind::fifo:
        return shadow_.begin();
      case queue::queue_kind::lifo:
        return shadow_.end() - 1;
      case queue::queue_kind::priority:
        return std::min_element(shadow_.begin(), shadow_.end());
    }
    return shadow_.begin();
  }

  [[nodiscard]] const std::string& name(task_id t) const { return (*tasks_)[t].name; }

  // The verdicts, out of line: their text is built only on a violation.
  [[gnu::noinline]] void over_maxsize(task_id by, const item& it, step_no at);
  [[gnu::noinline]] void not_put_or_got_twice(task_id by, const item& it, step_no at);
  [[gnu::noinline]] void out_of_order(task_id by, const item& it, const item& expected, step_no at);
  [[gnu::noinline]] void over_acked(task_id by, const item& it, step_no at, std::int64_t count,
                                    bool refused);

  queue::queue_kind kind_ = queue::queue_kind::fifo;
  bool ordered_ = true;
  std::int64_t maxsize_ = 0;
  judgement* judge_ = nullptr;
  const std::vector<task_record>* tasks_ = nullptr;
  std::vector<item_record> records_;
  shadow_items shadow_;
  std::vector<zero_moment> zeros_;
  std::int64_t last_count_ = 0;
  mutable std::vector<std::uint32_t> unacked_scratch_;  // unacked_now's answer
  std::size_t open_items_ = 0;  // items put and neither acknowledged nor drained
};

}  // namespace chaosq::harness::detail

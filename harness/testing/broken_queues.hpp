#pragma once
// Deliberately broken queues for the harness's tests: each wraps the reference queue behind the
// `work_queue` interface and plants exactly one bug, named in a `BUG:` comment, so that every
// oracle the correct reference can never trip has a run that trips it. A bug inside one step of
// the queue changes that step through a basic_queue hook (`hooked<Variant>`); a bug in what one
// member does overrides that member of `wrapped_queue`.

#include <cstdint>
#include <memory>
#include <optional>

#include "chaosq/harness/work_queue.hpp"
#include "chaosq/queue/errors.hpp"
#include "chaosq/sim/event.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::harness::testing {

/// A factory for the queue type `Q`, constructed from the workload.
template <class Q>
queue_factory queue_of() {
  return [](const workload& w) -> std::unique_ptr<work_queue> { return std::make_unique<Q>(w); };
}

/// The reference queue behind the `work_queue` interface. Each broken queue below overrides
/// one member of it and plants one bug, named in a `BUG:` comment.
class wrapped_queue : public queue_adapter<queue::basic_queue<item>> {
 public:
  explicit wrapped_queue(const workload& w) : queue_adapter(w.kind, w.maxsize) {}
  wrapped_queue(queue::queue_kind kind, std::int32_t maxsize) : queue_adapter(kind, maxsize) {}

 protected:
  queue::basic_queue<item>& q_ = underlying();
};

/// join-early/unacked: lowers the count when it hands an item out rather than when the
/// consumer acknowledges it.
class counts_down_in_get final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<item> get() override {
    item const it = co_await q_.get();
    q_.task_done();  // BUG: acknowledges on the consumer's behalf, waking joiners at zero ...
    co_return it;
  }
  void task_done() override {}  // ... so the consumer's own acknowledgement does nothing
};

/// join-early/no-zero: join returns at once whatever the count.
class join_never_waits final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<void> join() override { co_return; }  // BUG: should wait for the count to reach 0
};

/// join-hang/count-mismatch: swallows the first task_done, so the count stays one too high.
class swallows_first_ack final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  void task_done() override {
    if (!swallowed_) {
      swallowed_ = true;  // BUG: returns without lowering the count
      return;
    }
    q_.task_done();
  }

 private:
  bool swallowed_ = false;
};

/// join-late/not-woken: joiners wait on an event that the count reaching zero never sets.
class never_wakes_joiners final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<void> join() override {
    if (q_.unfinished_tasks() > 0) co_await forgotten_.wait();  // BUG: nothing sets forgotten_
  }

 private:
  sim::event forgotten_;
};

/// The reference with one step changed through a hook of `basic_queue<item, Variant>`, behind
/// the `work_queue` interface, constructed from the workload as the others.
template <class Variant>
class hooked final : public queue_adapter<Variant> {
 public:
  explicit hooked(const workload& w) : queue_adapter<Variant>(w.kind, w.maxsize) {}
};

/// join-late/not-woken, subtler: task_done wakes joiners when the count reaches zero, but an
/// immediate shutdown that drops the count to zero does not.
class drain_forgets_joiners final : public queue::basic_queue<item, drain_forgets_joiners> {
 public:
  using basic_queue::basic_queue;
  void drain() noexcept {
    while (!empty()) {
      static_cast<void>(storage_.take());
      if (unfinished_ > 0) --unfinished_;
    }
    // BUG: no finished_.set() although the count may have dropped to zero
  }
};
using shutdown_forgets_joiners = hooked<drain_forgets_joiners>;

/// over-ack/task-done-error: an immediate shutdown zeroes the count, forgetting the items
/// consumers hold; their acknowledgements then find nothing unfinished.
class shutdown_zeroes_count final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  void shutdown(queue::shutdown_mode mode) override {
    q_.shutdown(mode);
    if (mode != queue::shutdown_mode::immediate) return;
    while (q_.unfinished_tasks() > 0) q_.task_done();  // BUG: held items are unfinished too
  }
};

/// stranded/getter-beside-items: a getter that finds the queue empty waits for a wake-up that
/// no put sends (a lost wake-up).
class getter_misses_wakeup final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<item> get() override {
    if (q_.empty()) co_await never_set_.wait();  // BUG: put does not set never_set_
    co_return q_.get_nowait();
  }

 private:
  sim::event never_set_;
};

/// task-error/queue-raised: a getter that finds the queue empty gives the other tasks a turn,
/// then takes without looking again, and raises QueueEmpty when another getter came first.
class getter_takes_without_looking_again final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<item> get() override {
    if (q_.empty() && !q_.is_shut_down()) co_await sim::yield();  // BUG: `if` for `while`
    co_return q_.get_nowait();
  }
};

/// task-error/queue-raised: the first task_done raises ValueError although items are
/// unfinished (and lowers nothing).
class refuses_first_ack final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  void task_done() override {
    if (!refused_) {
      refused_ = true;
      throw queue::task_done_error{};  // BUG: the count is above zero
    }
    q_.task_done();
  }

 private:
  bool refused_ = false;
};

/// task-error/queue-raised: put_nowait reports the queue full one item early.
class full_one_item_early final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  void put_nowait(item i) override {
    if (q_.maxsize() > 0 && static_cast<std::ptrdiff_t>(q_.qsize()) + 1 >= q_.maxsize())
      throw queue::queue_full{};  // BUG: full at maxsize - 1 items
    q_.put_nowait(i);
  }
};

/// task-error/queue-raised: join raises QueueShutDown once the queue is shut down.
class join_raises_after_shutdown final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<void> join() override {
    co_await q_.join();
    if (q_.is_shut_down()) throw queue::queue_shut_down{};  // BUG: join never raises
  }
};

/// stranded/getter-after-shutdown: getters asleep in get are woken by put, not by shutdown.
class shutdown_forgets_getters final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<void> put(item i) override {
    co_await q_.put(i);
    nonempty_.set();
  }
  void put_nowait(item i) override {
    q_.put_nowait(i);
    nonempty_.set();
  }
  sim::task<item> get() override {
    while (q_.empty()) {
      if (q_.is_shut_down()) throw queue::queue_shut_down{};
      nonempty_.clear();
      co_await nonempty_.wait();
    }
    co_return q_.get_nowait();
  }
  void shutdown(queue::shutdown_mode mode) override {
    q_.shutdown(mode);  // BUG: no nonempty_.set(), so getters already waiting sleep on
  }

 private:
  sim::event nonempty_;
};

/// lost/vanished: every third put is silently discarded, neither stored nor counted.
class drops_every_third_put final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<void> put(item i) override {
    if (++puts_ % 3 == 0) co_return;  // BUG: the item is gone
    co_await q_.put(i);
  }
  void put_nowait(item i) override {
    if (++puts_ % 3 == 0) return;  // BUG: the item is gone
    q_.put_nowait(i);
  }

 private:
  std::uint32_t puts_ = 0;
};

/// A vanished item that is still counted: every third put is stored, counted, and dropped
/// again. Used with maxsize 1, where the queue is empty before each blocking put completes,
/// so the item dropped is exactly the one just put.
class loses_every_third_item final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<void> put(item i) override {
    co_await q_.put(i);
    if (++puts_ % 3 == 0) static_cast<void>(q_.get_nowait());  // BUG: counted, then discarded
  }

 private:
  std::uint32_t puts_ = 0;
};

/// An extra item: every put stores (and counts) its item twice.
class stores_every_item_twice final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<void> put(item i) override {
    co_await q_.put(i);
    q_.put_nowait(i);  // BUG: a second copy
  }
};

/// duplicated/got-twice: the first item handed out is handed out again by the next get.
class hands_first_item_out_twice final : public wrapped_queue {
 public:
  using wrapped_queue::wrapped_queue;
  sim::task<item> get() override {
    if (echo_) {
      item const again = *echo_;
      echo_.reset();
      co_return again;
    }
    item const it = co_await q_.get();
    if (!echoed_) {
      echoed_ = true;
      echo_ = it;  // BUG: remembered for a second delivery
    }
    co_return it;
  }

 private:
  std::optional<item> echo_;
  bool echoed_ = false;
};

/// duplicated/never-put: a get on an empty queue returns a made-up item instead of waiting.
class invents_item_when_empty final : public wrapped_queue {
 public:
  static constexpr std::uint32_t k_phantom_id = 999;
  using wrapped_queue::wrapped_queue;
  sim::task<item> get() override {
    if (q_.empty()) co_return item{0, k_phantom_id};  // BUG: should wait for a put
    co_return q_.get_nowait();
  }
};

/// order/<kind>: stores items in the order of `Actual` whatever kind the workload asks for.
template <queue::queue_kind Actual>
class serves_as final : public wrapped_queue {
 public:
  explicit serves_as(const workload& w) : wrapped_queue(Actual, w.maxsize) {}  // BUG: kind
};
using fifo_serving_newest_first = serves_as<queue::queue_kind::lifo>;
using lifo_serving_oldest_first = serves_as<queue::queue_kind::fifo>;
using priority_ignoring_priority = serves_as<queue::queue_kind::fifo>;

/// capacity/over-maxsize: never full.
class ignores_maxsize final : public wrapped_queue {
 public:
  explicit ignores_maxsize(const workload& w) : wrapped_queue(w.kind, 0) {}  // BUG: maxsize
};

}  // namespace chaosq::harness::testing

#include "chaosq/harness/zoo.hpp"

#include <array>
#include <cassert>
#include <cstddef>

#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::harness {
namespace {

// Each planted bug is the reference queue with one step changed through basic_queue's hooks
// (queue/queue.hpp), the deviation marked BUG; each class is named as its row of
// detail/planted_bugs.def. planted_bug::none is the reference itself.

template <class Variant>
using variant_of_reference = queue::basic_queue<item, Variant>;

using none = queue::basic_queue<item>;

class no_pass_on final : public variant_of_reference<no_pass_on> {
 public:
  using basic_queue::basic_queue;
  // BUG: a woken waiter that leaves keeps its wake-up to itself.
  void pass_on_wakeup(sim::future_list& /*line*/) noexcept {}
};

class get_counts_down final : public variant_of_reference<get_counts_down> {
 public:
  using basic_queue::basic_queue;
  void count_got() noexcept { lower_count(); }  // BUG: counts down on get ...
  void count_done() noexcept {}                 // ... and not on task_done
};

class join_not_woken final : public variant_of_reference<join_not_woken> {
 public:
  using basic_queue::basic_queue;
  void lower_count() noexcept {
    if (--unfinished_ != 0) return;
    // BUG: "more work is surely coming while a getter waits".
    if (!getters_.empty()) return;
    finished_.set();
  }
};

class immediate_keeps_count final : public variant_of_reference<immediate_keeps_count> {
 public:
  using basic_queue::basic_queue;
  void drain() noexcept {
    while (!empty()) static_cast<void>(storage_.take());  // BUG: drained items stay counted
    if (unfinished_ == 0) finished_.set();
  }
};

class task_done_unchecked final : public variant_of_reference<task_done_unchecked> {
 public:
  using basic_queue::basic_queue;
  void count_done() noexcept { lower_count(); }  // BUG: no check for underflow
};

class putter_no_recheck final : public variant_of_reference<putter_no_recheck> {
 public:
  using basic_queue::basic_queue;
  sim::task<void> put(item i) {
    if (full()) {  // BUG: `if` where `while` belongs: no second look at room once woken
      if (is_shutdown_) throw queue::queue_shut_down{};
      co_await wait_in(putters_, [this] { return !full(); });
      store(i, room::assumed);
      count_put();
      co_return;
    }
    put_nowait(i);
  }
};

class late_count final : public variant_of_reference<late_count> {
 public:
  using basic_queue::basic_queue;
  sim::task<void> put(item i) {
    while (full()) {
      if (is_shutdown_) throw queue::queue_shut_down{};
      co_await wait_in(putters_, [this] { return !full(); });
    }
    store(i);
    co_await sim::yield();  // BUG: the count is raised once the woken getter may have run
    count_put();
  }
};

// The deeper zoo: each bug below shows only after three or more events in one order (a task
// waits, something wakes it, and a cancellation or a shutdown lands before it resumes), which a
// random walk rarely strings together.

/// Resembles tornado's Queue.get losing its result on CancelledError (tornadoweb/tornado#2826)
/// and asyncio's own bpo-23812 ("asyncio.Queue.put_nowait(), followed get() task cancellation
/// leads to item being lost"): a queue that thinks of a wake-up as a hand-off lets a getter
/// cancelled after it was woken take its item, which the cancellation then drops.
class cancelled_getter_takes final : public variant_of_reference<cancelled_getter_takes> {
 public:
  using basic_queue::basic_queue;
  sim::task<item> get() {
    while (empty()) {
      if (is_shutdown_) throw queue::queue_shut_down{};
      try {
        co_await wait_in(getters_, [this] { return !empty(); });
      } catch (const sim::cancelled_error&) {
        // BUG: "the item was meant for us": taken so the wake-up is not wasted, then dropped.
        if (!empty()) static_cast<void>(get_nowait());
        throw;
      }
    }
    co_return get_nowait();
  }
};

/// Resembles CPython gh-108042 ("asyncio queue: get/put will not awaken next if interrupted"),
/// where the test deciding whether an interrupted waiter passes its wake-up on could not hold:
/// here the putter's test is the getter's, copied, so a putter woken by a get that empties a
/// queue of maxsize 1 and then cancelled keeps the room to itself and the next putter waits on.
class putter_pass_on_if_item final : public variant_of_reference<putter_pass_on_if_item> {
 public:
  using basic_queue::basic_queue;
  sim::task<void> put(item i) {
    while (full()) {
      if (is_shutdown_) throw queue::queue_shut_down{};
      co_await wait_in(putters_, [this] { return !empty(); });  // BUG: get's test, not !full()
    }
    put_nowait(i);
  }
};

/// Resembles the lost wake-ups of cancelled waiters (bpo-27585 in asyncio.Lock, gh-108042 in
/// asyncio.Queue, anyio's Condition.wait, agronholm/anyio#1075) through a wrong shortcut: a
/// putter woken and then cancelled skips passing its wake-up on while a getter waits, reasoning
/// that the getter's next get will wake the next putter; but the getter waits for an item only
/// a putter can bring. It shows only if the cancelled putter resumes after the consumer has
/// finished its item and waits again.
class putter_defers_to_getter final : public variant_of_reference<putter_defers_to_getter> {
 public:
  using basic_queue::basic_queue;
  void pass_on_wakeup(sim::future_list& line) noexcept {
    if (&line == &putters_ && !getters_.empty()) return;  // BUG: "the getter will wake one"
    wakeup_next(line);
  }
};

/// Resembles bpo-27585 (asyncio.Lock deadlocked when a cancelled future was still in its
/// waiters, python/asyncio#393): a task cancelled while it waits leaves its cancelled future
/// in the line until it runs, and a put in between hands the wake-up to that future alone.
class wakeup_stops_at_done final : public variant_of_reference<wakeup_stops_at_done> {
 public:
  using basic_queue::basic_queue;
  void wakeup_next(sim::future_list& line) noexcept {
    // BUG: `if` where `while` belongs: a done waiter at the head takes the wake-up with it.
    if (sim::future* f = line.pop_front(); f != nullptr && !f->done()) f->set_result();
  }
};

/// Resembles the getter bugs of Queue.shutdown's first versions (gh-96471's review, and
/// gh-117531 "Unblock getters after non-immediate queue shutdown"), which mixed up what a
/// graceful shutdown owes a blocked getter: here a getter woken by a put takes a graceful
/// shutdown that lands before it resumes for its wake-up and raises, leaving the item behind.
class woken_getter_sees_shutdown final : public variant_of_reference<woken_getter_sees_shutdown> {
 public:
  using basic_queue::basic_queue;
  sim::task<item> get() {
    while (empty()) {
      if (is_shutdown_) throw queue::queue_shut_down{};
      co_await wait_in(getters_, [this] { return !empty(); });
      // BUG: "woken while shut down: the shutdown woke us", without looking for an item.
      if (is_shutdown_) throw queue::queue_shut_down{};
    }
    co_return get_nowait();
  }
};

template <class Q>
std::unique_ptr<work_queue> make(const workload& w) {
  return std::make_unique<queue_adapter<Q>>(w.kind, w.maxsize);
}

using queue_maker = std::unique_ptr<work_queue> (*)(const workload&);

/// Every maker, in the order of detail/planted_bugs.def: `makers[i]` makes `planted_bug(i)`.
constexpr std::array makers{
#define CHAOSQ_PLANTED_BUG(id, name, depth, help) queue_maker{&make<id>},
#include "chaosq/harness/detail/planted_bugs.def"
};
static_assert(makers.size() == names_of<planted_bug>::values.size());

/// Every bug's depth, in the order of detail/planted_bugs.def.
constexpr std::array depths{
#define CHAOSQ_PLANTED_BUG(id, name, depth, help) bug_depth::depth,
#include "chaosq/harness/detail/planted_bugs.def"
};

}  // namespace

std::unique_ptr<work_queue> make_planted_queue(planted_bug bug, const workload& w) {
  auto const row = static_cast<std::size_t>(bug);
  assert(row < makers.size() && "every planted_bug has a row");
  return row < makers.size() ? makers[row](w) : nullptr;
}

bug_depth depth_of(planted_bug bug) noexcept {
  auto const row = static_cast<std::size_t>(bug);
  assert(row < depths.size() && "every planted_bug has a row");
  return row < depths.size() ? depths[row] : bug_depth::shallow;
}

queue_factory planted_queue_factory(planted_bug bug) {
  return [bug](const workload& w) { return make_planted_queue(bug, w); };
}

reference_check reference_check_for(planted_bug bug) noexcept {
  switch (bug) {
    case planted_bug::none:
      return reference_check::off;
    case planted_bug::task_done_unchecked:
      return reference_check::differs;
    default:
      return reference_check::passes;
  }
}

}  // namespace chaosq::harness

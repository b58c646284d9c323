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

template <class Q>
std::unique_ptr<work_queue> make(const workload& w) {
  return std::make_unique<queue_adapter<Q>>(w.kind, w.maxsize);
}

using queue_maker = std::unique_ptr<work_queue> (*)(const workload&);

/// Every maker, in the order of detail/planted_bugs.def: `makers[i]` makes `planted_bug(i)`.
constexpr std::array makers{
#define CHAOSQ_PLANTED_BUG(id, name, help) queue_maker{&make<id>},
#include "chaosq/harness/detail/planted_bugs.def"
};
static_assert(makers.size() == names_of<planted_bug>::values.size());

}  // namespace

std::unique_ptr<work_queue> make_planted_queue(planted_bug bug, const workload& w) {
  auto const row = static_cast<std::size_t>(bug);
  assert(row < makers.size() && "every planted_bug has a row");
  return row < makers.size() ? makers[row](w) : nullptr;
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

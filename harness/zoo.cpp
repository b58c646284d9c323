#include "chaosq/harness/zoo.hpp"

#include "chaosq/queue/detail/storage.hpp"
#include "chaosq/sim/event.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::harness {
namespace {

using queue::queue_empty;
using queue::queue_full;
using queue::queue_shut_down;
using queue::task_done_error;

/// asyncio.Queue's algorithm once more, written so that each planted bug is one visible
/// deviation marked BUG. With planted_bug::none it behaves as the reference (a test checks).
class mutant_queue final : public work_queue {
 public:
  mutant_queue(planted_bug bug, const workload& w)
      : bug_(bug), maxsize_(w.maxsize), storage_(w.kind) {
    finished_.set();
  }

  sim::task<void> put(item i) override {
    while (full()) {
      if (shut_down_) throw queue_shut_down{};
      co_await wait_in(putters_, [this] { return !full(); });
      if (bug_ == planted_bug::putter_no_recheck) {
        store(i, room::assumed);  // BUG: `if` where `while` belongs: no second look at room
        raise_count();
        co_return;
      }
    }
    if (bug_ == planted_bug::late_count) {
      // BUG: the count is raised after an await, once the woken getter may have run.
      store(i, room::checked);
      co_await sim::yield();
      raise_count();
      co_return;
    }
    put_nowait(i);
  }

  sim::task<item> get() override {
    while (empty()) {
      if (shut_down_) throw queue_shut_down{};
      co_await wait_in(getters_, [this] { return !empty(); });
    }
    co_return get_nowait();
  }

  void put_nowait(item i) override {
    store(i, room::checked);
    raise_count();
  }

  item get_nowait() override {
    if (empty()) {
      if (shut_down_) throw queue_shut_down{};
      throw queue_empty{};
    }
    item const it = storage_.take();
    wakeup_next(putters_);
    if (bug_ == planted_bug::get_counts_down) lower_count();  // BUG: counts down on get
    return it;
  }

  void task_done() override {
    if (bug_ == planted_bug::get_counts_down) return;  // BUG: ...and not on task_done
    if (unfinished_ <= 0 && bug_ != planted_bug::task_done_unchecked) throw task_done_error{};
    lower_count();
  }

  sim::task<void> join() override {
    if (unfinished_ > 0) co_await finished_.wait();
  }

  void shutdown(queue::shutdown_mode mode) override {
    shut_down_ = true;
    if (mode == queue::shutdown_mode::immediate) {
      while (!empty()) {
        static_cast<void>(storage_.take());
        // BUG (immediate_keeps_count): the drained items stay counted.
        if (unfinished_ > 0 && bug_ != planted_bug::immediate_keeps_count) --unfinished_;
      }
      if (unfinished_ == 0) finished_.set();
    }
    while (sim::future* f = getters_.pop_front())
      if (!f->done()) f->set_result();
    while (sim::future* f = putters_.pop_front())
      if (!f->done()) f->set_result();
  }

  [[nodiscard]] std::size_t qsize() const override { return storage_.size(); }
  [[nodiscard]] std::int64_t unfinished_tasks() const override { return unfinished_; }

 private:
  [[nodiscard]] bool empty() const { return storage_.size() == 0; }
  [[nodiscard]] bool full() const {
    return maxsize_ > 0 && storage_.size() >= static_cast<std::size_t>(maxsize_);
  }

  enum class room : std::uint8_t { checked, assumed };

  void store(item i, room r) {
    if (shut_down_) throw queue_shut_down{};
    if (r == room::checked && full()) throw queue_full{};
    storage_.add(i);
    wakeup_next(getters_);
  }

  void raise_count() {
    ++unfinished_;
    finished_.clear();
  }

  void lower_count() {
    if (--unfinished_ != 0) return;
    // BUG (join_not_woken): "more work is surely coming while a getter waits".
    if (bug_ == planted_bug::join_not_woken && !getters_.empty()) return;
    finished_.set();
  }

  template <class Ready>
  sim::task<void> wait_in(sim::future_list& line, Ready can_proceed) {
    sim::future waiter;
    line.push_back(waiter);
    try {
      co_await waiter;
    } catch (...) {
      waiter.cancel();
      line.remove(waiter);
      // BUG (no_pass_on): a woken waiter that leaves keeps its wake-up to itself.
      if (bug_ != planted_bug::no_pass_on && can_proceed() && !waiter.cancelled())
        wakeup_next(line);
      throw;
    }
  }

  static void wakeup_next(sim::future_list& line) {
    while (sim::future* f = line.pop_front()) {
      if (!f->done()) {
        f->set_result();
        return;
      }
    }
  }

  planted_bug bug_;
  std::int32_t maxsize_;
  queue::detail::storage<item> storage_;
  sim::future_list getters_;
  sim::future_list putters_;
  sim::event finished_;
  std::int64_t unfinished_ = 0;
  bool shut_down_ = false;
};

}  // namespace

std::unique_ptr<work_queue> make_planted_queue(planted_bug bug, const workload& w) {
  return std::make_unique<mutant_queue>(bug, w);
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

#pragma once
/// \file
/// The physical limit the engine is held against: a deliberately minimal coroutine scheduler and
/// unbounded FIFO queue with asyncio.Queue's counting contract, written without anything of
/// chaosq but its random stream (so that both draw the same numbers). No allocation once warm
/// (frames are recycled), no exceptions, no strings, no virtual calls, no bookkeeping a harness
/// needs: what any engine running the reference workload has to do, and nothing more.
///
/// Bounded where a minimal engine can afford to be: a scheduler runs at most `k_max_tasks`
/// tasks. The queue's item storage is not bounded.

#include <array>
#include <cassert>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <utility>

#include "chaosq/sim/decision.hpp"

namespace chaosq::bench::minimal {

/// Tasks one scheduler can run: the ready set and every waiter line are arrays this long.
inline constexpr std::uint32_t k_max_tasks = 8;

/// Recycles coroutine frames on this thread: a schedule makes a handful of frames of a few
/// sizes, so a free list per size class turns each allocation into a pop. Blocks stay on their
/// thread's lists until the thread ends.
class frame_pool {
 public:
  static void* allocate(std::size_t size) {
    std::size_t const c = size_class(size);
    if (c >= k_classes) return ::operator new(size);
    free_block*& head = lists().heads[c];
    if (head == nullptr) return ::operator new((c + 1) * k_granule);
    free_block* const block = head;
    head = block->next;
    return block;
  }

  static void deallocate(void* p, std::size_t size) noexcept {
    std::size_t const c = size_class(size);
    if (c >= k_classes) {
      ::operator delete(p);
      return;
    }
    free_block*& head = lists().heads[c];
    head = new (p) free_block{head};
  }

 private:
  static constexpr std::size_t k_granule = 64;
  static constexpr std::size_t k_classes = 16;  // frames up to 1 KiB

  struct free_block {
    free_block* next;
  };
  struct free_lists {
    std::array<free_block*, k_classes> heads{};
    free_lists() = default;
    free_lists(const free_lists&) = delete;
    free_lists& operator=(const free_lists&) = delete;
    ~free_lists() {
      for (free_block* head : heads) {
        while (head != nullptr) ::operator delete(std::exchange(head, head->next));
      }
    }
  };

  static std::size_t size_class(std::size_t size) noexcept { return (size - 1) / k_granule; }
  static free_lists& lists() noexcept {
    thread_local free_lists l;
    return l;
  }
};

/// Up to `k_max_tasks` coroutine handles in arrival order, in a plain array: taking one from
/// the middle shifts the few behind it.
class handle_line {
 public:
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::uint32_t size() const noexcept { return size_; }

  void push_back(std::coroutine_handle<> h) noexcept {
    assert(size_ < k_max_tasks);
    slots_[size_++] = h;
  }

  /// Removes and returns handle `i`, keeping the order of the others.
  std::coroutine_handle<> take(std::uint32_t i) noexcept {
    assert(i < size_);
    std::coroutine_handle<> const h = slots_[i];
    for (std::uint32_t j = i + 1; j < size_; ++j) slots_[j - 1] = slots_[j];
    --size_;
    return h;
  }

 private:
  std::array<std::coroutine_handle<>, k_max_tasks> slots_{};
  std::uint32_t size_ = 0;
};

class scheduler;

/// A task's coroutine. It starts suspended; `scheduler::spawn` takes it over.
class task {
 public:
  struct promise_type;
  using handle = std::coroutine_handle<promise_type>;

  struct promise_type {
    scheduler* owner = nullptr;
    std::coroutine_handle<> end_waiter{};  ///< woken when this task returns

    static void* operator new(std::size_t size) { return frame_pool::allocate(size); }
    static void operator delete(void* p, std::size_t size) noexcept {
      frame_pool::deallocate(p, size);
    }

    task get_return_object() noexcept { return task{handle::from_promise(*this)}; }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    /// Wakes the end waiter; the frame stays suspended until the scheduler destroys it.
    struct end_notice {
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      void await_suspend(handle h) const noexcept;
      void await_resume() const noexcept {}
    };
    end_notice final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    /// Nothing in a minimal task throws; if something did, there is no one to tell.
    [[noreturn]] void unhandled_exception() const noexcept { std::terminate(); }
  };

  task(task&& other) noexcept : frame_(std::exchange(other.frame_, {})) {}
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  task& operator=(task&&) = delete;
  ~task() {
    if (frame_) frame_.destroy();
  }

  /// Hands the frame to the caller, who destroys it.
  [[nodiscard]] handle release() noexcept { return std::exchange(frame_, {}); }

 private:
  explicit task(handle frame) noexcept : frame_(frame) {}
  handle frame_;
};

/// Resumes one ready task per step, the next one drawn uniformly from a seeded splitmix64 when
/// more than one is ready (as `random_decisions::choose` draws: `below(n)`, no draw when n is
/// 1). Owns the frames of the tasks it spawned and destroys them, ended or not, when destroyed.
class scheduler {
 public:
  explicit scheduler(std::uint64_t seed) noexcept : random_(seed) {}
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;
  ~scheduler() {
    for (std::uint32_t i = 0; i < spawned_; ++i) tasks_[i].destroy();
  }

  /// Appends `t` to the ready set; it starts on a later step. Returns its frame, valid as long
  /// as the scheduler.
  task::handle spawn(task t) noexcept {
    assert(spawned_ < k_max_tasks);
    task::handle const h = t.release();
    h.promise().owner = this;
    tasks_[spawned_++] = h;
    ready_.push_back(h);
    return h;
  }

  /// Puts a suspended task back in the ready set.
  void wake(std::coroutine_handle<> h) noexcept { ready_.push_back(h); }

  /// Steps until nothing is ready (quiescence: every task returned or waits for good).
  void run() {
    while (!ready_.empty()) {
      std::uint32_t const n = ready_.size();
      std::uint32_t const pick = n > 1 ? random_.below(n) : 0;
      ++steps_;
      ready_.take(pick).resume();
    }
  }

  /// Uniform in `[0, n)` from the stream the scheduler draws its picks from.
  std::uint32_t below(std::uint32_t n) noexcept { return random_.below(n); }

  /// The rest of this step is given up: the task goes to the back of the ready set.
  [[nodiscard]] auto yield() noexcept {
    struct awaiter {
      scheduler& s;
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> h) const noexcept { s.wake(h); }
      void await_resume() const noexcept {}
    };
    return awaiter{*this};
  }

  /// Returns at once if `t` has returned; otherwise resumes when it does.
  [[nodiscard]] static auto end_of(task::handle t) noexcept {
    struct awaiter {
      task::handle t;
      [[nodiscard]] bool await_ready() const noexcept { return t.done(); }
      void await_suspend(std::coroutine_handle<> h) const noexcept {
        assert(!t.promise().end_waiter);
        t.promise().end_waiter = h;
      }
      void await_resume() const noexcept {}
    };
    return awaiter{t};
  }

  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }

 private:
  sim::splitmix64 random_;
  handle_line ready_;
  std::array<task::handle, k_max_tasks> tasks_{};
  std::uint32_t spawned_ = 0;
  std::uint64_t steps_ = 0;
};

inline void task::promise_type::end_notice::await_suspend(handle h) const noexcept {
  promise_type const& p = h.promise();
  if (p.end_waiter) p.owner->wake(p.end_waiter);
}

/// An unbounded FIFO queue counting unfinished work, as asyncio.Queue does: `put` stores an
/// item, raises the count and wakes the first waiting getter; a getter takes an item or waits;
/// `task_done` lowers the count; `join` waits for zero. As in asyncio, a wake-up hands over no
/// item: another task may take it first, and the woken getter then waits again.
class counting_queue {
 public:
  explicit counting_queue(scheduler& s) noexcept : scheduler_(s) {}
  counting_queue(const counting_queue&) = delete;
  counting_queue& operator=(const counting_queue&) = delete;

  /// Never waits (the queue is unbounded), so a plain call rather than an awaitable.
  void put(std::uint32_t item) {
    if (size_ == capacity_) grow();
    slots_[(head_ + size_) & (capacity_ - 1)] = item;
    ++size_;
    if (!getters_.empty()) scheduler_.wake(getters_.take(0));
    ++unfinished_;
  }

  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  /// The first item. Precondition: `!empty()`. Get is `while (q.empty()) co_await
  /// q.item_put(); q.take();`: a woken getter must look again.
  std::uint32_t take() noexcept {
    assert(size_ > 0);
    std::uint32_t const item = slots_[head_];
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
    return item;
  }

  /// Waits at the back of the getter line until a put wakes this task.
  [[nodiscard]] auto item_put() noexcept {
    struct awaiter {
      handle_line& getters;
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> h) const noexcept { getters.push_back(h); }
      void await_resume() const noexcept {}
    };
    return awaiter{getters_};
  }

  /// Acknowledges one unfinished item; at zero, wakes every joiner. Precondition: an item is
  /// unfinished.
  void task_done() noexcept {
    assert(unfinished_ > 0);
    if (--unfinished_ > 0) return;
    while (!joiners_.empty()) scheduler_.wake(joiners_.take(0));
  }

  /// Returns at once when nothing is unfinished; otherwise waits until the count reaches zero
  /// (and returns then, even if a put raised it again before the joiner resumed).
  [[nodiscard]] auto join() noexcept {
    struct awaiter {
      counting_queue& q;
      [[nodiscard]] bool await_ready() const noexcept { return q.unfinished_ == 0; }
      void await_suspend(std::coroutine_handle<> h) const noexcept { q.joiners_.push_back(h); }
      void await_resume() const noexcept {}
    };
    return awaiter{*this};
  }

 private:
  static constexpr std::uint32_t k_inline_items = 32;

  /// Doubles the ring, moving to the heap: never reached by the reference workload's 20 items.
  void grow() {
    auto bigger = std::make_unique<std::uint32_t[]>(std::size_t{capacity_} * 2);
    for (std::uint32_t i = 0; i < size_; ++i) bigger[i] = slots_[(head_ + i) & (capacity_ - 1)];
    heap_ = std::move(bigger);
    slots_ = heap_.get();
    head_ = 0;
    capacity_ *= 2;
  }

  scheduler& scheduler_;
  std::array<std::uint32_t, k_inline_items> inline_{};
  std::unique_ptr<std::uint32_t[]> heap_;
  std::uint32_t* slots_ = inline_.data();
  std::uint32_t capacity_ = k_inline_items;  // a power of two
  std::uint32_t head_ = 0;
  std::uint32_t size_ = 0;
  std::uint32_t unfinished_ = 0;
  handle_line getters_;
  handle_line joiners_;
};

/// What one schedule did.
struct outcome {
  std::uint64_t steps = 0;
  bool joined = false;  ///< false: the join was still waiting at quiescence (a hang)
};

/// One schedule of the reference workload: a producer putting `items` items; `consumers`
/// consumers that get, yield once mid-item, then acknowledge and either return (when
/// `below(crash_odds) == crash_odds - 1`: the crash, delivered as a value) or loop; a joiner
/// that waits for the producer to return, then joins. Every pick and crash is drawn from one
/// splitmix64(`seed`). At most `k_max_tasks - 2` consumers.
[[nodiscard]] outcome run_schedule(std::uint32_t items, std::uint32_t consumers,
                                   std::uint32_t crash_odds, std::uint64_t seed);

}  // namespace chaosq::bench::minimal

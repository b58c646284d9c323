#pragma once
/// \file
/// `job_queue`: a user's own work queue, written from scratch against chaosq's sim awaitables
/// and plugged into the engine through `chaosq::harness::work_queue`. It keeps its own job
/// storage, its own lines of waiting getters and putters, its own unfinished count and its own
/// "all done" event, and carries one planted bug for the engine to find.

#include <cstddef>
#include <cstdint>
#include <deque>

#include "chaosq/harness/work_queue.hpp"
#include "chaosq/sim/event.hpp"
#include "chaosq/sim/future.hpp"
#include "chaosq/sim/task.hpp"

namespace byo {

using chaosq::harness::item;

/// Which version of the queue to build: the one with the planted bug, or the corrected one.
enum class flaw : std::uint8_t {
  /// `shutdown(immediate)` drops the stored jobs and lowers the unfinished count for each, but
  /// forgets that `join` waits on the "all done" event, not on the count: when the drop brings
  /// the count to zero, a task already waiting in `join` is never woken.
  drain_forgets_join,
  none,  ///< the corrected queue: the drop wakes `join` when the count reaches zero
};

/// A FIFO job queue with the `task_done`/`join` contract of asyncio.Queue. `capacity == 0`
/// means unbounded. Every awaitable must be awaited from a task of the run's `sim::loop`.
/// Failures are reported with chaosq::queue's exceptions, as `work_queue` requires.
class job_queue final : public chaosq::harness::work_queue {
 public:
  explicit job_queue(std::size_t capacity, flaw f = flaw::drain_forgets_join);

  /// Waits while full; raises `queue_shut_down` once shut down.
  chaosq::sim::task<void> put(item job) override;
  /// Waits while empty; raises `queue_shut_down` when shut down and empty.
  chaosq::sim::task<item> get() override;
  void put_nowait(item job) override;
  item get_nowait() override;
  /// Marks one job finished; at zero the "all done" event wakes every joiner.
  void task_done() override;
  /// Returns when every job put has been marked finished.
  chaosq::sim::task<void> join() override;
  void shutdown(chaosq::queue::shutdown_mode mode) override;
  [[nodiscard]] std::size_t qsize() const override { return jobs_.size(); }
  [[nodiscard]] std::int64_t unfinished_tasks() const override { return unfinished_; }

 private:
  enum class waiting_for : std::uint8_t { a_job, room };

  [[nodiscard]] bool full() const noexcept { return capacity_ > 0 && jobs_.size() >= capacity_; }
  /// Waits in the getters' line (`a_job`) or the putters' line (`room`) until woken. A waiter
  /// that was woken and then leaves by an exception (a cancellation, a crash) hands its turn
  /// on when what it waited for is there; otherwise the next one in line would sleep forever.
  chaosq::sim::task<void> wait(waiting_for what);
  static void wake_one(chaosq::sim::future_list& line) noexcept;
  static void wake_all(chaosq::sim::future_list& line) noexcept;

  std::size_t capacity_;
  flaw flaw_;
  std::deque<item> jobs_;
  chaosq::sim::future_list getters_;
  chaosq::sim::future_list putters_;
  std::int64_t unfinished_ = 0;
  chaosq::sim::event all_done_;
  bool closed_ = false;
};

}  // namespace byo

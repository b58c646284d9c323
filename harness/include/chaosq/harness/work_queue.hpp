#pragma once
/// \file
/// The queue contract the engine drives, so a user's own queue runs under the same engine.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "chaosq/harness/workload.hpp"
#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/task.hpp"

namespace chaosq::harness {

/// A queue with asyncio's `join` contract, as the engine sees it. Implementations run on the
/// `sim::loop` of the run (awaitables suspend only through sim's futures, events and yield),
/// and report failures with chaosq::queue's exceptions: `queue_full` from `put_nowait` on a
/// full queue, `queue_shut_down` after shutdown, `task_done_error` when nothing is unfinished.
/// The engine's oracles judge the queue by what it does, with the reference as the model: an
/// exception the reference would not raise at that call (QueueEmpty from `get`, anything from
/// `join`, ...) is a `task-error/queue-raised` verdict at the step it escaped.
class work_queue {
 public:
  work_queue() = default;
  work_queue(const work_queue&) = delete;
  work_queue& operator=(const work_queue&) = delete;
  virtual ~work_queue() = default;

  virtual sim::task<void> put(item i) = 0;
  virtual sim::task<item> get() = 0;
  virtual void put_nowait(item i) = 0;
  virtual item get_nowait() = 0;
  virtual void task_done() = 0;
  virtual sim::task<void> join() = 0;
  virtual void shutdown(queue::shutdown_mode mode) = 0;
  [[nodiscard]] virtual std::size_t qsize() const = 0;
  /// The count `join` waits on: items put and not yet acknowledged.
  [[nodiscard]] virtual std::int64_t unfinished_tasks() const = 0;
};

/// Makes the queue for one run, for the workload's kind and maxsize.
using queue_factory = std::function<std::unique_ptr<work_queue>(const workload&)>;

/// Adapts any queue with basic_queue's interface (the reference, or a variant of it). To plant
/// one bug in the reference, derive from `queue_adapter<queue::basic_queue<item>>`, override
/// the one member, and reach the reference through `underlying()`.
template <class Q>
class queue_adapter : public work_queue {
 public:
  template <class... Args>
  explicit queue_adapter(Args&&... args) : q_(std::forward<Args>(args)...) {}

  sim::task<void> put(item i) override { return q_.put(i); }
  sim::task<item> get() override { return q_.get(); }
  void put_nowait(item i) override { q_.put_nowait(i); }
  item get_nowait() override { return q_.get_nowait(); }
  void task_done() override { q_.task_done(); }
  sim::task<void> join() override { return q_.join(); }
  void shutdown(queue::shutdown_mode mode) override { q_.shutdown(mode); }
  [[nodiscard]] std::size_t qsize() const override { return q_.qsize(); }
  [[nodiscard]] std::int64_t unfinished_tasks() const override { return q_.unfinished_tasks(); }

  Q& underlying() noexcept { return q_; }

 private:
  Q q_;
};

/// The reference queue (chaosq::queue::basic_queue) for the workload's kind and maxsize.
[[nodiscard]] std::unique_ptr<work_queue> make_reference_queue(const workload& w);

}  // namespace chaosq::harness

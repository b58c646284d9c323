#pragma once
/// \file
/// A thread pool under test (`run_options::make_pool`), as the engine's queue: what the engine
/// reads of a queue (its stored items, its unfinished count) it keeps itself, and the pool's
/// own calls run on the threads of the tasks that make them.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "chaosq/harness/work_queue.hpp"
#include "chaosq/sim/task.hpp"
#include "chaosq/sync/sync.hpp"

namespace chaosq::harness::detail {

/// What runs a job of the pool: the engine (engine_run::run_job).
class job_runner {
 public:
  /// Runs item `it`'s job on the calling thread, one of the pool's.
  virtual void run_job(const item& it) = 0;

 protected:
  ~job_runner() = default;
};

/// A `work_pool` seen as the engine's `work_queue`:
/// - `put` submits the job of an item (on the producer's thread), `join` waits for the pool (on
///   the joiner's thread), `task_done` is the engine's record that a job finished;
/// - `qsize` counts the jobs submitted and not started, `unfinished_tasks` the jobs submitted
///   and not finished: the engine's own accounts, the truth the pool's `wait` is judged by.
/// The pool itself is made, and lives, on the thread of the task `owner()` returns, spawned by
/// the engine before every other: its threads are newer than every task of the run, so they
/// are unwound first when the run ends, and the pool is destroyed by the owner's unwinding.
class pool_queue final : public work_queue {
 public:
  pool_queue(pool_factory make, const workload& w, job_runner& runner)
      : make_(std::move(make)), w_(w), runner_(runner) {}

  /// The owner task's body: makes the pool, then holds it until the run ends.
  sim::task<void> owner();
  /// The run is over: a job the pool starts from now on (its destructor draining its queue
  /// while the run's threads are unwound) does nothing.
  void close() noexcept { closed_ = true; }

  sim::task<void> put(item i) override;
  sim::task<item> get() override;
  void put_nowait(item i) override;
  item get_nowait() override;
  void task_done() override { --unfinished_; }
  sim::task<void> join() override;
  void shutdown(queue::shutdown_mode mode) override;
  [[nodiscard]] std::size_t qsize() const override { return stored_; }
  [[nodiscard]] std::int64_t unfinished_tasks() const override { return unfinished_; }

 private:
  /// Blocks until the pool exists; rethrows what its factory raised.
  work_pool& ready();
  /// Counts item `i`'s job in (stored, unfinished) once: when its submit returns or when it
  /// starts, whichever comes first (as a queue's item counts from when it is stored).
  void count_in(const item& i);

  pool_factory make_;
  const workload& w_;
  job_runner& runner_;
  work_pool* pool_ = nullptr;  // owned by the owner thread's frame
  std::exception_ptr failed_;  // what the factory raised
  bool closed_ = false;
  sync::latch made_{1};
  sync::latch run_over_{1};    // never counted down: the owner waits on it until unwound
  std::vector<bool> counted_;  // by item id
  std::size_t stored_ = 0;
  std::int64_t unfinished_ = 0;
};

}  // namespace chaosq::harness::detail

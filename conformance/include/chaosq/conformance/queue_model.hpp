#pragma once
/// \file
/// A pure model of the reference queue and the loop it runs on: asyncio.Queue's state (items,
/// counter, finished flag, waiter lines, shutdown) and asyncio's task mechanics (a FIFO ready
/// queue, tasks suspended on one-shot futures, pending cancellations), as plain data with no
/// coroutine in it. It runs a queue program's operations one at a time, as `reference_run` runs
/// them on the real thing (`queue::basic_queue<int>` on a `sim::loop` in asyncio order), so
/// model-based tests and fuzz targets can compare the two after every operation.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chaosq/conformance/program.hpp"
#include "chaosq/queue/detail/storage.hpp"

namespace chaosq::conformance {

/// Interleavings a sequence of operations reached, for coverage reports and classification.
struct model_coverage {
  std::uint32_t cancels_unstarted = 0;  ///< cancel of a task that never ran
  std::uint32_t cancels_waiting = 0;    ///< ... of a task waiting on a pending future
  std::uint32_t cancels_woken = 0;      ///< ... of a task woken and not yet resumed
  std::uint32_t wake_passed_on = 0;     ///< an interrupted waiter passed its wake-up on
  std::uint32_t rewaits = 0;            ///< a woken waiter found nothing and got back in line
  std::uint32_t join_quirks = 0;        ///< a join returned while the count was above zero
  std::uint32_t shutdown_wakeups = 0;   ///< waiters woken by shutdown
  std::uint32_t value_errors = 0;       ///< task_done raised ValueError
};

/// The model. A value type: copying it forks the run, which is how a test computes what an
/// operation should do before doing it. Not thread-safe; no allocation beyond its vectors.
class queue_model {
 public:
  /// An empty queue of `kind` (`maxsize <= 0`: unbounded) on an idle loop.
  queue_model(queue::queue_kind kind, std::int64_t maxsize);

  /// Applies `op` and returns its result, as `reference_run::apply` does. Precondition: a
  /// cancel names a task already spawned (`op.arg < task_count()`).
  std::string apply(const operation& op);

  [[nodiscard]] queue_observation observe() const;
  [[nodiscard]] std::size_t task_count() const noexcept { return tasks_.size(); }
  [[nodiscard]] task_phase phase(std::size_t task) const;
  [[nodiscard]] queue::queue_kind kind() const noexcept { return kind_; }
  [[nodiscard]] std::int64_t maxsize() const noexcept { return maxsize_; }
  [[nodiscard]] const model_coverage& coverage() const noexcept { return coverage_; }

 private:
  enum class future_state : std::uint8_t { pending, done, cancelled };
  struct future_rec {
    future_state state = future_state::pending;
    std::uint32_t waiter = 0;  // the task suspended on it (each future has exactly one)
  };
  enum class body : std::uint8_t { get, put, join };
  /// Which line a suspended task's future sits in (or sat in, until it resumes).
  enum class line_kind : std::uint8_t { getters, putters, joiners };
  enum class outcome : std::uint8_t { running, returned, cancelled, raised };
  struct task_rec {
    body what = body::get;
    int value = 0;  // a put's item; a get's result
    bool started = false;
    bool scheduled = false;
    bool cancel_requested = false;    // asyncio's _must_cancel
    bool waited = false;              // has been in a line before
    std::optional<std::uint32_t> on;  // the future it suspended on, until it resumes
    line_kind line = line_kind::getters;
    outcome end = outcome::running;
    std::string raised;  // the exception name when end == raised
  };

  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  [[nodiscard]] bool full() const noexcept {
    return maxsize_ > 0 && static_cast<std::int64_t>(items_.size()) >= maxsize_;
  }
  void add(int item);
  int take();

  std::string put_nowait(int item);
  std::string get_nowait(int* got);
  std::string task_done();
  void shutdown(bool immediate);
  std::string cancel(std::size_t task);
  std::string step();

  void resume(std::uint32_t task);
  void run_body(std::uint32_t task);
  void suspend(std::uint32_t task, line_kind line);
  void finish(task_rec& t, outcome how, std::string raised = {});
  std::vector<std::uint32_t>& line_of(line_kind line);

  void schedule(std::uint32_t task);
  void complete(std::uint32_t future, future_state how);
  void wakeup_next(std::vector<std::uint32_t>& line);
  void wake_all(std::vector<std::uint32_t>& line);
  void set_finished();
  [[nodiscard]] std::string state_text(const task_rec& t) const;

  queue::queue_kind kind_;
  std::int64_t maxsize_;
  std::vector<int> items_;  // storage order, as Python's container
  std::int64_t unfinished_ = 0;
  bool finished_ = true;
  bool shut_down_ = false;
  std::vector<std::uint32_t> getters_;  // futures, front first
  std::vector<std::uint32_t> putters_;
  std::vector<std::uint32_t> joiners_;  // the finished event's waiters, woken ones included
  std::vector<future_rec> futures_;
  std::vector<task_rec> tasks_;
  std::vector<std::uint32_t> ready_;  // FIFO
  model_coverage coverage_;
};

}  // namespace chaosq::conformance

#pragma once
/// \file
/// Runs a program on the C++ reference queue, one operation at a time, and prints the README's
/// observation log. The one runner of queue programs: the differential test, the generator, the
/// model-based property test and the `queue_model` fuzz target all step the reference through it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/conformance/program.hpp"
#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::conformance {

/// Counts of what runs exercised, to show that the interleavings worth testing occur.
struct reference_coverage {
  std::uint64_t programs = 0;
  std::uint64_t steps = 0;  ///< `step` operations, idle ones included
  std::uint64_t idle_steps = 0;
  std::uint64_t steps_cancelled = 0;  ///< steps after which the task that ran was cancelled
  std::uint64_t steps_shut_down = 0;  ///< ... had raised QueueShutDown
  std::uint64_t cancels_fresh = 0;    ///< `cancel` of a task that has not run yet
  std::uint64_t cancels_waiting = 0;  ///< ... of a task suspended on a future
  std::uint64_t cancels_woken = 0;    ///< ... of a task woken and not yet resumed
  std::uint64_t cancels_done = 0;     ///< ... of a finished task (returns false)
  std::uint64_t queue_full = 0;       ///< `put_nowait` raised QueueFull
  std::uint64_t queue_empty = 0;      ///< `get_nowait` raised QueueEmpty
  std::uint64_t value_errors = 0;     ///< `task_done` raised ValueError
  std::uint64_t shutdowns = 0;        ///< shutdown operations of either kind
  std::uint64_t programs_with_shutdown = 0;

  reference_coverage& operator+=(const reference_coverage& other);
};

/// A program being run on `chaosq::queue::basic_queue<int>` and a `sim::loop` in asyncio order,
/// one operation at a time. Not copyable or movable: suspended tasks point into it.
class reference_run {
 public:
  /// The run after the `queue` line of `p`'s kind and maxsize.
  reference_run(queue::queue_kind kind, std::int64_t maxsize);
  reference_run(const reference_run&) = delete;
  reference_run& operator=(const reference_run&) = delete;
  ~reference_run() = default;

  /// Applies `op` and returns its result as the log prints it after `->`: `t<k>` for a spawn,
  /// `ok`, the item got, an exception's CPython name (`QueueEmpty`, `QueueFull`,
  /// `QueueShutDown`, `ValueError`), `true`/`false` for a cancel, and for a step `idle` or
  /// `t<k> <state>`. Precondition: a `cancel` names a task spawned before.
  std::string apply(const operation& op);
  /// What the program can observe now.
  [[nodiscard]] queue_observation observe() const;

  /// The log line of the `queue` line, ending in '\n'.
  [[nodiscard]] std::string queue_line() const;
  /// The log line of `op` just applied with `result`, ending in '\n'.
  [[nodiscard]] std::string log_line(const operation& op, std::string_view result) const;
  /// The final `end t0=<state> ...` line, ending in '\n'.
  [[nodiscard]] std::string end_line() const;

  [[nodiscard]] std::size_t task_count() const noexcept { return tasks_.size(); }
  /// Precondition: `k < task_count()`.
  [[nodiscard]] task_phase phase(std::size_t k) const;
  /// True when a `step` would run a task (is not idle).
  [[nodiscard]] bool can_step() const noexcept { return loop_.ready_count() > 0; }
  [[nodiscard]] const queue::basic_queue<int>& queue() const noexcept { return queue_; }
  /// What the run exercised so far.
  [[nodiscard]] const reference_coverage& coverage() const noexcept { return coverage_; }

 private:
  struct spawned {
    sim::task_ref ref;
    std::optional<sim::task_handle<int>> get;  // set for `spawn get`: its result is printed
    bool stepped = false;                      // has run at least once
  };

  [[nodiscard]] std::string state_of(const spawned& t) const;
  /// `observe()` without the tasks: what the log prints.
  [[nodiscard]] queue_observation observe_queue() const;
  [[nodiscard]] std::string observation() const;
  std::string spawn(sim::task_ref ref, std::optional<sim::task_handle<int>> get);

  std::string queue_text_;
  // The queue outlives the loop: destroying the loop destroys the frames of suspended tasks,
  // which leave the queue's waiter lines as they go.
  queue::basic_queue<int> queue_;
  sim::loop loop_;
  std::vector<spawned> tasks_;
  reference_coverage coverage_;
};

/// Runs `p` with a `reference_run` and returns its observation log without the `program <k>`
/// header: one line per operation, the `queue` line first, then the `end` line, each ending in
/// '\n'. This is exactly what asyncio_driver.py prints for the same program under CPython
/// 3.13. Adds what the run exercised to `*coverage` when given.
[[nodiscard]] std::string run_on_reference(const program& p,
                                           reference_coverage* coverage = nullptr);

}  // namespace chaosq::conformance

#pragma once
/// \file
/// A run of tasks chaosq does not run itself: a Python program's own coroutines on its own
/// controlled event loop (mode python). Its runner reports what the tasks do as events; the run
/// takes every decision from the same decision stream, draws faults by the same fault plan and
/// judges by the same ledger and oracles as the engine's own runs, and writes the same
/// `run_report`. So exploring, shrinking, tokens and every report work on it unchanged: the
/// runner is handed to the engine as `run_options::program`.
///
/// The runner's part of the contract: run one ready callback per step, the one `pick_ready`
/// chooses; report each task, each queue operation of the program's one observed queue, and
/// each step; ask `visit` at each fault point and carry out what `between_steps` returns. The
/// run is a pure function of the decisions only if the runner is.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::harness {

namespace detail {
struct observed_state;
}  // namespace detail

/// A task of an observed run: its index, in the order `add_task` added them.
using observed_task = std::uint32_t;

/// Thrown by a program's runner when the program does what chaosq cannot observe (a second queue,
/// a storage written directly): the program cannot run under chaosq, which is bad input (exit
/// 2), not an internal error.
struct program_refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An exception a program raised, carried as its text ("TypeError: ..."): how a verdict shows it.
struct program_exception : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a task waits for.
enum class wait_kind : std::uint8_t { get, put, join };

/// What the run asks its runner to carry out before the next step.
struct observed_action {
  enum class kind : std::uint8_t {
    cancel,    ///< cancel `task`, waiting in get, put or join
    crash,     ///< make `task`'s wait raise an injected crash
    shutdown,  ///< shut the observed queue down (`immediate` or not)
  };
  kind what = kind::cancel;
  observed_task task = 0;
  bool immediate = false;
};

/// The queue as the run ends.
struct observed_queue_state {
  std::int64_t count = 0;  ///< its unfinished count
  std::size_t qsize = 0;   ///< items it holds
  bool shut_down = false;
};

class observed_run {
 public:
  /// A run of `w` (mode python) under `decisions`, writing into `report` when it finishes.
  /// All three must outlive the run. Traced and explained as `options` says.
  observed_run(const workload& w, sim::decision_source& decisions, const run_options& options,
               run_report& report);
  observed_run(const observed_run&) = delete;
  observed_run& operator=(const observed_run&) = delete;
  ~observed_run();

  // ---- decisions ----
  /// Which ready callback runs next: an index into `ready`, the tasks the callbacks resume in
  /// the loop's order (0: the one asyncio runs next).
  [[nodiscard]] std::uint32_t pick_ready(std::span<const std::uint32_t> ready);
  /// One of `n` values the program asks for.
  [[nodiscard]] std::uint32_t choose(std::uint32_t n);

  // ---- tasks and steps ----
  /// A new task named `name` (unique in the run): its id.
  observed_task add_task(std::string name);
  /// Task `t` finished, however.
  void task_ended(observed_task t);
  /// Task `t`'s wait ended: a result or an exception is on its way to it.
  void woken(observed_task t);
  /// Where task `t` is suspended now ("worker at seed.py:17"), for the trace.
  void suspended_at(observed_task t, std::string_view where);
  /// A step begins: task `t` is resumed.
  void begin_step(observed_task t);
  /// The step ended, leaving the queue's unfinished count at `count` (nullopt: as the last event
  /// that reported it left it; 0 when no queue is made): false when the run has its verdict and
  /// must stop.
  [[nodiscard]] bool end_step(std::optional<std::int64_t> count = std::nullopt);
  /// Between two steps: the faults and shutdowns to carry out now, in order (valid until the
  /// next call).
  [[nodiscard]] std::span<const observed_action> between_steps();
  /// Task `t` passes fault point `p` in its own code: the fault that strikes it there, if any.
  [[nodiscard]] std::optional<fault_kind> visit(observed_task t, fault_point p);
  /// The most steps the run may take.
  [[nodiscard]] std::uint64_t step_budget() const noexcept;
  /// Steps begun so far.
  [[nodiscard]] std::uint64_t steps() const noexcept;
  /// Whether the run is traced: without it, `note` and `suspended_at` may be skipped.
  [[nodiscard]] bool tracing() const noexcept;

  // ---- the observed queue ----
  /// The program made its queue, of `kind` with `maxsize`.
  void queue_made(queue::queue_kind kind, std::int64_t maxsize);
  /// A new item's id (from 0).
  [[nodiscard]] std::uint32_t new_item();
  /// Task `t` begins to wait in get, put or join.
  void begin_wait(observed_task t, wait_kind k);
  /// Task `t`'s wait ended without its result (it raised, was cancelled or crashed).
  void end_wait(observed_task t);
  /// `t` stored `item`, leaving the count at `count`.
  void put(observed_task t, std::uint32_t item, std::int64_t count);
  /// `t` took `item`, leaving the count at `count`.
  void got(observed_task t, std::uint32_t item, std::int64_t count);
  /// `t` called task_done, which left the count at `count` and raised ValueError if `refused`:
  /// the item it acknowledged (the oldest `t` holds; else its own last acknowledged item again,
  /// if it took none since; else the oldest any task holds; else the last acknowledged, again),
  /// or -1 when no item was ever taken.
  std::int64_t acked(observed_task t, std::int64_t count, bool refused);
  /// `t` called join with the count at `count`.
  void join_called(observed_task t, std::int64_t count);
  /// `t`'s join returned.
  void join_returned(observed_task t);
  /// `t`'s join was cancelled by its deadline (`wait_for`), `after_ms` of virtual time after it
  /// was called.
  void join_timed_out(observed_task t, std::uint32_t after_ms = 0);
  /// The queue was shut down, by the program (`origin` "program") or a drawn fault ("drawn").
  void shutdown(bool immediate, std::string_view origin);
  /// An exception escaped task `t`'s root coroutine (`text`: "TypeError: ..."), which no fault
  /// injected.
  void task_error(observed_task t, std::string_view text);
  /// The queue's `call` ("get", "put", "put_nowait", "get_nowait" counted as "get", "task_done",
  /// "join") raised what its contract does not let it raise (`text`: "KeyError: 'x'"), in task
  /// `t`, on `item` or -1. False when `call` is none of those.
  bool queue_raised(observed_task t, std::string_view call, std::int64_t item,
                    std::string_view text);
  /// A line of the trace: task `t` did `operation` on `item` (or -1) with `outcome`.
  void note(observed_task t, std::string_view operation, std::int64_t item,
            std::string_view outcome);

  /// The run ended so (`step_budget`: the budget ran out with work still runnable): judges what
  /// is left and writes the report. Call once, last.
  void finish(run_end end, const observed_queue_state& queue);
  /// Whether `finish` was called.
  [[nodiscard]] bool finished() const noexcept;

 private:
  std::unique_ptr<detail::observed_state> state_;
};

}  // namespace chaosq::harness

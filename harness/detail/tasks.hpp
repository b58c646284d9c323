#pragma once
/// \file
/// What the fault plan, the ledger and the oracles know of a task: its name, role, what it is
/// doing and the fault that struck it, as plain data. Nothing here is a coroutine or a thread:
/// the runner (coroutines today, threads later) keeps these records up to date.

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/harness/workload.hpp"

namespace chaosq::harness::detail {

/// A task's index in its run, in the order the run added them (producers first).
using task_id = std::size_t;
/// A step of the run's loop (events between steps belong to the next one).
using step_no = std::uint64_t;

enum class role : std::uint8_t { producer, consumer, joiner, supervisor };

enum class activity : std::uint8_t {
  starting,
  idle,
  in_get,
  processing,
  in_put,
  waiting_producers,
  in_join,
  join_timed_out,  ///< a joiner whose wait_for(join(), timeout) expired: it has ended
  supervising,
  finished,
};

inline constexpr std::size_t point_count = names_of<fault_point>::values.size();
[[nodiscard]] constexpr std::size_t index(fault_point p) noexcept {
  return static_cast<std::size_t>(p);
}

/// Where a fault that struck a task came from.
enum class fault_origin : std::uint8_t { pinned, drawn, control_event };

/// A fault that struck a task, kept as data: its text is built only when a message, a trace or
/// an injected_fault needs it, not on each of the millions of runs that never show it.
struct struck_fault {
  fault_kind kind = fault_kind::crash;
  fault_point point = fault_point::after_get;
  fault_origin origin = fault_origin::drawn;

  /// The exception a built-in consumer ends with when this fault struck it:
  /// `cancelled_error`, or an `injected_fault` carrying `text()`. Made once per distinct fault
  /// and thread, then shared: nothing else goes into it, and making one (text, allocations)
  /// cost more than the rest of a crash.
  [[nodiscard]] const std::exception_ptr& exception() const;

  /// "crash at mid-item (pinned)", "cancelled by control event".
  [[nodiscard]] std::string text() const;
};

/// One task of a run, as the oracles see it.
struct task_record {
  std::string name;  ///< p0, c1, j0, s2, c1.2 (second restart of slot 1)
  detail::role role = role::consumer;
  activity act = activity::starting;
  item current{};
  bool holding = false;        ///< processing `current`
  bool acked_current = false;  ///< and has acknowledged it
  struck_fault fault;          ///< the last fault that struck this task, for explanations
  step_no fault_step = 0;
  step_no wait_step = 0;  ///< when its current wait (get, put, join) began
  // joiners
  step_no join_step = 0;
  step_no timeout_step = 0;       ///< when its join's deadline cancelled it
  std::size_t zeros_at_call = 0;  ///< zero moments the ledger had when it called join
  std::vector<std::uint32_t> unacked_at_call;
};

/// Whether a task has ended or is blocked, asked of the runner (the loop, or a thread runtime)
/// only when an oracle needs to know: most runs never ask.
class task_liveness {
 public:
  /// The task has finished, however.
  [[nodiscard]] virtual bool ended(task_id t) const = 0;
  /// The task is blocked on something (not runnable, not finished).
  [[nodiscard]] virtual bool waiting(task_id t) const = 0;

 protected:
  ~task_liveness() = default;
};

/// The task named `name`, or `tasks.size()` when there is none.
[[nodiscard]] inline task_id find_task(const std::vector<task_record>& tasks,
                                       std::string_view name) noexcept {
  task_id t = 0;
  while (t < tasks.size() && tasks[t].name != name) ++t;
  return t;
}

}  // namespace chaosq::harness::detail

#pragma once
/// \file
/// The planted-bug zoo: queue variants that each carry one realistic bug, to prove that the
/// strategies and oracles find what they claim to find. Each is the reference queue with one
/// step changed through basic_queue's hooks (queue/queue.hpp), as a user's variant would be.

#include <memory>

#include "chaosq/harness/blame.hpp"
#include "chaosq/harness/names.hpp"
#include "chaosq/harness/work_queue.hpp"

namespace chaosq::harness {

enum class planted_bug : std::uint8_t {
  none,                   ///< the reference queue, plugged in as a user's (the zoo's control)
  no_pass_on,             ///< a woken getter that is cancelled does not pass the wake-up on
  get_counts_down,        ///< get lowers the unfinished count, task_done does not
  join_not_woken,         ///< the count reaching zero does not wake join while a getter waits
  immediate_keeps_count,  ///< shutdown(immediate) does not lower the count for drained items
  task_done_unchecked,    ///< task_done does not check for underflow
  putter_no_recheck,      ///< a woken putter does not re-check for room and overfills
  late_count,             ///< put raises the count only after the woken getter had its turn
};

template <>
struct names_of<planted_bug> {
  static constexpr std::array<named<planted_bug>, 8> values{{
      {planted_bug::none, "none", "no bug: the reference queue, plugged in as a user's queue"},
      {planted_bug::no_pass_on, "no-pass-on",
       "a cancelled woken getter does not pass its wake-up on (items stranded)"},
      {planted_bug::get_counts_down, "get-counts-down",
       "get lowers the unfinished count instead of task_done"},
      {planted_bug::join_not_woken, "join-not-woken",
       "join is not woken when the count reaches zero while a getter waits"},
      {planted_bug::immediate_keeps_count, "immediate-keeps-count",
       "shutdown(immediate) does not lower the count for drained items"},
      {planted_bug::task_done_unchecked, "task-done-unchecked",
       "task_done does not check for underflow"},
      {planted_bug::putter_no_recheck, "putter-no-recheck",
       "a woken putter does not re-check for room and overfills the queue"},
      {planted_bug::late_count, "late-count",
       "put raises the count after the woken getter ran instead of before"},
  }};
};

/// A queue of the workload's kind and maxsize with `bug` planted in it.
[[nodiscard]] std::unique_ptr<work_queue> make_planted_queue(planted_bug bug, const workload& w);

/// For `run_options::make_queue`.
[[nodiscard]] queue_factory planted_queue_factory(planted_bug bug);

/// How a run of a queue with `bug` planted is judged against the reference: `passes`, as a
/// user's queue is; `differs` for task-done-unchecked, which only a consumer that
/// acknowledges twice reaches, where the reference fails too (it refuses the second task_done,
/// the bug lets the count go negative). `off` for none.
[[nodiscard]] reference_check reference_check_for(planted_bug bug) noexcept;

}  // namespace chaosq::harness

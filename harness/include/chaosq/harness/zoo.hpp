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

/// The planted bugs, one per row of detail/planted_bugs.def (each is one class in zoo.cpp).
enum class planted_bug : std::uint8_t {
#define CHAOSQ_PLANTED_BUG(id, name, depth, help) id,
#include "chaosq/harness/detail/planted_bugs.def"
};

template <>
struct names_of<planted_bug> {
  static constexpr std::array values{
#define CHAOSQ_PLANTED_BUG(id, name, depth, help) named<planted_bug>{planted_bug::id, name, help},
#include "chaosq/harness/detail/planted_bugs.def"
  };
};

/// How many ordered events a planted bug needs before it shows.
enum class bug_depth : std::uint8_t {
  shallow,  ///< one or two: a uniform walk over generated workloads finds it
  /// three or more in one order (a wake-up, then a cancellation or a shutdown before the woken
  /// task resumes): shown on its self-test workload, by strategies that bias the schedule
  deeper,
};

/// `bug`'s row of detail/planted_bugs.def.
[[nodiscard]] bug_depth depth_of(planted_bug bug) noexcept;

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

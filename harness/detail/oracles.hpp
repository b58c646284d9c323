#pragma once
/// \file
/// The oracles that judge a join and the end of a run, from the ledger and the task records
/// alone (no coroutine, no queue): join-early, work-unfinished, join-late, join-hang,
/// stranded, lost, duplicated extra items, livelock, task-error. Those that judge a single event
/// (capacity, duplicated, order, over-ack) are the ledger's.

#include <array>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "chaosq/harness/names.hpp"

#include "detail/judgement.hpp"
#include "detail/ledger.hpp"
#include "detail/tasks.hpp"

namespace chaosq::harness::detail {

/// Where an exception escaped into a task: one of the queue calls the engine makes, or a
/// consumer's own code (its consumer_fn).
enum class raised_in : std::uint8_t {
  get,
  put,
  put_nowait,
  task_done,
  join,
  consumer,
  pool_thread
};

}  // namespace chaosq::harness::detail

namespace chaosq::harness {

/// Each call by its name in the trace, with what the contract lets it raise.
template <>
struct names_of<detail::raised_in> {
  static constexpr std::array<named<detail::raised_in>, 7> values{{
      {detail::raised_in::get, "get", "get raises only QueueShutDown, once the queue is shut down"},
      {detail::raised_in::put, "put", "put raises only QueueShutDown, once the queue is shut down"},
      {detail::raised_in::put_nowait, "put_nowait",
       "put_nowait raises only QueueShutDown once the queue is shut down, else QueueFull when "
       "it holds maxsize items"},
      {detail::raised_in::task_done, "task_done",
       "task_done raises only ValueError, when nothing is unfinished"},
      {detail::raised_in::join, "join", "join never raises"},
      {detail::raised_in::consumer, "consumer",
       "a consumer ends by returning, by the queue's shutdown, or by an injected fault or "
       "cancellation"},
      {detail::raised_in::pool_thread, "pool thread",
       "a pool's thread must catch what a task throws (an exception out of a std::thread's "
       "function calls std::terminate)"},
  }};
};

}  // namespace chaosq::harness

namespace chaosq::harness::detail {

/// What the queue looked like when an exception escaped a call.
struct call_facts {
  std::int64_t count = 0;  ///< its unfinished count
  bool shut_down = false;  ///< shut down (drawn or by a control event)
};

/// What the oracles read of the queue under test when a run ends.
struct queue_facts {
  std::int64_t count = 0;             ///< its unfinished count
  std::size_t qsize = 0;              ///< items it holds
  std::int64_t maxsize = 0;           ///< the workload's maxsize
  bool shut_down = false;             ///< shut down (drawn or by a control event)
  step_no shutdown_step = 0;          ///< when
  std::uint32_t join_timeout_ms = 0;  ///< the joiners' deadline (0: none)
};

/// The oracles of one run.
class oracles {
 public:
  oracles(const ledger& l, const std::vector<task_record>& tasks, const task_liveness& live,
          judgement& judge) noexcept
      : ledger_(l), tasks_(tasks), live_(live), judge_(judge) {}

  /// The code under test is a thread pool: the items are its jobs, the joins its wait.
  void judge_a_pool() noexcept { pool_ = true; }

  /// Joiner `j`'s join returned at step `now`; `at_once`: the count was zero when it called.
  void join_returned(const task_record& j, bool at_once, step_no now);

  /// The count is zero after a step: a joiner still waiting in join was not woken.
  void join_late();

  /// Nothing more can run (the run is complete or quiescent): what is left is judged.
  void at_end(const queue_facts& q);

  /// The step budget of `budget` steps ran out with tasks still runnable.
  void step_budget_spent(std::uint64_t budget, step_no steps);

  /// Consumer `c` made `calls` queue calls within step `at` without suspending.
  void no_suspension(const task_record& c, std::uint64_t calls, step_no at);

  /// `error` escaped task `t`'s call `where` at step `at`, where the contract does not allow it
  /// (the caller tells what it allows: injected faults, cancellations and the queue's own
  /// refusals never come here). `item`: the item of the call, or -1.
  void task_error(const task_record& t, raised_in where, std::int64_t item,
                  const std::exception_ptr& error, const call_facts& q, step_no at);

  /// The join-hang kind that item `id`, unacknowledged at the end, stands for.
  [[nodiscard]] verdict_kind hang_kind(std::uint32_t id) const;

 private:
  void join_hangs(const task_record& j, const queue_facts& q);
  /// join-late for a pool: joiner `j` not woken although every job finished at `zero_step`,
  /// naming the jobs that ended by throwing.
  void pool_not_woken(const task_record& j, step_no zero_step);
  /// A verdict about the unacknowledged items `unacked`, which it carries as accounts.
  void fail_unacked(verdict_kind kind, std::string message, std::vector<step_no> steps,
                    const std::vector<std::uint32_t>& unacked);

  const ledger& ledger_;
  const std::vector<task_record>& tasks_;
  const task_liveness& live_;
  judgement& judge_;
  bool pool_ = false;
};

}  // namespace chaosq::harness::detail

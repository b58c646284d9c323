#pragma once
/// \file
/// Workloads drawn from the decision stream, for front-ends that generate their inputs
/// (property tests, fuzzing): one stream decides the workload and then the run, so shrinking
/// the stream shrinks both.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload.hpp"
#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::harness {

/// The bounds of a generated workload. Every draw reads 0 as the smallest choice, so an
/// all-zero (or empty) stream gives the smallest workload: a FIFO, unbounded, one producer
/// with one item, one consumer, one joiner, no faults.
struct workload_space {
  std::vector<queue::queue_kind> kinds{queue::queue_kind::fifo, queue::queue_kind::lifo,
                                       queue::queue_kind::priority};
  std::vector<ack_policy> policies{ack_policy::finally};
  std::uint32_t max_maxsize = 3;  ///< maxsize drawn from 0 (unbounded) .. max_maxsize
  std::uint32_t max_producers = 2;
  std::uint32_t max_items = 6;
  std::uint32_t max_consumers = 3;
  std::uint32_t max_work_steps = 2;
  std::uint32_t max_restarts = 1;
  std::uint32_t max_joiners = 2;
  std::uint32_t max_crashes = 2;
  std::uint32_t max_cancels = 1;
  bool nowait_puts = true;  ///< may draw put_mode::nowait
  bool shutdown = true;     ///< may allow drawn shutdowns
  /// Every drawn workload's step budget; 0: ten times each one's own work
  /// (`work_steps_estimate`), without the floor of the default budget, so that a workload that
  /// does spin (every consumer crashed, a nowait producer retrying) ends soon.
  std::uint64_t step_budget = 0;
  /// What every drawn workload starts from: the fields the space does not draw (the code under
  /// test's names, fault odds and crash points, the join timeout), and `put` and
  /// `faults.shutdown` when `nowait_puts` or `shutdown` is false, keep their values here.
  workload base;
};

/// `space` narrowed to the workloads a thread pool runs (`pool_problems`): threads mode, FIFO,
/// unbounded, blocking puts, no restarts, no cancellations, no shutdown, the default policy.
/// A field for which `keep` is true is left as the caller fixed it (for `pool_problems` to
/// judge the result).
[[nodiscard]] workload_space pool_space(workload_space space,
                                        const std::function<bool(field_id)>& keep = {});

/// Draws a workload within `space` from `decisions` (tagged `decision_tag::value`).
[[nodiscard]] workload generate_workload(sim::decision_source& decisions,
                                         const workload_space& space);

/// A generated run: the workload drawn first, then the run, from one stream.
/// How many of `record`'s decisions generating a workload from `space` consumes: the rest are
/// the run's own (what a token carries).
[[nodiscard]] std::size_t workload_prefix(const workload_space& space,
                                          std::span<const std::uint32_t> record);

struct generated_run {
  workload work;
  run_report report;  ///< report.decisions holds the whole record: workload and run
};

/// Draws a workload from `decisions`, then runs it on the same stream.
[[nodiscard]] generated_run run_generated(const workload_space& space,
                                          sim::decision_source& decisions,
                                          const run_options& options = {});

/// Replays a generated run's record (values past its end read as 0).
[[nodiscard]] generated_run replay_generated(const workload_space& space,
                                             std::span<const std::uint32_t> decisions,
                                             const run_options& options = {});

}  // namespace chaosq::harness

#pragma once
/// \file
/// What the example runs, shared by main.cpp and example_test.cpp: the workload, and the run
/// options that put the user's queue and the user's worker under the engine.

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload.hpp"

#include "job_queue.hpp"
#include "worker.hpp"

namespace byo {

/// One producer putting 4 jobs into a queue of capacity 2, two workers, one joiner waiting
/// for the producer and then for the queue; the decision stream may crash one worker, cancel
/// one waiting task and shut the queue down (graceful or immediate) at any step.
inline chaosq::harness::workload demo_workload() {
  chaosq::harness::workload w;
  w.kind = chaosq::queue::queue_kind::fifo;
  w.maxsize = 2;
  w.producers = 1;
  w.items = 4;
  w.consumers = 2;
  w.work_steps = 1;
  w.restarts = 1;
  w.joiners = 1;
  w.faults.crashes = 1;
  w.faults.cancels = 1;
  w.faults.shutdown = chaosq::harness::shutdown_allowance::any;
  return w;
}

/// The exploration budget the example promises to find the planted bug within.
inline constexpr std::uint64_t k_schedules = 5'000;
inline constexpr std::uint64_t k_seed = 1;

/// Runs the user's `job_queue` (with or without its planted bug) and the user's worker.
inline chaosq::harness::run_options with_job_queue(flaw f) {
  chaosq::harness::run_options options;
  options.make_queue = [f](const chaosq::harness::workload& w) {
    assert(w.kind == chaosq::queue::queue_kind::fifo && "job_queue is first in, first out");
    std::size_t const capacity = w.maxsize > 0 ? static_cast<std::size_t>(w.maxsize) : 0;
    return std::unique_ptr<chaosq::harness::work_queue>(std::make_unique<job_queue>(capacity, f));
  };
  options.consumer = resilient_worker;
  return options;
}

/// Runs chaosq's reference queue (asyncio.Queue) with the same user worker.
inline chaosq::harness::run_options with_reference_queue() {
  chaosq::harness::run_options options;
  options.consumer = resilient_worker;  // make_queue left empty: the reference queue
  return options;
}

}  // namespace byo

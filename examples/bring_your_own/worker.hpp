#pragma once
/// \file
/// A user's own consumer coroutine, written against `chaosq::harness::consumer_context`.

#include "chaosq/harness/consumer.hpp"
#include "chaosq/sim/task.hpp"

namespace byo {

/// A worker that survives failed jobs: a job whose processing fails (an injected crash, which
/// stands for any ordinary error) is acknowledged, noted in the trace and skipped, and the
/// worker takes the next one. A cancellation acknowledges the job in hand and ends the worker.
/// Every job it takes is acknowledged exactly once. Ends normally when the queue shuts down
/// (the `queue_shut_down` from `get` escapes, as the engine expects).
chaosq::sim::task<void> resilient_worker(chaosq::harness::consumer_context& ctx);

}  // namespace byo

#pragma once
/// \file
/// The reference workload written directly against sim/ and queue/: no harness, no ledger, no
/// oracles, no fault bookkeeping. The floor under the engine.

#include <cstdint>

#include "chaosq/queue/queue.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::bench {

/// How a crash ends the consumer that drew it.
enum class crash_delivery : std::uint8_t {
  exception,  ///< thrown, acknowledged in a catch-all, rethrown: as a program (and chaosq) does
  value,      ///< acknowledged, then the consumer returns: the same schedule, no unwinding
};

struct bare_outcome {
  std::uint64_t steps = 0;
  bool joined = false;  ///< false: the join was still pending at quiescence (a hang)
};

/// One schedule: a producer putting `items` items, `consumers` consumers acknowledging in a
/// `finally`, each item crashing mid-item when `decisions.choose(5) == 4`, a joiner joining
/// after the producer; every pick of the next ready task drawn from `decisions`.
bare_outcome run_bare_schedule(queue::queue_kind kind, std::uint32_t items, std::uint32_t consumers,
                               sim::decision_source& decisions,
                               crash_delivery delivery = crash_delivery::exception);

}  // namespace chaosq::bench

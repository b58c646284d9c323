#pragma once
/// \file
/// The user's code by name: what their own chaosq command, their property test and their fuzz
/// target run. A workload, a YAML scenario or a token names it (`queue: {impl: job-queue}`,
/// `consumers: {behaviour: resilient-worker}`).

#include "chaosq/harness/registry.hpp"

namespace byo {

/// chaosq's built-in code, plus:
///   job-queue@1.0        byo::job_queue as shipped (immediate shutdown forgets join)
///   job-queue-fixed@1.1  byo::job_queue with the fix
///   resilient-worker     byo::resilient_worker
[[nodiscard]] chaosq::harness::registry registry();

}  // namespace byo

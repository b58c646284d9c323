#pragma once
/// \file
/// The pools of this folder that fit the engine's pool workload (submit a task, wait for all of
/// them), by name, each beside its fix: what `threads-chaosq` runs, and the YAML scenarios in
/// scenarios/ name.

#include "chaosq/harness/registry.hpp"

namespace pools {

/// chaosq's own registry, plus:
/// - `wait-pool` / `wait-pool-fixed`: bshoshany/thread-pool #110 (wait_pool.hpp);
/// - `early-wait-pool` / `early-wait-pool-fixed`: ptsouchlos/thread-pool PR #61
///   (early_wait_pool.hpp);
/// - `job-queue-pool` / `job-queue-pool-fixed`: dbt-labs/dbt-core #5602 (job_queue_pool.hpp).
[[nodiscard]] chaosq::harness::registry registry();

}  // namespace pools

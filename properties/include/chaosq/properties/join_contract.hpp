#pragma once
/// \file
/// The join contract as a RapidCheck property over a user's registered code, for a user's own
/// GoogleTest test:
///
///     TEST(job_queue, keeps_the_join_contract) {
///       auto const r = chaosq::properties::check_join_contract(my_registry(), "job-queue",
///                                                              "worker", {.command = "mychaosq"});
///       EXPECT_TRUE(r.held()) << r.report;  // the shrunk counterexample, its trace and token
///     }
///
/// RapidCheck generates decision records; each draws a workload from `space` naming the queue
/// and behaviour (so its token names them too) and runs it. A run breaks the contract when join
/// returns while an item is unacknowledged or being processed, or does not return once the count
/// is zero; it counts only where chaosq's reference queue with the same consumers keeps the
/// contract on the same decisions (`harness::blames_code_under_test`, with the queue's
/// registered reference check).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/registry.hpp"

namespace chaosq::properties {

struct join_contract_options {
  /// The workloads drawn (kinds, sizes, faults); its `queue_impl` and `behaviour` are set from
  /// the names given. `policies` matters only when no behaviour is named.
  harness::workload_space space;
  std::uint64_t seed = 1;          ///< RapidCheck's seed: a fixed seed gives the same verdict
  int max_success = 300;           ///< cases that must pass before the contract is taken to hold
  int max_size = 100;              ///< RapidCheck's largest size
  std::string command = "chaosq";  ///< the command whose `replay TOKEN` reruns a failure
};

struct join_contract_result {
  /// Why nothing ran (a name the registry lacks, a bad space); empty when it ran.
  std::string error;
  /// The counterexample RapidCheck shrank to, shrunk further by the engine: its verdict,
  /// traced minimal run and token (`failure.token`, naming the registered code with versions).
  std::optional<harness::failure> counterexample;
  std::string report;  ///< the failure as text (reason, workload, trace, token); empty if held
  int cases = 0;       ///< cases RapidCheck ran

  /// True when the property ran and every case kept the contract.
  [[nodiscard]] bool held() const noexcept { return error.empty() && !counterexample; }
};

/// Checks the join contract of the registered queue `queue_name` under the registered consumer
/// `behaviour_name` (empty: the built-in consumers of `options.space.policies`). Deterministic
/// for given options; prints nothing.
[[nodiscard]] join_contract_result check_join_contract(const harness::registry& registry,
                                                       std::string_view queue_name,
                                                       std::string_view behaviour_name,
                                                       join_contract_options options = {});

}  // namespace chaosq::properties

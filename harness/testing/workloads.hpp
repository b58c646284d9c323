#pragma once
// Workloads several harness tests share.

#include "chaosq/harness/workload.hpp"

namespace chaosq::harness::testing {

/// The classic leak: consumers acknowledge only on success, and one crash may strike.
inline workload classic_leak() {
  workload w;
  w.policy = ack_policy::on_success;
  w.items = 3;
  w.consumers = 2;
  w.faults.crashes = 1;
  return w;
}

}  // namespace chaosq::harness::testing

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

/// Consumers that acknowledge before the work: the reference itself fails this workload
/// (work-unfinished, or join-early when a crash strikes after the early ack), so a queue under
/// test must be judged against the reference on every record, the shrunk one included.
inline workload early_ack() {
  workload w;
  w.policy = ack_policy::before_work;
  w.items = 3;
  w.consumers = 2;
  w.work_steps = 1;
  w.faults.crashes = 1;
  return w;
}

}  // namespace chaosq::harness::testing

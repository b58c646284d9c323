// The user's property test: the join contract over job-queue and resilient-worker, checked by
// RapidCheck through chaosq (generated workloads, faults and schedules, shrunk counterexample).

#include <iostream>

#include <gtest/gtest.h>

#include "chaosq/properties/join_contract.hpp"

#include "registry.hpp"

namespace {

chaosq::properties::join_contract_options options() {
  chaosq::properties::join_contract_options o;
  o.space.kinds = {chaosq::queue::queue_kind::fifo};  // job_queue is FIFO only
  o.command = "byo-chaosq";
  return o;
}

TEST(job_queue, fixed_keeps_the_join_contract) {
  auto const r = chaosq::properties::check_join_contract(byo::registry(), "job-queue-fixed",
                                                         "resilient-worker", options());
  EXPECT_TRUE(r.held()) << r.error << r.report;
}

// The shipped queue has a bug; the property must find it, and the token it prints must replay
// in byo-chaosq (the install test runs it).
TEST(job_queue, shipped_breaks_the_join_contract) {
  auto const r = chaosq::properties::check_join_contract(byo::registry(), "job-queue",
                                                         "resilient-worker", options());
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_FALSE(r.held()) << "no counterexample in " << r.cases << " cases";
  std::cout << r.report << "TOKEN " << r.counterexample->token << "\n";
}

}  // namespace

#include "chaosq/harness/engine.hpp"

#include <gtest/gtest.h>

namespace chaosq::harness {
namespace {

TEST(engine, classic_leak_hangs_join_and_names_the_item) {
  workload w;
  w.policy = ack_policy::on_success;
  w.items = 3;
  w.consumers = 2;
  w.faults.crashes = 1;
  bool found = false;
  for (std::uint64_t seed = 0; seed < 200 && !found; ++seed) {
    sim::random_decisions d(seed);
    auto r = run(w, d);
    if (r.violation && r.violation->oracle == oracle::join_hang) {
      found = true;
      auto again = replay(w, r.decisions, {.trace = true});
      ASSERT_TRUE(again.violation);
      EXPECT_EQ(again.violation->message, r.violation->message);
      std::cout << again.violation->signature() << "\n"
                << again.violation->message << "\n"
                << again.trace->to_text();
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace chaosq::harness

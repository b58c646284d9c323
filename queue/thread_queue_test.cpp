// The reference thread-safe queue (Python 3.13's queue.Queue) under controlled threads.

#include "chaosq/queue/thread_queue.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "chaosq/sim/decision.hpp"
#include "chaosq/sync/sync.hpp"

namespace {

using chaosq::queue::queue_kind;
using chaosq::queue::thread_queue;
namespace sync = chaosq::sync;

TEST(thread_queue, producers_and_consumers_hand_over_every_item_and_join_returns) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    chaosq::sim::random_decisions d(seed);
    std::vector<int> got;
    sync::run_result const r = sync::run(
        [&got] {
          thread_queue<int> q(queue_kind::fifo, 1);
          sync::thread consumer([&] {
            for (;;) {
              int const item = q.get();
              if (item < 0) {
                q.task_done();
                return;
              }
              got.push_back(item);
              q.task_done();
            }
          });
          for (int i = 0; i < 4; ++i) q.put(i);
          q.put(-1);
          q.join();
          EXPECT_EQ(q.unfinished(), 0);
          consumer.join();
        },
        d);
    ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
    ASSERT_EQ(got, (std::vector<int>{0, 1, 2, 3})) << "seed " << seed;
  }
}

}  // namespace

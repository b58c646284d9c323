// The target a user builds over their registry (`registered_target`, `run_registered`): it
// finds a planted bug in a registered queue within a fixed number of random inputs, the finding
// explains to a token naming the queue and the user's command, the reference queue plugged in
// as a user's yields no finding, and a name the registry lacks is refused with the registry's
// wording.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/fuzz/targets.hpp"
#include "chaosq/harness/token.hpp"
#include "chaosq/sim/decision.hpp"

#include "testing/broken_pools.hpp"

namespace chaosq::fuzz {
namespace {

harness::registry users_registry() {
  harness::registry r;
  EXPECT_TRUE(r.add_queue("job-queue", "join is never woken",
                          harness::planted_queue_factory(harness::planted_bug::join_not_woken),
                          "1.2"));
  EXPECT_TRUE(r.add_queue("fine-queue", "the reference queue as a user's",
                          harness::planted_queue_factory(harness::planted_bug::none)));
  return r;
}

/// The first finding among `inputs` random byte strings (seeded), if any.
std::optional<finding> first_finding(const schedule_target& target, int inputs) {
  sim::splitmix64 rng(1);
  for (int n = 0; n < inputs; ++n) {
    std::vector<std::uint8_t> bytes(1 + rng.below(64));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.below(256));
    if (std::optional<finding> f = run_schedule(target, bytes)) return f;
  }
  return std::nullopt;
}

TEST(registered_target, finds_a_planted_bug_and_its_token_names_the_queue) {
  harness::registry const r = users_registry();
  std::string error;
  std::optional<schedule_target> const target =
      registered_target(r, {.queue = "job-queue", .command = "mychaosq"}, &error);
  ASSERT_TRUE(target) << error;
  std::optional<finding> const f = first_finding(*target, 2000);
  ASSERT_TRUE(f) << "no finding in 2000 random inputs";
  EXPECT_EQ(f->work.queue_impl.text, "job-queue@1.2");
  harness::failure const minimal = explain(*target, *f);
  ASSERT_TRUE(minimal.report.violation);
  EXPECT_EQ(minimal.report.violation->signature(), f->signature);
  auto const decoded = harness::decode_token(minimal.token);
  ASSERT_TRUE(std::holds_alternative<harness::decoded_token>(decoded)) << minimal.token;
  EXPECT_EQ(std::get<harness::decoded_token>(decoded).work.queue_impl.text, "job-queue@1.2");
  EXPECT_EQ(minimal.reproduce_command().rfind("mychaosq replay ", 0), 0U)
      << minimal.reproduce_command();
}

TEST(registered_target, finds_nothing_in_the_reference_queue_as_a_users) {
  harness::registry const r = users_registry();
  std::optional<schedule_target> const target = registered_target(r, {.queue = "fine-queue"});
  ASSERT_TRUE(target);
  std::optional<finding> const f = first_finding(*target, 500);
  EXPECT_FALSE(f) << f->signature << ": " << f->message;
}

TEST(registered_target, refuses_a_name_the_registry_lacks) {
  std::string error;
  EXPECT_FALSE(registered_target(users_registry(), {.queue = "other-queue"}, &error));
  EXPECT_NE(error.find("no queue 'other-queue'"), std::string::npos) << error;
  EXPECT_FALSE(registered_target(users_registry(), {}, &error));
  EXPECT_NE(error.find("no queue named"), std::string::npos) << error;
}

// A thread-based queue and a thread pool are fuzzed in threads mode, a pool over the workloads
// a pool runs: each draws only what its code can run, and the flawed pool is found.
TEST(registered_target, fuzzes_a_thread_queue_and_a_thread_pool_in_threads_mode) {
  harness::registry r;
  ASSERT_TRUE(r.add_thread_queue("thread-queue", "queue.Queue as a user's", [](const auto& w) {
    return harness::make_thread_reference_queue(w);
  }));
  ASSERT_TRUE(r.add_thread_pool("fine-pool", "a correct pool",
                                harness::testing::pool_with(harness::testing::pool_flaw::none)));
  ASSERT_TRUE(
      r.add_thread_pool("early-pool", "counts a task done before it runs",
                        harness::testing::pool_with(harness::testing::pool_flaw::done_before_run)));
  for (const char* name : {"thread-queue", "fine-pool"}) {
    std::string error;
    std::optional<schedule_target> target = registered_target(r, {.queue = name}, &error);
    ASSERT_TRUE(target) << name << ": " << error;
    EXPECT_EQ(target->space.base.mode, harness::run_mode::threads) << name;
    EXPECT_EQ(target->space.max_cancels, 0U) << name;
    // Every consumer crashed with items left: what a correct queue does. A pool's threads never
    // die of a crash (its jobs throw), so a pool tolerates nothing.
    if (std::string(name) == "thread-queue")
      target->tolerated = {harness::out_of_consumers.begin(), harness::out_of_consumers.end()};
    std::optional<finding> const f = first_finding(*target, 300);
    EXPECT_FALSE(f) << name << ": " << f->signature << ": " << f->message;
  }
  std::optional<schedule_target> const early = registered_target(r, {.queue = "early-pool"});
  ASSERT_TRUE(early);
  EXPECT_EQ(early->space.max_maxsize, 0U);
  EXPECT_EQ(early->space.kinds, std::vector<queue::queue_kind>{queue::queue_kind::fifo});
  std::optional<finding> const f = first_finding(*early, 2000);
  ASSERT_TRUE(f) << "no finding in 2000 random inputs";
  EXPECT_EQ(f->signature, "join-early/no-zero");
  EXPECT_EQ(f->work.queue_impl.text, "early-pool");
}

}  // namespace
}  // namespace chaosq::fuzz

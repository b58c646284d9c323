#include "chaosq/harness/blame.hpp"

#include <gtest/gtest.h>

#include "chaosq/harness/zoo.hpp"
#include "chaosq/sim/decision.hpp"

#include "testing/workloads.hpp"

namespace chaosq::harness {
namespace {

run_options planted(planted_bug bug) {
  run_options o;
  o.make_queue = planted_queue_factory(bug);
  o.explain = false;
  return o;
}

/// Runs of `w` on `options` from seeds 0..: the first violation whose reference outcome is
/// `wanted`.
std::optional<run_report> first_with(const workload& w, const run_options& options,
                                     reference_outcome wanted) {
  for (std::uint64_t seed = 0; seed < 5'000; ++seed) {
    sim::random_decisions d(seed);
    run_report r = run(w, d, options);
    if (r.violation && run_reference(w, r.decisions, r.violation->signature(), options) == wanted)
      return r;
  }
  return std::nullopt;
}

TEST(blame, without_a_queue_under_test_or_a_check_every_violation_counts) {
  workload const w = testing::classic_leak();
  std::optional<run_report> const leak =
      first_with(w, {.explain = false}, reference_outcome::fails_alike);
  ASSERT_TRUE(leak);
  std::string const signature = leak->violation->signature();
  for (reference_check check :
       {reference_check::off, reference_check::passes, reference_check::differs})
    EXPECT_TRUE(blames_code_under_test(w, leak->decisions, signature, {}, check));
  EXPECT_TRUE(blames_code_under_test(w, leak->decisions, signature, planted(planted_bug::none),
                                     reference_check::off));
}

TEST(blame, a_violation_the_reference_shares_is_the_workloads) {
  workload const w = testing::classic_leak();
  run_options const copy = planted(planted_bug::none);  // the reference, written again
  std::optional<run_report> const leak = first_with(w, copy, reference_outcome::fails_alike);
  ASSERT_TRUE(leak);
  for (reference_check check : {reference_check::passes, reference_check::differs})
    EXPECT_FALSE(
        blames_code_under_test(w, leak->decisions, leak->violation->signature(), copy, check));
}

TEST(blame, a_violation_where_the_reference_passes_is_the_queues) {
  workload w;
  w.items = 3;
  w.consumers = 2;
  run_options const bug = planted(planted_bug::get_counts_down);
  std::optional<run_report> const found = first_with(w, bug, reference_outcome::passes);
  ASSERT_TRUE(found);
  for (reference_check check : {reference_check::passes, reference_check::differs})
    EXPECT_TRUE(
        blames_code_under_test(w, found->decisions, found->violation->signature(), bug, check));
}

/// task-done-unchecked shows only under a consumer that acknowledges twice, which the
/// reference refuses: a deviation counts with `differs`, never with `passes`.
TEST(blame, a_violation_the_reference_shows_otherwise_counts_only_with_differs) {
  workload w;
  w.items = 2;
  w.consumers = 1;
  w.restarts = 1;
  w.policy = ack_policy::twice;
  w.faults.crashes = 1;
  run_options const bug = planted(planted_bug::task_done_unchecked);
  std::optional<run_report> const found = first_with(w, bug, reference_outcome::fails_other);
  ASSERT_TRUE(found);
  std::string const signature = found->violation->signature();
  EXPECT_FALSE(
      blames_code_under_test(w, found->decisions, signature, bug, reference_check::passes));
  EXPECT_TRUE(
      blames_code_under_test(w, found->decisions, signature, bug, reference_check::differs));
  EXPECT_EQ(reference_check_for(planted_bug::task_done_unchecked), reference_check::differs);
  EXPECT_EQ(reference_check_for(planted_bug::get_counts_down), reference_check::passes);
}

}  // namespace
}  // namespace chaosq::harness

// The queue contract from a user's seat: work_queue.hpp alone names every error a queue meets,
// and a variant of the reference with one step changed through a hook is caught by the engine.
// The variant below is the example of examples/bring_your_own/README.md ("One bug through a
// hook"); keep the two alike.

#include "chaosq/harness/work_queue.hpp"

namespace chaosq::harness {
namespace {

// Compiles from work_queue.hpp alone (nothing else is included above): the errors a queue may
// raise or see are reachable from the header a user includes.
[[maybe_unused]] int error_class_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const queue::queue_shut_down&) {
    return 1;
  } catch (const queue::queue_empty&) {
    return 2;
  } catch (const queue::queue_full&) {
    return 3;
  } catch (const queue::task_done_error&) {
    return 4;
  } catch (const sim::cancelled_error&) {
    return 5;
  } catch (const sim::injected_fault&) {
    return 6;
  } catch (const sim::timeout_error&) {
    return 7;
  }
}

}  // namespace
}  // namespace chaosq::harness

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"

namespace chaosq::harness {
namespace {

TEST(work_queue, its_header_names_every_error_a_queue_meets) {
  EXPECT_EQ(error_class_of(std::make_exception_ptr(queue::queue_shut_down{})), 1);
  EXPECT_EQ(error_class_of(std::make_exception_ptr(sim::cancelled_error{})), 5);
  EXPECT_EQ(error_class_of(std::make_exception_ptr(sim::timeout_error{})), 7);
}

// ---- the README's example ----

// The reference queue with one step changed: the last task_done forgets to wake join.
class silent_zero final : public queue::basic_queue<item, silent_zero> {
 public:
  using basic_queue::basic_queue;
  void lower_count() noexcept { --unfinished_; }  // BUG: no finished_.set() at zero
};

run_options with_silent_zero() {
  return {.make_queue = [](const workload& w) -> std::unique_ptr<work_queue> {
    return std::make_unique<queue_adapter<silent_zero>>(w.kind, w.maxsize);
  }};
}

// ---- end of the example ----

TEST(work_queue, a_bug_planted_through_a_hook_is_caught) {
  explore_result const r = explore(workload{}, {.schedules = 200, .run = with_silent_zero()});
  ASSERT_TRUE(r.first_failure.has_value());
  ASSERT_TRUE(r.first_failure->violation.has_value());
  EXPECT_EQ(r.first_failure->violation->kind, verdict_kind::join_late_not_woken);
}

TEST(work_queue, the_reference_passes_the_same_exploration) {
  explore_result const r = explore(workload{}, {.schedules = 200});
  EXPECT_FALSE(r.first_failure.has_value());
}

TEST(work_queue, a_variant_that_changes_nothing_behaves_as_the_reference) {
  class unchanged final : public queue::basic_queue<item, unchanged> {
   public:
    using basic_queue::basic_queue;
  };
  workload w;
  w.maxsize = 1;
  w.faults = {.crashes = 1, .cancels = 1, .shutdown = shutdown_allowance::any, .odds = 6};
  run_options const variant{
      .trace = true, .make_queue = [](const workload& wl) -> std::unique_ptr<work_queue> {
        return std::make_unique<queue_adapter<unchanged>>(wl.kind, wl.maxsize);
      }};
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    sim::random_decisions a(seed);
    sim::random_decisions b(seed);
    run_report const reference = run(w, a, {.trace = true});
    run_report const copy = run(w, b, variant);
    ASSERT_EQ(reference.decisions, copy.decisions) << "seed " << seed;
    ASSERT_EQ(reference.trace->to_text(), copy.trace->to_text());
  }
}

}  // namespace
}  // namespace chaosq::harness

// Join exactness over generated workloads, faults and schedules. RapidCheck generates a
// decision record; the engine draws the workload (queue kind, maxsize, producers, items,
// consumers, policy, processing steps, restarts, joiners, fault budget) from its front and the
// run (schedule, fault strikes) from the rest.
//
// - With the `finally` policy the join contract holds under any faults.
// - With each leaky policy it does not, and the counterexample RapidCheck shrinks to is already
//   minimal in the workload's shape, which the engine's shrinker confirms.
// - Both hold in threads mode too (controlled threads and queue.Queue, no cancellation), with the
//   same minimal shapes: no leak needs a cancellation. One verdict differs (see the `twice` test).
// - Every shallow planted bug of the zoo is caught (see `planted_bugs`).

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/shrink.hpp"
#include "chaosq/harness/zoo.hpp"
#include "chaosq/properties/support.hpp"

namespace chaosq::properties {
namespace {

using harness::ack_policy;
using harness::generated_run;
using harness::workload_space;

harness::run_options traced(harness::run_options options) {
  options.trace = true;
  return options;
}

/// Faults that struck in a traced run.
std::size_t faults_struck(const generated_run& g) {
  return static_cast<std::size_t>(
      std::count_if(g.report.trace->events.begin(), g.report.trace->events.end(),
                    [](const harness::trace_event& e) { return e.outcome == "struck"; }));
}

/// The join contract as a RapidCheck property over decision records.
rc::detail::Property join_contract_property(failure_sink& sink) {
  return rc::detail::toProperty([&sink] {
    std::vector<std::uint32_t> const record = *decision_records();
    contract_verdict const v = judge_join_contract(sink.space(), record, sink.options());
    RC_CLASSIFY(v.faults_struck, "faults struck");
    RC_CLASSIFY(v.excused, "faults ended every consumer");
    RC_ASSERT(sink.keeps(record, v));
  });
}

TEST(join_contract, holds_with_ack_in_finally_under_any_faults_and_schedules) {
  failure_sink sink(only(ack_policy::finally));
  check_workload_property(sink, join_contract_property(sink));
}

TEST(join_contract, holds_in_threads_mode_with_ack_in_finally_under_any_faults_and_schedules) {
  failure_sink sink(only(ack_policy::finally, harness::run_mode::threads));
  check_workload_property(sink, join_contract_property(sink));
}

/// What refuting the join contract found: RapidCheck's shrunk counterexample and the engine's
/// minimal version of it.
struct refutation {
  property_failure counterexample;
  generated_run run;         ///< RapidCheck's counterexample, replayed with a trace
  harness::failure minimal;  ///< the engine's minimal version of it
};

/// Checks the join contract expecting it to fail, and shrinks the failure. RapidCheck is driven
/// through `run_property` (rc::detail::checkProperty with a listener) rather than RC_GTEST_PROP,
/// because the test needs the counterexample as a value: RC_GTEST_PROP only fails the test
/// with a printed message, while the listener tells which failing case RapidCheck accepted
/// last. Seed and sizes come from RC_PARAMS; the budget is at least 1000 cases (a refutation
/// must not depend on a small CI budget) and shrinking is always on.
std::optional<refutation> refute(const workload_space& space, harness::run_options options = {}) {
  failure_sink sink(space, std::move(options));
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = std::max(params.maxSuccess, 1000);
  params.disableShrinking = false;
  auto const result = run_property(current_test_id(), join_contract_property(sink), params, sink,
                                   expectation::fails);
  if (!result.template is<rc::detail::FailureResult>() || !sink.counterexample()) return {};
  refutation out{*sink.counterexample(), {}, {}};
  out.run = harness::replay_generated(space, out.counterexample.record, traced(sink.options()));
  out.minimal = engine_failure(sink, out.counterexample);
  std::cout << "RapidCheck's counterexample: " << describe(out.run.work) << "\n  "
            << out.counterexample.reason << "\n  token: " << out.minimal.original_token << "\n"
            << failure_report(out.counterexample, out.minimal);
  return out;
}

/// The workload's shape, for comparing minimal counterexamples.
struct shape {
  std::uint32_t producers, items, consumers, joiners, work_steps, restarts, crashes, cancels;
  std::size_t struck;
  friend bool operator==(const shape&, const shape&) = default;
};

std::ostream& operator<<(std::ostream& out, const shape& s) {
  return out << "producers=" << s.producers << " items=" << s.items << " consumers=" << s.consumers
             << " joiners=" << s.joiners << " work_steps=" << s.work_steps
             << " restarts=" << s.restarts << " crashes=" << s.crashes << " cancels=" << s.cancels
             << " faults struck=" << s.struck;
}

shape shape_of(const generated_run& g) {
  const harness::workload& w = g.work;
  return {w.producers, w.items,          w.consumers,      w.joiners,       w.work_steps,
          w.restarts,  w.faults.crashes, w.faults.cancels, faults_struck(g)};
}

shape shape_of_minimal(const harness::failure& m) { return shape_of({m.work, m.report}); }

/// The smallest workload that shows `policy`'s bug: one producer with one item, one consumer,
/// one joiner, and the faults and processing steps the bug needs.
shape smallest(std::uint32_t work_steps, std::uint32_t crashes) {
  return {1, 1, 1, 1, work_steps, 0, crashes, 0, crashes};
}

void expect_refuted_minimally(ack_policy policy, harness::verdict_kind kind, shape expected,
                              harness::run_mode mode = harness::run_mode::coroutines) {
  std::string const signature = harness::signature_of(kind);
  workload_space const space = only(policy, mode);
  std::optional<refutation> const r = refute(space);
  ASSERT_TRUE(r) << "RapidCheck found no run that breaks the join contract with policy "
                 << name_of(policy);
  EXPECT_EQ(signature_of(r->run.report), signature) << r->counterexample.reason;
  EXPECT_EQ(shape_of(r->run), expected) << "RapidCheck's counterexample is not minimal";
  ASSERT_TRUE(r->minimal.report.violation);
  EXPECT_EQ(r->minimal.report.violation->signature(), signature);
  EXPECT_EQ(shape_of_minimal(r->minimal), expected);
  // The engine's shrinker starts from RapidCheck's counterexample and never grows it.
  EXPECT_LE(r->minimal.minimal_size, harness::trim_record(r->counterexample.record).size());
}

TEST(join_contract, fails_with_ack_on_success_minimally_one_producer_item_consumer_and_crash) {
  expect_refuted_minimally(ack_policy::on_success, harness::verdict_kind::join_hang_held_by_crashed,
                           smallest(0, 1));
}

TEST(join_contract, fails_with_ack_before_work_minimally_one_item_and_one_processing_step) {
  expect_refuted_minimally(ack_policy::before_work,
                           harness::verdict_kind::work_unfinished_acked_before_done,
                           smallest(1, 0));
}

TEST(join_contract, fails_with_ack_twice_minimally_one_item_and_one_crash) {
  expect_refuted_minimally(ack_policy::twice, harness::verdict_kind::over_ack_double_ack,
                           smallest(0, 1));
}

TEST(join_contract, fails_with_ack_never_minimally_one_item_and_no_fault) {
  expect_refuted_minimally(ack_policy::never, harness::verdict_kind::join_hang_never_acked,
                           smallest(0, 0));
}

TEST(join_contract,
     fails_in_threads_mode_with_ack_on_success_minimally_one_producer_item_consumer_and_crash) {
  expect_refuted_minimally(ack_policy::on_success, harness::verdict_kind::join_hang_held_by_crashed,
                           smallest(0, 1), harness::run_mode::threads);
}

TEST(join_contract,
     fails_in_threads_mode_with_ack_before_work_minimally_one_item_and_one_processing_step) {
  expect_refuted_minimally(ack_policy::before_work,
                           harness::verdict_kind::work_unfinished_acked_before_done, smallest(1, 0),
                           harness::run_mode::threads);
}

// The same shape as with coroutines, but the first verdict is the early join, not the double
// ack. queue.Queue's task_done takes the queue's lock, and taking a lock is a scheduling point:
// after the crashed attempt's task_done drops the count to zero and wakes the joiner, the retried
// attempt's task_done waits its turn, and in the order a record of zeros picks the joiner runs
// first and returns while c0 still holds i0. A coroutine's task_done does not suspend, so there
// the retry (no processing steps) and the second task_done follow the first in the same step.
// Both verdicts are reachable in this shape in threads mode; RapidCheck shrinks to the former.
TEST(join_contract, fails_in_threads_mode_with_ack_twice_minimally_one_item_and_one_crash) {
  expect_refuted_minimally(ack_policy::twice,
                           harness::verdict_kind::work_unfinished_acked_before_done, smallest(0, 1),
                           harness::run_mode::threads);
}

TEST(join_contract, fails_in_threads_mode_with_ack_never_minimally_one_item_and_no_fault) {
  expect_refuted_minimally(ack_policy::never, harness::verdict_kind::join_hang_never_acked,
                           smallest(0, 0), harness::run_mode::threads);
}

/// A planted bug: a queue that breaks the join contract in one known way, and the workloads it
/// is exercised under.
struct zoo_entry {
  std::string name;
  workload_space space;
  harness::run_options options;  ///< make_queue: the bug
  harness::reference_check against_reference = harness::reference_check::off;
};

/// Every shallow planted bug of the zoo (harness/zoo.hpp), each under generated workloads whose
/// consumers acknowledge in `finally`, so the consumers are never to blame; the one exception
/// is task-done-unchecked, which only a consumer that acknowledges twice can reach. The deeper
/// bugs need three or more events in one order on a workload of their shape, which a uniform
/// decision stream over generated workloads rarely strings together: the self-test shows them
/// with PCT, POS and SURW (harness/zoo_test.cpp).
std::vector<zoo_entry> planted_bugs() {
  std::vector<zoo_entry> zoo;
  for (const auto& n : harness::names_of<harness::planted_bug>::values) {
    if (n.value == harness::planted_bug::none) continue;
    if (harness::depth_of(n.value) == harness::bug_depth::deeper) continue;
    zoo_entry e{std::string(n.name), only(ack_policy::finally), {}, {}};
    e.options.make_queue = harness::planted_queue_factory(n.value);
    e.against_reference = harness::reference_check_for(n.value);
    if (n.value == harness::planted_bug::task_done_unchecked) e.space = only(ack_policy::twice);
    zoo.push_back(std::move(e));
  }
  return zoo;
}

/// The join contract against a planted bug: a broken contract counts only where the bug is
/// to blame (`blames_code_under_test`: the reference queue passes the same record; for
/// task-done-unchecked, under `twice`, the reference fails differently, refusing the second
/// task_done where the bug lets the count go negative).
rc::detail::Property planted_bug_property(failure_sink& sink) {
  return rc::detail::toProperty([&sink] {
    std::vector<std::uint32_t> const record = *decision_records();
    contract_verdict const v = judge_join_contract(sink.space(), record, sink.options());
    if (v.broken && !blames_code_under_test(sink, record, v)) return;
    RC_ASSERT(sink.keeps(record, v));
  });
}

TEST(join_contract, catches_every_planted_bug) {
  std::vector<zoo_entry> const zoo = planted_bugs();
  auto const& bugs = harness::names_of<harness::planted_bug>::values;
  ASSERT_EQ(zoo.size(), std::count_if(bugs.begin(), bugs.end(), [](const auto& n) {
              return n.value != harness::planted_bug::none &&
                     harness::depth_of(n.value) == harness::bug_depth::shallow;
            }));
  for (const zoo_entry& bug : zoo) {
    SCOPED_TRACE(bug.name);
    failure_sink sink(bug.space, bug.options, bug.against_reference);
    rc::detail::TestParams params = rc::detail::configuration().testParams;
    params.maxSuccess = std::max(params.maxSuccess, 1000);
    auto const result = run_property(current_test_id() + "/" + bug.name, planted_bug_property(sink),
                                     params, sink, expectation::fails);
    EXPECT_TRUE(result.template is<rc::detail::FailureResult>() && sink.counterexample())
        << "the join contract property did not catch " << bug.name;
    if (sink.counterexample()) {
      std::cout << "caught " << bug.name << ": " << sink.counterexample()->reason
                << "\n  token: " << token_of(bug.space, sink.counterexample()->record)
                << " (replay with --queue-bug " << bug.name << ")\n";
    }
  }
}

}  // namespace
}  // namespace chaosq::properties

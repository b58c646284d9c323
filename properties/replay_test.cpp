// Reproducibility properties over generated workloads, faults and schedules: a run is a pure
// function of its decision record, a shrunk record still fails the same way and is never
// larger, and a replay token carries a run exactly.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/shrink.hpp"
#include "chaosq/harness/token.hpp"
#include "chaosq/properties/support.hpp"

namespace chaosq::properties {
namespace {

using harness::generated_run;
using harness::workload_space;

std::string message_of(const harness::run_report& r) {
  return r.violation ? r.violation->message : std::string();
}

/// Whether any size setting of `after` exceeds the one of `before`.
bool grew(const harness::workload& before, const harness::workload& after) {
  return after.producers > before.producers || after.items > before.items ||
         after.consumers > before.consumers || after.joiners > before.joiners ||
         after.work_steps > before.work_steps || after.restarts > before.restarts ||
         after.faults.crashes > before.faults.crashes ||
         after.faults.cancels > before.faults.cancels;
}

TEST(replay, the_same_decisions_give_byte_identical_traces) {
  failure_sink sink(every_policy());
  check_workload_property(
      sink, rc::detail::toProperty([&sink] {
        std::vector<std::uint32_t> const record = *decision_records();
        generated_run const first =
            harness::replay_generated(sink.space(), record, {.trace = true});
        // Replaying what the run recorded (values already reduced into range) ...
        generated_run const again =
            harness::replay_generated(sink.space(), first.report.decisions, {.trace = true});
        // ... and running without a trace (the fast path) must not change the run.
        generated_run const fast = harness::replay_generated(sink.space(), record);
        RC_CLASSIFY(first.report.violation.has_value(), "violation");
        bool const same = again.work == first.work &&
                          again.report.trace->to_text() == first.report.trace->to_text() &&
                          again.report.trace->to_json() == first.report.trace->to_json() &&
                          again.report.decisions == first.report.decisions &&
                          again.report.tags == first.report.tags &&
                          signature_of(again.report) == signature_of(first.report) &&
                          message_of(again.report) == message_of(first.report) &&
                          fast.report.decisions == first.report.decisions &&
                          fast.report.steps == first.report.steps &&
                          signature_of(fast.report) == signature_of(first.report) &&
                          !fast.report.trace.has_value();
        if (!same) sink.report({record, {}, "replaying the record did not reproduce the run"});
        RC_ASSERT(again.report.trace->to_text() == first.report.trace->to_text());
        RC_ASSERT(again.report.trace->to_json() == first.report.trace->to_json());
        RC_ASSERT(same);
      }));
}

TEST(shrinking, a_shrunk_record_fails_the_same_way_and_is_never_larger) {
  failure_sink sink(leaky_policies());
  check_workload_property(
      sink, rc::detail::toProperty([&sink] {
        std::vector<std::uint32_t> const record = *decision_records();
        generated_run const g = harness::replay_generated(sink.space(), record);
        RC_CLASSIFY(!g.report.violation, "passes: nothing to shrink");
        if (!g.report.violation) return;
        std::string const signature = g.report.violation->signature();
        // A small budget: the contract holds however early shrinking stops, and stopping early is
        // a path worth testing too.
        harness::shrink_result const m = harness::shrink_generated(sink.space(), g.report.decisions,
                                                                   signature, {.max_runs = 150});
        RC_CLASSIFY(m.stopped_early, "shrinking stopped early");
        RC_CLASSIFY(grew(g.work, m.work), "a workload setting grew while the record shrank");
        generated_run const replayed =
            harness::replay_generated(sink.space(), m.decisions, {.trace = true});
        std::vector<std::uint32_t> const original = harness::trim_record(g.report.decisions);
        bool const smaller_or_equal =
            m.decisions.size() < original.size() ||
            (m.decisions.size() == original.size() && m.decisions <= original);
        bool const sound = m.report.violation && m.report.violation->signature() == signature &&
                           signature_of(replayed.report) == signature &&
                           replayed.report.trace->to_text() == m.report.trace->to_text() &&
                           replayed.work == m.work && smaller_or_equal &&
                           m.minimal_size == m.decisions.size() &&
                           m.original_size == g.report.decisions.size();
        if (!sound) sink.report({record, {}, "shrinking " + signature + " was unsound"});
        RC_ASSERT(signature_of(m.report) == signature);
        RC_ASSERT(signature_of(replayed.report) == signature);
        RC_ASSERT(smaller_or_equal);
        RC_ASSERT(sound);
      }));
}

TEST(reproducers, a_token_round_trip_reproduces_the_verdict_and_the_trace) {
  failure_sink sink(every_policy());
  check_workload_property(
      sink, rc::detail::toProperty([&sink] {
        std::vector<std::uint32_t> const record = *decision_records();
        generated_run const g = harness::replay_generated(sink.space(), record, {.trace = true});
        split_record const split = split_generated(sink.space(), g.report.decisions);
        std::string const token = token_of(sink.space(), g.report.decisions);
        auto const decoded = harness::decode_token(token);
        const auto* ok = std::get_if<harness::decoded_token>(&decoded);
        if (ok == nullptr) sink.report({record, {}, "the token did not decode: " + token});
        RC_ASSERT(ok != nullptr);
        RC_ASSERT(ok->work == g.work);
        RC_ASSERT(ok->decisions == harness::trim_record(split.run));
        RC_ASSERT(harness::encode_token(ok->work, ok->decisions) == token);
        harness::run_report const r = harness::replay(ok->work, ok->decisions, {.trace = true});
        bool const same = signature_of(r) == signature_of(g.report) &&
                          message_of(r) == message_of(g.report) &&
                          r.trace->to_text() == g.report.trace->to_text();
        if (!same) sink.report({record, {}, "replaying the token did not reproduce the run"});
        RC_ASSERT(signature_of(r) == signature_of(g.report));
        RC_ASSERT(r.trace->to_text() == g.report.trace->to_text());
        RC_ASSERT(same);
      }));
}

}  // namespace
}  // namespace chaosq::properties

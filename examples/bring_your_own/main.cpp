// bring_your_own: runs a user's own queue (job_queue, with a planted bug) and a user's own
// consumer (resilient_worker) under chaosq's engine, shrinks what the engine found and prints its
// traced replay, and runs the same decisions against chaosq's reference queue, which must pass.
//
// Exit codes, one per class: 0 no violation found, 1 the engine caught a violation in the user's
// queue, 3 the reference queue failed (the example itself is broken).

#include <cstdint>
#include <iostream>
#include <utility>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/shrink.hpp"

#include "demo.hpp"

namespace {

namespace harness = chaosq::harness;

enum exit_code : int { pass = 0, violation = 1, internal_error = 3 };

harness::explore_options exploration(harness::run_options run) {
  harness::explore_options options;
  options.schedules = byo::k_schedules;
  options.seed = byo::k_seed;
  options.run = std::move(run);
  // A violation counts only where the reference queue passes the same decisions.
  options.against_reference = harness::reference_check::passes;
  return options;
}

/// Runs the reference queue on `decisions`, then over the whole exploration; prints both.
bool reference_passes(const harness::workload& w, const std::vector<std::uint32_t>& decisions) {
  bool ok = true;
  if (!decisions.empty()) {
    harness::run_report const same = harness::replay(w, decisions, byo::with_reference_queue());
    std::cout << "\nThe same " << decisions.size() << " decisions with chaosq's reference queue: "
              << (same.violation ? same.violation->signature() + " " + same.violation->message
                                 : "no violation")
              << "\n";
    ok = !same.violation;
  }
  harness::explore_result const ref = harness::explore(w, exploration(byo::with_reference_queue()));
  std::cout << "The reference queue over the same " << ref.stats.schedules
            << " schedules: " << ref.stats.violations << " violations\n";
  return ok && ref.stats.violations == 0;
}

}  // namespace

int main() {
  harness::workload const w = byo::demo_workload();
  std::cout << "workload: " << harness::describe(w) << "\n"
            << "queue under test: byo::job_queue (planted bug: immediate shutdown forgets join)\n"
            << "consumer: byo::resilient_worker (the workload's policy is not used)\n"
            << "exploring up to " << byo::k_schedules << " schedules, seed " << byo::k_seed << "\n";

  harness::explore_result const found =
      harness::explore(w, exploration(byo::with_job_queue(byo::flaw::drain_forgets_join)));
  if (!found.first_failure) {
    bool const ref_ok = reference_passes(w, {});
    std::cout << "SUMMARY: no violation in " << found.stats.schedules << " schedules of job_queue"
              << (ref_ok ? "" : "; but the reference queue failed") << "\n";
    return ref_ok ? pass : internal_error;
  }

  const harness::run_report& failure = *found.first_failure;
  const harness::verdict& v = *failure.violation;
  std::cout << "\nCaught at schedule " << found.first_failure_schedule << " ("
            << failure.decisions.size() << " decisions, " << failure.steps
            << " steps): " << v.signature() << "\n";

  // Shrink on the user's queue and worker, keeping the signature; the result replays traced.
  harness::shrink_options shrinking;
  shrinking.run = byo::with_job_queue(byo::flaw::drain_forgets_join);
  shrinking.against_reference = harness::reference_check::passes;  // every candidate, too
  harness::shrink_result const minimal =
      harness::shrink(w, failure.decisions, v.signature(), shrinking);
  harness::run_options traced = shrinking.run;
  traced.trace = true;
  harness::run_report const replayed = harness::replay(w, minimal.decisions, traced);
  if (!replayed.violation || replayed.violation->signature() != v.signature()) {
    std::cout << "SUMMARY: internal error: the minimal record does not replay the failure\n";
    return internal_error;
  }
  std::cout << "Shrunk to " << minimal.minimal_size << " decisions in " << minimal.runs
            << " runs; replayed with tracing:\n"
            << replayed.violation->signature() << ": " << replayed.violation->message << "\n\n"
            << replayed.trace->to_text();

  if (!reference_passes(w, minimal.decisions)) {
    std::cout << "SUMMARY: internal error: the reference queue fails this workload too\n";
    return internal_error;
  }
  std::cout << "SUMMARY: the engine caught a bug in job_queue: " << v.signature() << " at schedule "
            << found.first_failure_schedule << " of " << byo::k_schedules
            << "; the reference queue passes the same decisions\n";
  return violation;
}

#pragma once
/// \file
/// What every workload property shares: the decision records RapidCheck generates, the join
/// contract as a predicate, and the driver that runs a property as a GoogleTest test and, when
/// it fails, prints the engine's minimal trace, the replay token and the commands that
/// reproduce it.
///
/// A generated run is a pure function of its decision record (a vector of small values): the
/// workload is drawn from the front of the record and the run from the rest
/// (`harness::run_generated`). RapidCheck generates and shrinks the record as a plain vector;
/// the engine's shrinker then minimizes RapidCheck's counterexample further with the same
/// record, so the two shrinkers work on one representation and agree on what "smaller" means.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>
#include <rapidcheck/detail/TestListener.h>

#include "chaosq/harness/blame.hpp"
#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/shrink.hpp"

namespace chaosq::properties {

/// Generated workloads whose consumers follow `policy`, run in `mode` (in threads mode no
/// cancellations are drawn: `harness::generate_workload`).
[[nodiscard]] harness::workload_space only(harness::ack_policy policy,
                                           harness::run_mode mode = harness::run_mode::coroutines);
/// ... any of the five policies, so that runs end in every kind of verdict as well as passes.
[[nodiscard]] harness::workload_space every_policy();
/// ... any of the leaky policies (all but `finally`).
[[nodiscard]] harness::workload_space leaky_policies();

/// Decision records: vectors of values uniform in [0, 8) at every size, the length growing with
/// RapidCheck's size (up to 2 x max_size). 7 is the value that makes an offered fault strike (odds
/// 8), so a record of zeros is the smallest run (asyncio order, no fault) and RapidCheck shrinks
/// toward it. Values past a record's end read as 0.
[[nodiscard]] rc::Gen<std::vector<std::uint32_t>> decision_records();

/// A generated record split into the workload it draws and the run's own decisions: what a
/// replay token carries (`harness::replay(work, run)` reproduces the generated run).
struct split_record {
  harness::workload work;
  std::vector<std::uint32_t> run;
};
[[nodiscard]] split_record split_generated(const harness::workload_space& space,
                                           std::span<const std::uint32_t> record);

/// The replay token of a generated run (workload + the run's decisions, trailing zeros
/// dropped).
[[nodiscard]] std::string token_of(const harness::workload_space& space,
                                   std::span<const std::uint32_t> record);

/// "pass", or the verdict's signature.
[[nodiscard]] std::string signature_of(const harness::run_report& r);

/// How a generated run fares against the join contract.
struct contract_verdict {
  std::optional<std::string> broken;  ///< why the contract is broken; nullopt if it holds
  std::string signature;              ///< the run's verdict signature, or "pass"
  bool excused = false;        ///< a verdict accepted because faults ended every consumer (below)
  bool faults_struck = false;  ///< a drawn fault or shutdown struck
};

/// Judges the generated run of `record` against the join contract: join never returns while an
/// item put is unacknowledged or an acknowledged item is still being processed, and returns on
/// the joiner's first turn after the count reaches zero (the engine's oracles: any verdict
/// breaks it), checked a second time from the trace alone. One outcome is the workload's, not
/// the queue's or the consumers': when faults have ended every consumer, items nobody took
/// block join, a producer blocked in put, or a put_nowait loop spins (join-hang/unconsumed,
/// stranded/*, livelock/step-budget); that is excused when the trace shows that every item
/// taken was acknowledged and no consumer was left. Runs untraced first and replays with a
/// trace only when the verdict alone does not decide (a pass, or a verdict that may be excused).
[[nodiscard]] contract_verdict judge_join_contract(const harness::workload_space& space,
                                                   std::span<const std::uint32_t> record,
                                                   const harness::run_options& options = {});

/// The case a workload property fails on: enough to replay, shrink and report it.
struct property_failure {
  std::vector<std::uint32_t> record;  ///< the generated record (workload + run)
  std::string signature;              ///< the verdict's, or empty if no verdict explains it
  std::string reason;                 ///< what the property found wrong
};

/// Whether a property is meant to hold or meant to be refuted (a leaky policy, a planted bug).
enum class expectation : std::uint8_t { holds, fails };

/// Where a workload property reports the case it fails on, and which of those cases is
/// RapidCheck's counterexample: a listener tells it which failing case RapidCheck accepted,
/// the first one and then each accepted shrink, so the last accepted is the shrunk one.
///
/// For a property expected to hold, the first failure is printed at once (token and replay
/// command): if the process dies while RapidCheck shrinks, that line is what reproduces it,
/// since RapidCheck's own reproduce string is printed only at a clean exit.
class failure_sink {
 public:
  /// `against_reference`: with a queue under test in `options`, which of its failures count
  /// (`harness::blames_code_under_test`, see `blames_code_under_test` below); shrinking keeps it.
  explicit failure_sink(harness::workload_space space, harness::run_options options = {},
                        harness::reference_check against_reference = harness::reference_check::off)
      : space_(std::move(space)),
        options_(std::move(options)),
        against_reference_(against_reference) {}

  /// Reports the case being evaluated as failing; returns false, so that a property can write
  /// `RC_ASSERT(sink.report(...))` or use the result as its condition.
  bool report(property_failure f);

  /// True if `v` keeps the join contract; otherwise reports it (as a failure of `record`).
  bool keeps(const std::vector<std::uint32_t>& record, const contract_verdict& v);

  /// RapidCheck's counterexample, once a run has failed (nullopt if its failing case reported
  /// nothing, e.g. an unexpected exception).
  [[nodiscard]] const std::optional<property_failure>& counterexample() const noexcept {
    return accepted_;
  }
  [[nodiscard]] const harness::workload_space& space() const noexcept { return space_; }
  [[nodiscard]] const harness::run_options& options() const noexcept { return options_; }
  [[nodiscard]] harness::reference_check against_reference() const noexcept {
    return against_reference_;
  }

  /// Called by the listener after each evaluated case: keeps or drops the pending report.
  void case_finished(bool accepted_failure);
  void set_announce(bool announce) noexcept { announce_ = announce; }
  /// The command a token replays in (chaosq, or a user's own: chaosq/cli/cli.hpp) for the
  /// commands a failure prints; "chaosq" unless set.
  void set_command(std::string command) { command_ = std::move(command); }
  [[nodiscard]] const std::string& command() const noexcept { return command_; }

 private:
  harness::workload_space space_;
  harness::run_options options_;
  harness::reference_check against_reference_;
  std::string command_ = "chaosq";
  bool announce_ = true;
  bool announced_ = false;
  std::optional<property_failure> pending_;
  std::optional<property_failure> accepted_;
};

/// True if `v`, the join contract judged on the generated run of `record` with the sink's
/// space and options, is the code under test's to answer for: `harness::blames_code_under_test`
/// on the run's own decisions, with the sink's `against_reference` (always true when off).
[[nodiscard]] bool blames_code_under_test(const failure_sink& sink,
                                          std::span<const std::uint32_t> record,
                                          const contract_verdict& v);

/// The failure value of a property's failing case (`harness::make_failure`, as every front-end
/// makes it): shrunk by the engine from the given record, workload included, with the sink's
/// space and run options; kept as given when no signature allows shrinking.
[[nodiscard]] harness::failure engine_failure(const failure_sink& sink, const property_failure& f);

/// The report printed for a failure: what the property found wrong, the workload, and
/// `harness::failure_text` of `minimal` (the verdict, the engine's minimal trace, the replay
/// token and command), then the command that reruns the property.
[[nodiscard]] std::string failure_report(const property_failure& f,
                                         const harness::failure& minimal);

/// Runs `property` under RapidCheck with `params`, tracking RapidCheck's counterexample in
/// `sink`. A property that `holds` reports to RapidCheck's global listener as RC_GTEST_PROP
/// does (a failure is listed again at exit with RapidCheck's reproduce string); one that
/// `fails` does not, so an intended refutation leaves no such line behind.
[[nodiscard]] rc::detail::TestResult run_property(const std::string& id,
                                                  const rc::detail::Property& property,
                                                  const rc::detail::TestParams& params,
                                                  failure_sink& sink, expectation expected);

/// The body of a GoogleTest test that checks a workload property that should hold (what
/// RC_GTEST_PROP does, plus the engine's report): runs it with RC_PARAMS and, if it fails,
/// fails the test with RapidCheck's message followed by `failure_report` of RapidCheck's
/// counterexample.
void check_workload_property(failure_sink& sink, const rc::detail::Property& property);

/// The GoogleTest id of the running test, `suite/name`: RapidCheck's property id.
[[nodiscard]] std::string current_test_id();

/// `RC_PARAMS="seed=<seed>" <this binary> --gtest_filter=<current test>`: reruns the current
/// test exactly (RapidCheck is deterministic for a given seed and parameters).
[[nodiscard]] std::string rerun_command();

/// The path this test binary was started with (set by main).
void set_program_path(std::string path);

}  // namespace chaosq::properties

#pragma once
/// \file
/// The fuzz targets' logic, as plain functions over a byte string, so that libFuzzer, the
/// replay program, the proof-of-power test and a user's own fuzz target all call the same code.
///
/// Byte encoding (the `schedule` targets): every byte is one decision value, read in order by
/// `sim::replay_decisions`; the engine reduces it into range (`value % n`) and reads 0 past the
/// end. So every byte string is a valid run, a libFuzzer byte mutation is a decision mutation,
/// and a recorded decision record whose values are below 256 (every choice the engine makes
/// among fewer than 256 alternatives) is its own seed input, one byte per decision.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/registry.hpp"
#include "chaosq/harness/zoo.hpp"

namespace chaosq::fuzz {

/// The decision values a byte string stands for: one per byte.
[[nodiscard]] std::vector<std::uint32_t> decode_decisions(std::span<const std::uint8_t> bytes);

/// The inverse for records whose values all fit a byte (values above 255 are clamped).
[[nodiscard]] std::vector<std::uint8_t> encode_decisions(std::span<const std::uint32_t> decisions);

/// What a `schedule` target runs: generated workloads, under a queue and consumers.
struct schedule_target {
  std::string name;  ///< for reports: "schedule", "schedule_zoo/no-pass-on", a user's name
  harness::workload_space space;
  harness::run_options run;  ///< the queue and consumers under test (tracing is ignored)
  /// With a queue under test (`run.make_queue`): which violations count, judged by the
  /// reference queue on the same decisions (`harness::blames_code_under_test`); `passes` for a
  /// user's queue. Shrinking a finding (`explain`) keeps the same rule for every candidate.
  harness::reference_check against_reference = harness::reference_check::off;
  /// Verdicts that the workload itself explains and that are therefore no finding. The correct
  /// target tolerates `harness::out_of_consumers` (every consumer crashed with items left):
  /// what a correct queue does.
  std::vector<harness::verdict_kind> tolerated;
  /// Shown with a finding: how to replay its token (`chaosq replay TOKEN` plus options).
  std::string replay_options;
  /// The command that replays a finding's token: chaosq, or a user's own (chaosq/cli/cli.hpp)
  /// that has the registered code the token names.
  std::string command = "chaosq";
};

/// A failing run: the generated workload and the run's own decision record (the workload's
/// decisions excluded), so `harness::replay(work, decisions, target.run)` reproduces it.
struct finding {
  std::string target;
  std::string
      signature;        ///< verdict signature, or "divergence" / "bad-error" for non-engine targets
  std::string message;  ///< what went wrong, one or more lines
  harness::workload work;
  std::vector<std::uint32_t> decisions;  ///< the whole generated record (workload + run)
};

/// One run of `target` on the decisions `bytes` stands for; a finding when an oracle objects.
[[nodiscard]] std::optional<finding> run_schedule(const schedule_target& target,
                                                  std::span<const std::uint8_t> bytes);

/// The `schedule` target: generated workloads, every policy correct (`finally`), the reference
/// queue; any violation it does not tolerate is a bug in chaosq's queue, engine or oracles.
[[nodiscard]] const schedule_target& correct_target();

/// The `schedule_threads` target: `correct_target()`'s contract over the same generated
/// workloads run in threads mode (`harness::run_mode::threads`: controlled threads and the
/// reference queue.Queue; no cancellations are drawn). Any violation it does not tolerate is a
/// bug in chaosq's thread queue, threads engine or oracles.
[[nodiscard]] const schedule_target& threads_target();

/// An entry of the zoo the `schedule_zoo` target aims at: a planted queue bug, or a buggy ack
/// policy on the reference queue (the seed incident's leak is `policy:on-success`).
struct zoo_entry {
  std::string_view name;
  harness::planted_bug bug = harness::planted_bug::none;
  harness::ack_policy policy = harness::ack_policy::finally;
};

/// Every entry, in the order the selector byte picks them.
[[nodiscard]] std::span<const zoo_entry> zoo_entries();

/// The target aiming at `entry`.
[[nodiscard]] schedule_target zoo_target(const zoo_entry& entry);

/// The `schedule_zoo` target: the first byte picks the entry (`byte % zoo_entries().size()`),
/// the rest are decisions. Its findings are expected: they prove the fuzzer finds each bug.
[[nodiscard]] std::optional<finding> run_schedule_zoo(std::span<const std::uint8_t> bytes);

/// The `queue_model` target: byte 0 picks the kind, byte 1 the maxsize (0..3), then each byte
/// an operation (`byte % 10`, in `conformance::op_code` order) and, for a put its value
/// and for a cancel its task, the next byte. The program runs on `conformance::queue_model` and
/// `conformance::reference_run` side by side; a different result or observation is a finding.
[[nodiscard]] std::optional<finding> run_queue_model(std::span<const std::uint8_t> bytes);

/// The `scenario_loader` target: the bytes as a scenario file; the loader must return a
/// scenario or errors with sane positions, and a loaded scenario must survive `to_yaml`.
[[nodiscard]] std::optional<finding> run_scenario_loader(std::span<const std::uint8_t> bytes);

/// The `replay_token` target: the bytes as a token; a decoded token must re-encode to itself
/// (less surrounding whitespace), an error must point inside the input.
[[nodiscard]] std::optional<finding> run_replay_token(std::span<const std::uint8_t> bytes);

/// The failure value of a schedule finding (`harness::make_failure`, as every front-end makes
/// it): shrunk, workload included, traced, with tokens that replay it under
/// `target.replay_options`.
[[nodiscard]] harness::failure explain(const schedule_target& target, const finding& f);

/// A YAML scenario pinning the minimal run of `f`, for `chaosq run` (the reference queue: a
/// scenario cannot name a planted one, so the comment gives the token and flags for those).
[[nodiscard]] std::string finding_yaml(const schedule_target& target, const finding& f,
                                       const harness::failure& minimal);

/// Prints `f` to stderr (for a schedule finding: `harness::failure_text` of its failure), writes
/// it to `$CHAOSQ_FUZZ_FINDINGS/<target>.<signature>/` when that variable is set (finding.txt,
/// and for a schedule finding trace.txt, token.txt, failure.json, scenario.yaml), and aborts, as
/// libFuzzer expects of a crash. `target` is null for the non-engine targets.
[[noreturn]] void report_and_abort(const finding& f, const schedule_target* target);

/// What a user's fuzz target runs over their registry (`run_registered`).
struct registered_options {
  std::string queue;      ///< a registered queue's name (required)
  std::string behaviour;  ///< a registered behaviour's name; empty: the built-in consumers
  /// The workloads drawn from the front of each input (kinds, sizes, faults); its `queue_impl`
  /// and `behaviour` are set from the names above. `policies` matters only with no behaviour.
  harness::workload_space space;
  std::string command = "chaosq";  ///< the user's command, whose `replay TOKEN` reruns a finding
};

/// The schedule target over `registry`'s code that `options` names: generated workloads naming
/// it (so a finding's token does), violations counted only where the queue's registered
/// reference check blames it (`harness::registry::reference_check_of`). Nullopt, with the reason
/// in `*error`, when the registry lacks a name.
[[nodiscard]] std::optional<schedule_target> registered_target(const harness::registry& registry,
                                                               const registered_options& options,
                                                               std::string* error = nullptr);

/// A user's whole fuzz target, one line:
///
///     extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
///       return chaosq::fuzz::run_registered(data, size, my_registry(), {.queue = "job-queue"});
///     }
///
/// Runs the input's bytes as decisions (`run_schedule` on `registered_target`) and, on a
/// finding the code under test answers for, prints its minimal failure (trace, token, the
/// user's replay command) and aborts (`report_and_abort`). Returns 0 otherwise. A registry that
/// lacks a name is a set-up error: printed on stderr, exit status 2, before any input runs.
/// The target is built on the first call and reused; `registry` must outlive the process's
/// fuzzing and `options` must be the same on every call.
int run_registered(const std::uint8_t* data, std::size_t size, const harness::registry& registry,
                   const registered_options& options);

}  // namespace chaosq::fuzz

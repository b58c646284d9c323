#pragma once
/// \file
/// The failure value: one failing run, shrunk, traced and written as tokens, made by one function
/// (`make_failure`) and read by every renderer (text and JSON here; JUnit, the HTML timeline and
/// the YAML reproducer in scenarios/). Every front-end (chaosq explore, chaosq run, properties,
/// fuzz targets) makes its failure here, so none shrinks, traces or tokenizes on its own.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/shrink.hpp"
#include "chaosq/harness/verdict.hpp"

namespace chaosq::harness {

/// How much of a failure `make_failure` shrinks.
enum class shrinking : std::uint8_t {
  none,                 ///< keep the record as given (a PASS's evidence, a failure without verdict)
  record,               ///< shrink the decisions only (a user's fixed workload)
  record_and_workload,  ///< shrink the workload too (generated workloads: properties, fuzzing)
};

struct failure_options {
  run_options run;  ///< the queue and consumers under test (tracing and text are turned on)
  /// With a queue under test: shrinking keeps only candidates whose violation is still the
  /// code's own (`shrink_options::against_reference`); what the failure was found under.
  reference_check against_reference = reference_check::off;
  shrinking shrink = shrinking::record;
  std::uint64_t shrink_runs = k_shrink_runs;  ///< candidate runs shrinking may try
  /// Asked before each shrink candidate; true stops shrinking (a front-end's wall-clock limit).
  std::function<bool()> out_of_time;
  /// Non-null: the record begins with the decisions that generated the workload from this space
  /// (`run_generated`); shrinking the record then shrinks the workload too.
  const workload_space* generated_from = nullptr;
  /// The command that replays the token: chaosq, or a user's own (chaosq/cli.hpp), which has
  /// the code the token names.
  std::string command = "chaosq";
  /// What `COMMAND replay TOKEN` needs besides the token to run the same code, e.g.
  /// " --queue-bug late-count" (with its leading space) for a token that does not name it.
  std::string replay_flags;
  /// Why no token replays this failure (e.g. its consumers run a registered behaviour, which a
  /// token cannot name); empty: the tokens replay it.
  std::string no_token_reason;
};

/// One failure, everything a renderer needs. `replay(work, decisions, run)` with the options it
/// was made with reproduces `report` byte for byte.
struct failure {
  workload original_work;                         ///< the workload the failure was found on
  std::vector<std::uint32_t> original_decisions;  ///< its run's record (trailing zeros dropped)
  workload work;                                  ///< the minimal run's workload
  std::vector<std::uint32_t> decisions;           ///< the minimal run's record
  std::string signature;  ///< the signature shrinking kept; empty: the run as given has none
  run_report report;      ///< the minimal run, traced, with verdict text
  /// The unacknowledged items the verdict names, from the engine's ledger (empty unless a
  /// join-hang or join-early/unacked).
  std::vector<item_account> unacknowledged;

  bool shrunk = false;  ///< shrinking ran
  std::size_t original_size =
      0;                         ///< decisions before shrinking (workload's included, if generated)
  std::size_t minimal_size = 0;  ///< decisions after shrinking (likewise)
  std::uint64_t shrink_runs = 0;   ///< candidates tried
  bool stopped_early = false;      ///< out of runs or time: smaller may exist
  std::uint32_t preemptions = 0;   ///< schedule decisions that differ from asyncio order
  std::uint32_t drawn_faults = 0;  ///< faults the minimal run drew from its decisions

  std::string token;           ///< replays the minimal run; empty with `no_token_reason`
  std::string original_token;  ///< replays the run as found; likewise
  std::string command;         ///< see failure_options
  std::string replay_flags;    ///< see failure_options
  std::string no_token_reason;

  /// The minimal run's verdict, or nullptr (a property that failed without one).
  [[nodiscard]] const verdict* violation() const noexcept {
    return report.violation ? &*report.violation : nullptr;
  }
  /// "chaosq replay TOKEN FLAGS", or empty when no token replays the failure.
  [[nodiscard]] std::string reproduce_command() const;
};

/// Makes the failure of the run of `w` whose record is `record` and whose verdict signature is
/// `signature` (empty: no verdict, nothing to shrink by): shrinks it as `options` says, replays
/// the minimal run traced, and writes both tokens. With `options.generated_from`, `record` is the
/// whole generated record and `w` the workload it generates. Deterministic apart from where
/// `out_of_time` stops shrinking. Precondition: replaying `record` fails with `signature`.
[[nodiscard]] failure make_failure(const workload& w, std::span<const std::uint32_t> record,
                                   const std::string& signature,
                                   const failure_options& options = {});

/// "i3 (put by p0 at step 2, got by c1 at step 5, held by c1 when it ended: crash ... at step 7)"
[[nodiscard]] std::string to_string(const item_account& item);

/// The failure for people, as `chaosq explore` prints it: the verdict and its message, the
/// (minimal) trace with its sizes, the unacknowledged items, the tokens and the replay command.
[[nodiscard]] std::string failure_text(const failure& f);

/// The failure as one JSON object (verdict, tokens, shrink statistics, unacknowledged items,
/// trace), as `chaosq explore --json` and `chaosq run --json` print it.
[[nodiscard]] std::string failure_json(const failure& f);

}  // namespace chaosq::harness

#pragma once
// What every chaosq subcommand shares: exit codes, option tables, verdict reports.

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload.hpp"

namespace chaosq::cli {

using json = nlohmann::json;

/// What a chaosq process's exit status means.
enum exit_code : int { pass = 0, violation = 1, bad_input = 2, internal_error = 3 };

/// A subcommand: its CLI11 node and what to run when the user chose it.
struct command {
  CLI::App* app;
  std::function<int()> run;
};

command add_explore_command(CLI::App& app);
command add_replay_command(CLI::App& app);

/// The workload flags (--queue, --items, --policy, ...), each from its table.
void add_workload_options(CLI::App& app, harness::workload& w);

[[nodiscard]] json verdict_json(const harness::verdict& v);
[[nodiscard]] const char* end_name(harness::run_end e);

/// Shrinks a failure (for at most `shrink_seconds`), then prints the minimal run: verdict,
/// trace, sizes and both tokens; as JSON when `as_json` (and returns it).
json report_failure(const harness::workload& w, const harness::run_report& failure,
                    double shrink_seconds, bool as_json);

}  // namespace chaosq::cli

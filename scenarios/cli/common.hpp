#pragma once
// What every chaosq subcommand shares: exit codes, option tables, verdict reports.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/names.hpp"
#include "chaosq/harness/registry.hpp"
#include "chaosq/harness/workload.hpp"
#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::cli {

using json = nlohmann::json;

/// What a chaosq process's exit status means.
enum exit_code : int { pass = 0, violation = 1, bad_input = 2, internal_error = 3 };

/// A subcommand: its CLI11 node and what to run when the user chose it.
struct command {
  CLI::App* app;
  std::function<int()> run;
};

/// What every subcommand of one command line shares (it outlives them).
struct command_env {
  const harness::registry& registry;  ///< the code this command runs by name
  std::string name;                   ///< the command's own name: "chaosq", or a team's own
};

command add_explore_command(CLI::App& app, const command_env& env);
command add_replay_command(CLI::App& app, const command_env& env);
command add_selftest_command(CLI::App& app, const command_env& env);
command add_run_command(CLI::App& app, const command_env& env);
command add_merge_command(CLI::App& app, const command_env& env);

/// Reports bad input to subcommand `sub` (exit `bad_input`): the message on stderr, and the
/// SUMMARY line on stdout, or with `as_json` a JSON object on stdout and the SUMMARY on stderr.
int report_bad_input(const command_env& env, std::string_view sub, bool as_json,
                     const std::string& message);

/// Checks that this command has the code `w` names, and names it with the versions it has (what
/// its tokens carry). False, after printing why (`sub` names the subcommand) and a SUMMARY line,
/// when it does not: the caller exits `bad_input`.
[[nodiscard]] bool resolve_code(const command_env& env, std::string_view sub, harness::workload& w,
                                bool as_json = false);

/// "1,000,000": a count as --help and the progress line write it.
[[nodiscard]] std::string with_commas(std::uint64_t n);

/// Units per second as a person reads it: whole numbers, or three digits when slow.
[[nodiscard]] std::string rate_text(double rate);

/// What an option's --help line says after its description: "HELP; ACCEPTED; default DEFAULT".
[[nodiscard]] std::string option_line(const std::string& help, const std::string& accepted,
                                      const std::string& by_default);

/// chaosq's --help layout, for the command and every subcommand: one line per option (its flag,
/// its value's name, what it is, what it accepts in words and its default), then any indented
/// lines of explanation (an enum's names with their meanings); a subcommand by the first line of
/// its description. The option helpers below write descriptions in that form.
class help_formatter : public CLI::Formatter {
 public:
  help_formatter();
  std::string make_option(const CLI::Option* opt, bool is_positional) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_option_usage(const CLI::Option* opt) const override;
};

/// "one of fifo, lifo, priority", or for a list too long for one line, "one of the 8 names
/// below" (the help lists them).
template <class E>
std::string one_of_words() {
  std::string const names = harness::all_names<E>(", ");
  return names.size() <= 50
             ? "one of " + names
             : "one of the " + std::to_string(harness::names_of<E>::values.size()) + " names below";
}

/// An option whose value is one of the names in `harness::names_of<E>`; the parser, the help (each
/// name with its meaning) and the error ("did you mean") all come from the same table.
template <class E>
CLI::Option* add_enum_option(CLI::App& app, const std::string& flag, E& target,
                             const std::string& what) {
  std::string help = option_line(what, one_of_words<E>(), std::string(harness::name_of(target)));
  for (const auto& n : harness::names_of<E>::values)
    help += "\n" + std::string(n.name) + ": " + std::string(n.help);
  CLI::Validator one_of(
      [](std::string& value) -> std::string {
        if (harness::parse_name<E>(value)) return {};
        std::string const best = harness::closest_name<E>(value);
        return "'" + value + "' is not one of " + harness::all_names<E>() +
               (best.empty() ? "" : "; did you mean '" + best + "'?");
      },
      harness::all_names<E>(), "");
  return app
      .add_option_function<std::string>(
          flag, [&target](const std::string& value) { target = *harness::parse_name<E>(value); },
          help)
      ->check(one_of)
      ->option_text("NAME")
      ->default_str(std::string(harness::name_of(target)));
}

/// An integer option that takes exactly what a YAML scenario takes: decimal digits (no sign,
/// no leading zero, no spaces, no hex) for a value in `lo..hi`; anything else is a usage error
/// naming the flag and the range. `by_default`: what --help says of the default, when it is
/// a rule rather than `target`'s value.
template <class T>
CLI::Option* add_integer_option(CLI::App& app, const std::string& flags, T& target,
                                std::uint64_t lo, std::uint64_t hi, const std::string& help,
                                const std::string& by_default = {}) {
  CLI::Validator decimal(
      [lo, hi](std::string& text) -> std::string {
        std::uint64_t ignored = 0;
        return harness::decimal_problem(text, lo, hi, ignored);
      },
      std::to_string(lo) + ".." + std::to_string(hi), "");
  return app
      .add_option_function<std::string>(
          flags,
          [&target, lo, hi](const std::string& text) {
            std::uint64_t v = 0;
            [[maybe_unused]] std::string const error = harness::decimal_problem(text, lo, hi, v);
            target = static_cast<T>(v);
          },
          option_line(
              help, with_commas(lo) + " to " + with_commas(hi),
              by_default.empty() ? with_commas(static_cast<std::uint64_t>(target)) : by_default))
      ->check(decimal)
      ->option_text("N")
      ->default_str(std::to_string(target));
}

/// Every core of this machine, at least 1: what --jobs runs on by default.
[[nodiscard]] unsigned every_core();

/// --jobs N: the threads that run schedules, 1 to 1,024, by default every core. The result does
/// not depend on it; only timing lines (the statistics) say it.
CLI::Option* add_jobs_option(CLI::App& app, unsigned& jobs);

/// "1 thread", "2 threads": what the statistics line says ran the schedules.
[[nodiscard]] std::string threads_text(unsigned jobs);

/// A number of seconds: a finite decimal number in `0..max` (not nan, not inf).
CLI::Option* add_seconds_option(CLI::App& app, const std::string& flag, double& target, double max,
                                const std::string& help);

/// The workload flags (--queue, --items, --policy, ...), one per row of the field table
/// (harness/workload_fields.hpp): name, alias, limits and help come from there.
void add_workload_options(CLI::App& app, harness::workload& w);

[[nodiscard]] json verdict_json(const harness::verdict& v);
[[nodiscard]] const char* end_name(harness::run_end e);

/// A deadline `seconds` from now, as the `out_of_time` callback shrinking asks.
[[nodiscard]] std::function<bool()> deadline_after(double seconds);

/// A YAML scenario (run_command.cpp) that replays `decisions` on `w` and expects what `traced`,
/// their traced replay, shows; named after `name` (made a valid scenario name).
[[nodiscard]] std::string pinned_scenario_yaml(std::string_view name, std::string description,
                                               const harness::workload& w,
                                               const std::vector<std::uint32_t>& decisions,
                                               const harness::run_report& traced);

/// Writes `text` to `path`; on failure says so on stderr, naming `what`, and returns false.
bool write_file(const std::string& path, const std::string& text, const char* what);

/// Writes `pinned_scenario_yaml` to `path`, named after the file (--save-scenario). Prints why
/// on stderr and returns false if it cannot.
bool save_pinned_scenario(const std::string& path, std::string description,
                          const harness::workload& w, const std::vector<std::uint32_t>& decisions,
                          const harness::run_report& traced);

}  // namespace chaosq::cli

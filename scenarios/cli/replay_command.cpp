#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <variant>

#include "chaosq/harness/token.hpp"
#include "chaosq/harness/zoo.hpp"
#include "chaosq/scenarios/timeline.hpp"

#include "common.hpp"

namespace chaosq::cli {
namespace {

/// A token file is a token and whitespace: a long run's record of millions of decisions.
constexpr std::size_t max_token_file_bytes = 256U << 20U;

using namespace harness;

/// The token argument: the token itself, "-" for standard input, or "@FILE" (a long run's token
/// can be longer than the system allows one argument to be).
std::optional<std::string> read_token(const std::string& arg, std::string& problem) {
  if (arg != "-" && !arg.starts_with("@")) return arg;
  std::ifstream file;
  if (arg != "-") {
    file.open(arg.substr(1), std::ios::binary);
    if (!file) {
      problem = "cannot read the token file " + arg.substr(1);
      return std::nullopt;
    }
  }
  std::istream& in = arg == "-" ? std::cin : file;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_token_file_bytes) {
    problem = "the token in " + (arg == "-" ? std::string("standard input") : arg.substr(1)) +
              " is over " + std::to_string(max_token_file_bytes) + " bytes";
    return std::nullopt;
  }
  return text;
}

int replay_command(const std::string& token_arg, bool as_json, planted_bug bug, bool as_scenario,
                   const std::string& html, const command_env& env) {
  std::string problem;
  std::optional<std::string> const read = read_token(token_arg, problem);
  if (!read) return report_bad_input(env, "replay", as_json, problem);
  const std::string& token = *read;
  auto decoded = decode_token(token);
  if (auto* error = std::get_if<token_error>(&decoded)) {
    return report_bad_input(env, "replay", as_json,
                            "invalid token: " + error->message + " (at character " +
                                std::to_string(error->offset) + ")");
  }
  auto& [w, decisions] = std::get<decoded_token>(decoded);
  if (bug != planted_bug::none) {  // for a token that does not name its queue (before cq4)
    std::string const planted = "planted/" + std::string(name_of(bug));
    if (!w.queue_impl.empty() && w.queue_impl.name() != planted) {
      std::cerr << env.name << " replay: the token ran queue " << w.queue_impl.text
                << "; --queue-bug " << name_of(bug) << " contradicts it (leave it out)\n";
      std::cout << "SUMMARY: bad usage: --queue-bug contradicts the token's queue\n";
      return bad_input;
    }
    if (w.queue_impl.empty()) w.queue_impl.text = planted;
  }
  if (!resolve_code(env, "replay", w, as_json)) return bad_input;
  run_report r = replay(w, decisions, env.registry.bind(w, {.trace = true}));
  std::string summary = r.violation
                            ? "violation " + r.violation->signature() + " (replayed)"
                            : "no violation (replayed, run " + std::string(end_name(r.end)) + ")";
  if (!html.empty()) {
    std::vector<scenarios::timeline_section> const sections{scenarios::run_section(
        env.name + " replay " + token, r, "the run ended " + std::string(end_name(r.end)))};
    if (!write_file(html, scenarios::timeline_html(sections), "timeline")) {
      std::cout << "SUMMARY: bad input: cannot write " << html << "\n";
      return bad_input;
    }
  }
  if (as_scenario) {  // the scenario on stdout, so `> FILE` saves it; the SUMMARY on stderr
    std::string const name =
        "replay-" + (r.violation ? r.violation->signature() : std::string("no-violation"));
    std::cout << pinned_scenario_yaml(name, "From replay token " + token, w, decisions, r);
    std::cerr << "SUMMARY: " << summary << "\n";
  } else if (as_json) {
    json out{{"command", "replay"},
             {"workload", describe(w)},
             {"end", end_name(r.end)},
             {"steps", r.steps},
             {"trace", json::parse(r.trace->to_json())}};
    if (r.trace->omitted != 0) {
      out["trace_omitted"] = {{"events", r.trace->omitted},
                              {"before_index", r.trace->gap},
                              {"first_step", r.trace->first_omitted_step},
                              {"last_step", r.trace->last_omitted_step},
                              {"text", r.trace->omission()}};
    }
    if (r.violation) out["violation"] = verdict_json(*r.violation);
    std::cout << out.dump(2) << "\n";
    std::cerr << "SUMMARY: " << summary << "\n";
  } else {
    std::cout << "replay " << describe(w) << "\n\n" << r.trace->to_text() << "\n";
    if (r.violation) {
      std::cout << "VIOLATION " << r.violation->signature() << "\n  " << r.violation->message
                << "\n";
    } else {
      std::cout << "no violation; the run ended " << end_name(r.end) << " after " << r.steps
                << " steps\n";
    }
    std::cout << "SUMMARY: " << summary << "\n";
  }
  return r.violation ? violation : pass;
}

}  // namespace

command add_replay_command(CLI::App& app, const command_env& env) {
  struct replay_args {
    std::string token;
    bool as_json = false;
    planted_bug bug = planted_bug::none;
    bool as_scenario = false;
    std::string html;
  };
  auto args = std::make_shared<replay_args>();
  CLI::App* sub = app.add_subcommand(
      "replay", "Replay a token printed by explore: the full trace and the verdict.");
  sub->add_option("token", args->token,
                  "required; one of these forms:\n"
                  "cq1-... to cq6-...: a token as explore, run and selftest print it\n"
                  "@FILE: the token in FILE (a long run's token can be too long for an argument)\n"
                  "-: the token on standard input\n"
                  "A token names the queue and consumers that ran; this command must have them.")
      ->option_text("TOKEN")
      ->required();
  sub->add_flag("--json", args->as_json, "print JSON on stdout (the SUMMARY line goes to stderr)");
  add_enum_option(*sub, "--queue-bug", args->bug,
                  "the planted-bug queue a token older than cq4 ran (newer ones name it)");
  sub->add_flag("--as-scenario", args->as_scenario,
                "print the run as a YAML scenario pinning its decisions (SUMMARY to stderr)")
      ->excludes("--json");
  sub->add_option("--html", args->html,
                  "also write the run as a self-contained HTML timeline to FILE (a lane per "
                  "task, the leaked item's path to its fault; docs/timeline.md)")
      ->option_text("FILE");
  return {sub, [args, &env] {
            return replay_command(args->token, args->as_json, args->bug, args->as_scenario,
                                  args->html, env);
          }};
}

}  // namespace chaosq::cli

#include <iostream>
#include <variant>

#include "chaosq/harness/token.hpp"
#include "chaosq/harness/zoo.hpp"

#include "common.hpp"

namespace chaosq::cli {
namespace {

using namespace harness;

int replay_command(const std::string& token, bool as_json, planted_bug bug) {
  auto decoded = decode_token(token);
  if (auto* error = std::get_if<token_error>(&decoded)) {
    std::cerr << "chaosq replay: invalid token at character " << error->offset << ": "
              << error->message << "\n";
    std::cout << "SUMMARY: bad input: invalid token: " << error->message << "\n";
    return bad_input;
  }
  const auto& [w, decisions] = std::get<decoded_token>(decoded);
  run_options options{.trace = true};
  if (bug != planted_bug::none) options.make_queue = planted_queue_factory(bug);
  run_report r = replay(w, decisions, options);
  std::string summary = r.violation
                            ? "violation " + r.violation->signature() + " (replayed)"
                            : "no violation (replayed, run " + std::string(end_name(r.end)) + ")";
  if (as_json) {
    json out{{"command", "replay"},
             {"workload", describe(w)},
             {"end", end_name(r.end)},
             {"steps", r.steps},
             {"trace", json::parse(r.trace->to_json())}};
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

command add_replay_command(CLI::App& app) {
  struct replay_args {
    std::string token;
    bool as_json = false;
    planted_bug bug = planted_bug::none;
  };
  auto args = std::make_shared<replay_args>();
  CLI::App* sub = app.add_subcommand(
      "replay", "Replay a token printed by explore: the full trace and the verdict.");
  sub->add_option("token", args->token, "the replay token (cq1-...)")->required();
  sub->add_flag("--json", args->as_json, "print JSON on stdout (the SUMMARY line goes to stderr)");
  add_enum_option(*sub, "--queue-bug", args->bug,
                  "replay on a planted-bug variant of the queue (as explore --queue-bug ran it)");
  return {sub, [args] { return replay_command(args->token, args->as_json, args->bug); }};
}

}  // namespace chaosq::cli

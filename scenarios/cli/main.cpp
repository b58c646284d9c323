// chaosq: the command line. Every subcommand ends with one `SUMMARY:` line and an exit code
// that means something: 0 no violation, 1 violation found, 2 bad input or usage, 3 internal
// error.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <variant>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/names.hpp"
#include "chaosq/harness/shrink.hpp"
#include "chaosq/harness/token.hpp"
#include "chaosq/harness/workload.hpp"

namespace {

using namespace chaosq::harness;
using json = nlohmann::json;

enum exit_code : int { pass = 0, violation = 1, bad_input = 2, internal_error = 3 };

/// Edit distance, for "did you mean".
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

/// An option whose value is one of the names in `names_of<E>`; the parser, the help (each name
/// with its meaning) and the error ("did you mean") all come from the same table.
template <class E>
CLI::Option* add_enum_option(CLI::App& app, const std::string& flag, E& target,
                             const std::string& what) {
  std::string help = what + ":";
  for (const auto& n : names_of<E>::values)
    help += "\n  " + std::string(n.name) + ": " + std::string(n.help);
  CLI::Validator one_of(
      [](std::string& value) -> std::string {
        if (parse_name<E>(value)) return {};
        std::string best;
        std::size_t best_distance = 3;
        for (const auto& n : names_of<E>::values) {
          if (std::size_t d = distance(value, n.name); d < best_distance) {
            best = n.name;
            best_distance = d;
          }
        }
        return "'" + value + "' is not one of " + all_names<E>() +
               (best.empty() ? "" : "; did you mean '" + best + "'?");
      },
      all_names<E>(), "");
  return app
      .add_option_function<std::string>(
          flag, [&target](const std::string& value) { target = *parse_name<E>(value); }, help)
      ->check(one_of)
      ->default_str(std::string(name_of(target)));
}

void add_workload_options(CLI::App& app, workload& w) {
  add_enum_option(app, "--queue", w.kind, "queue kind");
  app.add_option("--maxsize", w.maxsize, "queue capacity; <= 0 is unbounded")
      ->capture_default_str();
  app.add_option("--producers", w.producers, "producer tasks")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--items", w.items, "items each producer puts")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  add_enum_option(app, "--put", w.put, "how producers put");
  app.add_option("--consumers", w.consumers, "consumer tasks")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  add_enum_option(app, "--policy", w.policy, "how consumers acknowledge (task_done)");
  app.add_option("--work-steps", w.work_steps, "suspension points while processing an item")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--restart", w.restarts,
                 "a supervisor restarts each crashed consumer up to N times")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--joiners", w.joiners, "tasks that call join()")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  add_enum_option(app, "--join-when", w.join_when, "when joiners call join()");
  app.add_option("--crash-budget", w.faults.crashes, "crashes the schedule may inject")
      ->capture_default_str();
  app.add_option("--cancel-budget", w.faults.cancels,
                 "cancellations of waiting tasks the schedule may inject")
      ->capture_default_str();
  add_enum_option(app, "--shutdown", w.faults.shutdown, "shutdowns the schedule may inject");
  app.add_option("--fault-odds", w.faults.odds,
                 "each fault opportunity strikes with probability 1/N")
      ->capture_default_str()
      ->check(CLI::Range(2U, 1U << 30U));
  app.add_option("--step-budget", w.step_budget, "steps before a run is judged a livelock")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40U));
}

json verdict_json(const verdict& v) {
  return {{"signature", v.signature()},
          {"oracle", std::string(name_of(v.oracle))},
          {"kind", v.kind},
          {"message", v.message},
          {"marked_steps", v.marked_steps}};
}

const char* end_name(run_end e) {
  switch (e) {
    case run_end::complete:
      return "complete";
    case run_end::quiescent:
      return "quiescent";
    case run_end::violation:
      return "violation";
    case run_end::step_budget:
      return "step-budget";
  }
  return "?";
}

/// Shrinks a failure, then prints the minimal run: verdict, trace, sizes and tokens.
json report_failure(const workload& w, const run_report& failure, double shrink_seconds,
                    bool as_json) {
  auto const deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(shrink_seconds));
  shrink_result const minimal =
      shrink(w, failure.decisions, failure.violation->signature(),
             {.out_of_time = [deadline] { return std::chrono::steady_clock::now() > deadline; }});
  const run_report& r = minimal.report;
  std::string const token = encode_token(minimal.work, minimal.decisions);
  std::string const original_token = encode_token(w, trim_record(failure.decisions));
  const verdict& v = *r.violation;
  if (as_json) {
    json out = verdict_json(v);
    out["token"] = token;
    out["original_token"] = original_token;
    out["steps"] = r.steps;
    out["shrink"] = {{"original_decisions", minimal.original_size},
                     {"minimal_decisions", minimal.minimal_size},
                     {"runs", minimal.runs},
                     {"stopped_early", minimal.stopped_early},
                     {"preemptions", minimal.preemptions},
                     {"drawn_faults", minimal.drawn_faults}};
    out["trace"] = json::parse(r.trace->to_json());
    return out;
  }
  std::cout << "VIOLATION " << v.signature() << "\n  " << v.message << "\n\n"
            << "minimal trace: " << r.steps << " steps, " << minimal.minimal_size
            << " decisions (shrunk from " << minimal.original_size << " in " << minimal.runs
            << " runs" << (minimal.stopped_early ? ", stopped early: smaller may exist" : "")
            << "), " << minimal.preemptions << " preemption(s), " << minimal.drawn_faults
            << " drawn fault(s); '>' marks the steps that matter:\n"
            << r.trace->to_text() << "\n"
            << "token (minimal):  " << token << "\n"
            << "token (original): " << original_token << "\n"
            << "reproduce: chaosq replay " << token << "\n";
  return {};
}

int explore_command(const workload& w, std::uint64_t schedules, std::uint64_t seed, bool keep_going,
                    double shrink_seconds, bool as_json) {
  if (auto problems = validate(w); !problems.empty()) {
    for (const auto& p : problems) std::cerr << "chaosq explore: " << p << "\n";
    std::cout << "SUMMARY: bad input: " << problems.front() << "\n";
    return bad_input;
  }
  auto const start = std::chrono::steady_clock::now();
  explore_result result =
      explore(w, {.schedules = schedules, .seed = seed, .keep_going = keep_going});
  double const seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const explore_stats& s = result.stats;
  double const rate = seconds > 0 ? static_cast<double>(s.schedules) / seconds : 0.0;
  double const mean =
      s.schedules ? static_cast<double>(s.total_steps) / static_cast<double>(s.schedules) : 0.0;

  std::string summary;
  if (result.first_failure) {
    summary = "violation " + result.first_failure->violation->signature() + " at schedule " +
              std::to_string(result.first_failure_schedule) + " (" + std::to_string(s.schedules) +
              " schedules, seed " + std::to_string(seed) + ")";
  } else {
    summary = "no violation in " + std::to_string(s.schedules) + " schedules (seed " +
              std::to_string(seed) + ")";
  }

  if (as_json) {
    json out{{"command", "explore"},
             {"workload", describe(w)},
             {"seed", seed},
             {"strategy", "random"},
             {"stats",
              {{"schedules", s.schedules},
               {"violations", s.violations},
               {"seconds", seconds},
               {"schedules_per_second", rate},
               {"steps", {{"min", s.min_steps}, {"mean", mean}, {"max", s.max_steps}}},
               {"signatures", s.signatures}}}};
    if (result.first_failure) {
      out["first_failure"] = report_failure(w, *result.first_failure, shrink_seconds, true);
      out["first_failure"]["schedule"] = result.first_failure_schedule;
    }
    std::cout << out.dump(2) << "\n";
    std::cerr << "SUMMARY: " << summary << "\n";
  } else {
    std::cout << "explore " << describe(w) << "\n"
              << "strategy random, seed " << seed << ", up to " << schedules << " schedules\n\n";
    if (result.first_failure) report_failure(w, *result.first_failure, shrink_seconds, false);
    std::printf(
        "\nstatistics: %llu schedules in %.3f s (%.0f schedules/s), %zu distinct "
        "signature(s), steps min/mean/max %llu/%.1f/%llu\n",
        static_cast<unsigned long long>(s.schedules), seconds, rate, s.signatures.size(),
        static_cast<unsigned long long>(s.min_steps), mean,
        static_cast<unsigned long long>(s.max_steps));
    for (const auto& [signature, count] : s.signatures)
      std::cout << "  " << signature << ": " << count << " schedule(s)\n";
    std::cout << "SUMMARY: " << summary << "\n";
  }
  return result.first_failure ? violation : pass;
}

int replay_command(const std::string& token, bool as_json) {
  auto decoded = decode_token(token);
  if (auto* error = std::get_if<token_error>(&decoded)) {
    std::cerr << "chaosq replay: invalid token at character " << error->offset << ": "
              << error->message << "\n";
    std::cout << "SUMMARY: bad input: invalid token: " << error->message << "\n";
    return bad_input;
  }
  const auto& [w, decisions] = std::get<decoded_token>(decoded);
  run_report r = replay(w, decisions, {.trace = true});
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

int run_cli(int argc, char** argv) {
  CLI::App app{
      "chaosq: deterministic chaos testing for work queues whose join() waits for every item "
      "to be acknowledged (asyncio.Queue semantics).\n"
      "Exit codes: 0 no violation, 1 violation found, 2 bad input or usage, 3 internal error."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "chaosq 0.1.0");

  workload w;
  std::uint64_t schedules = 10'000;
  std::uint64_t seed = 1;
  bool keep_going = false;
  bool as_json = false;
  CLI::App* explore_cmd = app.add_subcommand(
      "explore",
      "Run many schedules of a workload (random walk) and report the first violation, "
      "with its trace and a replay token.");
  add_workload_options(*explore_cmd, w);
  explore_cmd->add_option("--schedules", schedules, "schedules to run")->capture_default_str();
  explore_cmd->add_option("--seed", seed, "seed of the exploration")->capture_default_str();
  explore_cmd->add_flag("--keep-going", keep_going, "run every schedule and count all verdicts");
  double shrink_seconds = 10;
  explore_cmd->add_option("--shrink-time", shrink_seconds, "seconds shrinking may take at most")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  explore_cmd->add_flag("--json", as_json,
                        "print JSON on stdout (the SUMMARY line goes to stderr)");

  std::string token;
  bool replay_json = false;
  CLI::App* replay_cmd = app.add_subcommand(
      "replay", "Replay a token printed by explore: the full trace and the verdict.");
  replay_cmd->add_option("token", token, "the replay token (cq1-...)")->required();
  replay_cmd->add_flag("--json", replay_json,
                       "print JSON on stdout (the SUMMARY line goes to stderr)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int const rc = app.exit(e);
    if (rc == 0) return pass;  // --help, --version
    std::cout << "SUMMARY: bad usage: " << e.what() << "\n";
    return bad_input;
  }
  if (*explore_cmd) return explore_command(w, schedules, seed, keep_going, shrink_seconds, as_json);
  return replay_command(token, replay_json);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "chaosq: internal error: " << e.what() << "\n";
    std::cout << "SUMMARY: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "chaosq: internal error: unknown exception\n";
    std::cout << "SUMMARY: internal error: unknown exception\n";
  }
  return internal_error;
}

#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/zoo.hpp"

#include "common.hpp"

namespace chaosq::cli {
namespace {

using namespace harness;

struct explore_args {
  workload w;
  std::uint64_t schedules = 10'000;
  std::uint64_t seed = 1;
  bool keep_going = false;
  double shrink_seconds = 10;
  bool as_json = false;
  strategy_kind strategy = strategy_kind::random;
  std::uint32_t depth = strategy_options{}.depth;
  std::uint32_t preemptions = strategy_options{}.preemptions;
  std::uint32_t max_faults = strategy_options{}.max_faults;
  planted_bug bug = planted_bug::none;
  std::string save_scenario;  ///< --save-scenario: write the first failure as a YAML scenario
};

/// What the strategy can promise after this exploration.
std::string strategy_line(const explore_args& args, const explore_stats& s) {
  char line[256];
  switch (args.strategy) {
    case strategy_kind::pct:
      std::snprintf(line, sizeof line,
                    "pct: depth %u, n=%u tasks, k=%u steps: a depth-%u bug is missed with "
                    "probability <= %.3g after %llu schedules",
                    args.depth, s.max_tasks, s.max_schedule_steps, args.depth,
                    pct_miss_bound(s.max_tasks, s.max_schedule_steps, args.depth, s.schedules),
                    static_cast<unsigned long long>(s.schedules));
      return line;
    case strategy_kind::dfs:
      if (s.exhausted) {
        std::snprintf(
            line, sizeof line, "verified: all %llu schedules up to %u preemptions and %u faults",
            static_cast<unsigned long long>(s.schedules), args.preemptions,
            std::min(args.max_faults, args.w.faults.crashes + args.w.faults.cancels +
                                          (args.w.faults.shutdown != shutdown_allowance::none)));
      } else {
        std::snprintf(line, sizeof line,
                      "dfs: %llu schedules up to %u preemptions, space not exhausted (raise "
                      "--schedules to verify)",
                      static_cast<unsigned long long>(s.schedules), args.preemptions);
      }
      return line;
    default:
      return "strategy " + std::string(name_of(args.strategy));
  }
}

int explore_command(const explore_args& given, const command_env& env) {
  explore_args args = given;
  workload& w = args.w;
  std::uint64_t const schedules = args.schedules;
  std::uint64_t const seed = args.seed;
  bool const keep_going = args.keep_going;
  double const shrink_seconds = args.shrink_seconds;
  bool const as_json = args.as_json;
  if (auto problems = validate(w); !problems.empty()) {
    for (const auto& p : problems) std::cerr << env.name << " explore: " << p << "\n";
    std::cout << "SUMMARY: bad input: " << problems.front() << "\n";
    return bad_input;
  }
  if (args.bug != planted_bug::none) {  // --queue-bug B is --queue-impl planted/B
    std::string const planted = "planted/" + std::string(name_of(args.bug));
    if (!w.queue_impl.empty() && w.queue_impl.name() != planted) {
      std::cerr << env.name << " explore: --queue-bug " << name_of(args.bug)
                << " contradicts --queue-impl " << w.queue_impl.text << "; keep one of them\n";
      std::cout << "SUMMARY: bad usage: --queue-bug with --queue-impl\n";
      return bad_input;
    }
    if (w.queue_impl.empty()) w.queue_impl.text = planted;
  }
  if (!resolve_code(env, "explore", w)) return bad_input;
  auto const start = std::chrono::steady_clock::now();
  explore_options options{.schedules = schedules,
                          .seed = seed,
                          .keep_going = keep_going,
                          .strategy = args.strategy,
                          .depth = args.depth,
                          .preemptions = args.preemptions,
                          .max_faults = args.max_faults};
  options.run = env.registry.bind(w, options.run);
  // A violation of a queue under test counts only where the reference queue passes.
  options.against_reference = env.registry.reference_check_of(w);
  explore_result result = explore(w, options);
  double const seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const explore_stats& s = result.stats;
  double const rate = seconds > 0 ? static_cast<double>(s.schedules) / seconds : 0.0;
  double const mean =
      s.schedules ? static_cast<double>(s.total_steps) / static_cast<double>(s.schedules) : 0.0;

  std::optional<failure> found;
  if (result.first_failure)
    found = make_failure(w, result.first_failure->decisions,
                         result.first_failure->violation->signature(),
                         {.run = options.run,
                          .against_reference = options.against_reference,
                          .out_of_time = deadline_after(shrink_seconds),
                          .command = env.name});
  std::string summary;
  if (result.first_failure) {
    summary = "violation " + result.first_failure->violation->signature() + " at schedule " +
              std::to_string(result.first_failure_schedule) + " (" + std::to_string(s.schedules) +
              " schedules, seed " + std::to_string(seed) + ")";
  } else {
    summary = "no violation in " + std::to_string(s.schedules) + " schedules (seed " +
              std::to_string(seed) + ")";
  }

  bool saved = true;
  auto save_scenario = [&] {  // --save-scenario, after the report and before the SUMMARY line
    if (args.save_scenario.empty() || !found) return;
    std::string const origin = "Found by " + env.name + " explore (strategy " +
                               std::string(name_of(args.strategy)) + ", seed " +
                               std::to_string(seed) + ", schedule " +
                               std::to_string(result.first_failure_schedule) + "), shrunk to " +
                               std::to_string(found->minimal_size) + " decisions.";
    saved = save_pinned_scenario(args.save_scenario, origin, found->work, found->decisions,
                                 found->report);
    if (saved) {
      std::cout << std::flush;
      std::cerr << env.name << " explore: scenario saved to " << args.save_scenario << " ("
                << env.name << " run " << args.save_scenario << " replays it)\n";
    } else {
      summary += "; the scenario could not be saved";
    }
  };

  if (as_json) {
    json out{{"command", "explore"},
             {"workload", describe(w)},
             {"seed", seed},
             {"strategy", name_of(args.strategy)},
             {"stats",
              {{"schedules", s.schedules},
               {"violations", s.violations},
               {"seconds", seconds},
               {"schedules_per_second", rate},
               {"steps", {{"min", s.min_steps}, {"mean", mean}, {"max", s.max_steps}}},
               {"signatures", s.signatures}}}};
    if (found) {
      out["first_failure"] = json::parse(failure_json(*found));
      out["first_failure"]["schedule"] = result.first_failure_schedule;
    }
    save_scenario();
    std::cout << out.dump(2) << "\n";
    std::cerr << "SUMMARY: " << summary << "\n";
  } else {
    std::cout << "explore " << describe(w) << "\n"
              << "strategy " << name_of(args.strategy) << ", seed " << seed << ", up to "
              << schedules << " schedules\n\n";
    if (found) std::cout << failure_text(*found);
    save_scenario();
    std::printf(
        "\nstatistics: %llu schedules in %.3f s (%.0f schedules/s), %zu distinct "
        "signature(s), steps min/mean/max %llu/%.1f/%llu\n",
        static_cast<unsigned long long>(s.schedules), seconds, rate, s.signatures.size(),
        static_cast<unsigned long long>(s.min_steps), mean,
        static_cast<unsigned long long>(s.max_steps));
    for (const auto& [signature, count] : s.signatures)
      std::cout << "  " << signature << ": " << count << " schedule(s)\n";
    std::cout << strategy_line(args, s) << "\n";
    std::cout << "SUMMARY: " << summary << "\n";
  }
  if (!saved) return bad_input;
  return result.first_failure ? violation : pass;
}

}  // namespace

command add_explore_command(CLI::App& app, const command_env& env) {
  auto args = std::make_shared<explore_args>();
  CLI::App* sub = app.add_subcommand(
      "explore",
      "Run many schedules of a workload and report the first violation, shrunk to a "
      "minimal trace, with replay tokens.");
  add_workload_options(*sub, args->w);
  add_integer_option(*sub, "--schedules", args->schedules, 1, 1'000'000'000, "schedules to run");
  add_integer_option(*sub, "--seed", args->seed, 0, std::numeric_limits<std::uint64_t>::max(),
                     "seed of the exploration");
  sub->add_flag("--keep-going", args->keep_going, "run every schedule and count all verdicts");
  add_seconds_option(*sub, "--shrink-time", args->shrink_seconds, 3600,
                     "seconds shrinking may take at most");
  sub->add_flag("--json", args->as_json, "print JSON on stdout (the SUMMARY line goes to stderr)");
  add_enum_option(*sub, "--strategy", args->strategy, "where each schedule's decisions come from");
  add_integer_option(*sub, "--depth", args->depth, 1, k_max_depth,
                     "pct: the bug depth d (d-1 priority change points)");
  add_integer_option(*sub, "--preemptions", args->preemptions, 0, k_max_preemptions,
                     "dfs: deviations from asyncio order allowed per schedule");
  add_integer_option(*sub, "--max-faults", args->max_faults, 0,
                     std::numeric_limits<std::uint32_t>::max(),
                     "dfs: drawn faults allowed per schedule");
  add_enum_option(*sub, "--queue-bug", args->bug,
                  "run a planted-bug variant of the queue, judged against the reference (the same "
                  "as --queue-impl planted/NAME)");
  sub->add_option("--save-scenario", args->save_scenario,
                  "write the first failure, shrunk, as a YAML scenario that pins its decisions "
                  "(chaosq run FILE replays it)")
      ->type_name("FILE");
  return {sub, [args, &env] { return explore_command(*args, env); }};
}

}  // namespace chaosq::cli

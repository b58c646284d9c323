#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>

#include "chaosq/harness/selftest.hpp"

#include "common.hpp"

namespace chaosq::cli {
namespace {

using namespace harness;

struct selftest_args {
  std::uint64_t schedules = 20'000;
  std::uint64_t seed = 1;
  bool as_json = false;
};

int selftest_command(const selftest_args& args) {
  json rows = json::array();
  std::size_t missed_by_pct_or_dfs = 0;
  std::size_t cases = 0;
  if (!args.as_json) {
    std::printf("%-28s %-10s %-7s %10s %9s %9s  %s\n", "target", "strategy", "caught", "schedules",
                "seconds", "minimal", "signature");
  }
  for (const selftest_case& c : selftest_cases()) {
    ++cases;
    for (const auto& entry : names_of<strategy_kind>::values) {
      strategy_kind const kind = entry.value;
      auto const start = std::chrono::steady_clock::now();
      selftest_row const row = run_selftest(c, kind, args.schedules, args.seed);
      double const seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!row.caught && (kind == strategy_kind::pct || kind == strategy_kind::dfs))
        ++missed_by_pct_or_dfs;
      if (args.as_json) {
        rows.push_back({{"target", row.target},
                        {"strategy", std::string(name_of(kind))},
                        {"caught", row.caught},
                        {"schedules", row.schedules},
                        {"seconds", seconds},
                        {"minimal_decisions", row.minimal_decisions},
                        {"minimal_steps", row.minimal_steps},
                        {"signature", row.signature}});
      } else {
        std::printf("%-28s %-10s %-7s %10llu %9.3f %9s  %s\n", row.target.c_str(),
                    std::string(name_of(kind)).c_str(), row.caught ? "yes" : "NO",
                    static_cast<unsigned long long>(row.schedules), seconds,
                    row.caught ? (std::to_string(row.minimal_steps) + " st").c_str() : "-",
                    row.signature.c_str());
      }
    }
  }
  std::string const summary =
      missed_by_pct_or_dfs == 0
          ? "every one of " + std::to_string(cases) +
                " planted bugs and leaky policies caught by pct and dfs"
          : std::to_string(missed_by_pct_or_dfs) + " (bug, strategy) pairs missed by pct or dfs";
  if (args.as_json) {
    std::cout << json{{"command", "selftest"},
                      {"schedules", args.schedules},
                      {"seed", args.seed},
                      {"rows", rows}}
                     .dump(2)
              << "\n";
    std::cerr << "SUMMARY: " << summary << "\n";
  } else {
    std::cout << "SUMMARY: " << summary << "\n";
  }
  return missed_by_pct_or_dfs == 0 ? pass : violation;
}

}  // namespace

command add_selftest_command(CLI::App& app, const command_env& /*env*/) {
  auto args = std::make_shared<selftest_args>();
  CLI::App* sub = app.add_subcommand(
      "selftest",
      "Run every strategy against every planted bug and every leaky policy; print "
      "whether and how fast each is caught, and its minimal trace length. Exit 1 if "
      "pct or dfs misses one.");
  add_integer_option(*sub, "--schedules", args->schedules, 1, 1'000'000'000,
                     "schedule budget per (target, strategy)");
  add_integer_option(*sub, "--seed", args->seed, 0, std::numeric_limits<std::uint64_t>::max(),
                     "seed");
  sub->add_flag("--json", args->as_json, "print JSON on stdout (the SUMMARY line goes to stderr)");
  return {sub, [args] { return selftest_command(*args); }};
}

}  // namespace chaosq::cli

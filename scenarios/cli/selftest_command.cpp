#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>
#include <string_view>

#include "chaosq/harness/explore_space.hpp"
#include "chaosq/harness/selftest.hpp"

#include "common.hpp"
#include "progress.hpp"

namespace chaosq::cli {
namespace {

using namespace harness;

struct selftest_args {
  std::uint64_t schedules = 20'000;
  std::uint64_t seed = 1;
  bool as_json = false;
  progress_mode progress = progress_mode::automatic;
  unsigned jobs = 1;  ///< --jobs: threads that run schedules (every core unless given)
};

/// One line of the text table; `width` fits the longest target of the run.
void print_row(int width, const std::string& target, std::string_view strategy,
               std::string_view caught, const std::string& schedules, const std::string& seconds,
               const std::string& minimal, const std::string& signature) {
  std::printf("%-*s %-10.*s %-7.*s %10s %9s %9s  %s\n", width, target.c_str(),
              static_cast<int>(strategy.size()), strategy.data(), static_cast<int>(caught.size()),
              caught.data(), schedules.c_str(), seconds.c_str(), minimal.c_str(),
              signature.c_str());
}

/// A count and a time as the table prints them.
std::string seconds_text(double seconds) {
  std::array<char, 32> out{};
  std::snprintf(out.data(), out.size(), "%.3f", seconds);
  return out.data();
}

/// The row name of registered queue `q` explored over generated workloads: `space:bug:NAME`
/// for the zoo's planted bugs, `queue:NAME` for a team's own queue.
std::string space_target(const registered_queue& q) {
  constexpr std::string_view planted = "planted/";
  if (q.name.starts_with(planted)) return "space:bug:" + q.name.substr(planted.size());
  return "queue:" + q.name;
}

/// The schedules of a row over generated workloads (at most; --schedules if fewer), and per
/// workload: 20 workloads of 50 schedules.
constexpr std::uint64_t k_space_schedules = 1'000;
constexpr std::uint64_t k_per_workload = 50;

/// Whether `q` gets rows over generated workloads: every queue but the reference itself plugged
/// in as a user's (`planted/none`), which nothing is judged against.
bool has_space_row(const registered_queue& q) { return q.name != "planted/none"; }

/// Every registered queue (the zoo's planted bugs and a team's own), each explored over
/// generated workloads (`explore --space`: the default space, 20 workloads of 50 schedules,
/// fewer if --schedules is below 1,000) with every strategy, judged against the reference:
/// schedules to the first catch across workloads. The zoo's rows say how a space of workloads
/// finds what the hand-made workloads above were built to show; a team's rows say what chaosq
/// finds in its code. None decides the exit status, which is about the hand-made workloads.
/// Each row counts in `done` and on the `progress` line (with the `missed` rows so far).
void space_rows(const selftest_args& args, const command_env& env, int width, json& rows,
                progress_line& progress, std::uint64_t& done, std::uint64_t missed) {
  for (const registered_queue& q : env.registry.queues()) {
    if (!has_space_row(q)) continue;
    workload_space space;
    space.base.queue_impl.text = q.version.empty() ? q.name : q.name + "@" + q.version;
    for (const auto& entry : names_of<strategy_kind>::values) {
      std::uint64_t const budget = std::min(args.schedules, k_space_schedules);
      auto const start = std::chrono::steady_clock::now();
      explore_space_options options{
          .workloads = std::max<std::uint64_t>(1, budget / k_per_workload),
          .schedules = std::min(budget, k_per_workload),
          .seed = args.seed,
          .strategy = entry.value,
          .shrink_runs = 2'000,
          .command = env.name,
          .jobs = args.jobs};
      options.run = env.registry.bind(space.base, options.run);
      options.against_reference = env.registry.reference_check_of(space.base);
      explore_space_result const r = explore_space(space, options);
      double const seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::string const target = space_target(q);
      const std::optional<failure>& f = r.first_failure;
      progress.clear();
      if (args.as_json) {
        rows.push_back({{"target", target},
                        {"strategy", std::string(entry.name)},
                        {"caught", f.has_value()},
                        {"schedules", r.stats.schedules},
                        {"seconds", seconds},
                        {"minimal_steps", f ? f->report.steps : 0},
                        {"signature", f ? f->signature : ""},
                        {"token", f ? f->token : ""}});
      } else {
        print_row(width, target, entry.name, f ? "yes" : "no", std::to_string(r.stats.schedules),
                  seconds_text(seconds), f ? std::to_string(f->report.steps) + " st" : "-",
                  f ? f->signature + "  " + f->reproduce_command() : "");
      }
      progress.update(++done, missed);
    }
  }
}

int selftest_command(const selftest_args& args, const command_env& env) {
  json rows = json::array();
  std::uint64_t missed_by_pct_or_dfs = 0;
  std::size_t cases = 0;
  std::uint64_t const targets =
      selftest_cases().size() +
      static_cast<std::uint64_t>(
          std::count_if(env.registry.queues().begin(), env.registry.queues().end(), has_space_row));
  progress_line progress(args.progress, "selftest",
                         targets * names_of<strategy_kind>::values.size(), "rows", "missed");
  std::uint64_t done = 0;
  // The target column fits the longest name: the zoo's and the team's own queues.
  std::size_t longest = 28;
  for (const selftest_case& c : selftest_cases()) longest = std::max(longest, c.name.size());
  for (const registered_queue& q : env.registry.queues())
    if (has_space_row(q)) longest = std::max(longest, space_target(q).size());
  int const width = static_cast<int>(longest);
  if (!args.as_json) {
    print_row(width, "target", "strategy", "caught", "schedules", "seconds", "minimal",
              "signature");
  }
  for (const selftest_case& c : selftest_cases()) {
    ++cases;
    for (const auto& entry : names_of<strategy_kind>::values) {
      strategy_kind const kind = entry.value;
      auto const start = std::chrono::steady_clock::now();
      selftest_row const row = run_selftest(c, kind, args.schedules, args.seed, 2'000, args.jobs);
      double const seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!row.caught &&
          (kind == strategy_kind::pct || (kind == strategy_kind::dfs && c.within_dfs_bound)))
        ++missed_by_pct_or_dfs;
      progress.clear();
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
        print_row(width, row.target, name_of(kind), row.caught ? "yes" : "NO",
                  std::to_string(row.schedules), seconds_text(seconds),
                  row.caught ? std::to_string(row.minimal_steps) + " st" : "-", row.signature);
      }
      progress.update(++done, missed_by_pct_or_dfs);
    }
  }
  space_rows(args, env, width, rows, progress, done, missed_by_pct_or_dfs);
  progress.clear();
  std::string const summary =
      missed_by_pct_or_dfs == 0
          ? "every one of " + std::to_string(cases) +
                " planted bugs and leaky policies caught by pct and dfs (within its bound)"
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

command add_selftest_command(CLI::App& app, const command_env& env) {
  auto args = std::make_shared<selftest_args>();
  CLI::App* sub = app.add_subcommand(
      "selftest",
      "Run every strategy against every planted bug and leaky policy; exit 1 if pct misses one, "
      "or dfs one within its preemption bound.\n"
      "Each row says whether and how fast it is caught, and its minimal trace length. Then each "
      "registered queue (space:bug:NAME for the zoo's, queue:NAME for a command's own, "
      "chaosq::cli::run) over generated workloads (explore --space: 20 workloads of 50 "
      "schedules), per strategy, judged against the reference: schedules to the first "
      "catch across workloads (these rows do not change the exit status).");
  add_integer_option(*sub, "--schedules", args->schedules, 1, 1'000'000'000,
                     "schedule budget per (target, strategy)");
  add_integer_option(*sub, "--seed", args->seed, 0, std::numeric_limits<std::uint64_t>::max(),
                     "seed");
  sub->add_flag("--json", args->as_json, "print JSON on stdout (the SUMMARY line goes to stderr)");
  add_progress_option(*sub, args->progress);
  add_jobs_option(*sub, args->jobs);
  return {sub, [args, &env] { return selftest_command(*args, env); }};
}

}  // namespace chaosq::cli

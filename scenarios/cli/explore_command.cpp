#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>
#include <type_traits>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/explore_space.hpp"
#include "chaosq/harness/zoo.hpp"

#include "common.hpp"
#include "progress.hpp"

namespace chaosq::cli {
namespace {

using namespace harness;

// ---- SIGINT / SIGTERM while exploring ----
// The exploration stops at the next schedule (and shrinking at its next candidate) and prints
// what it found so far: statistics, the failure if one was found, the SUMMARY. A second signal
// ends the process at once.

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) {
  g_signal = sig;
  std::signal(sig, SIG_DFL);
}

/// Catches SIGINT and SIGTERM for its lifetime.
class interrupt_scope {
 public:
  interrupt_scope()
      : old_int_(std::signal(SIGINT, on_signal)), old_term_(std::signal(SIGTERM, on_signal)) {
    g_signal = 0;
  }
  interrupt_scope(const interrupt_scope&) = delete;
  interrupt_scope& operator=(const interrupt_scope&) = delete;
  ~interrupt_scope() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }
  [[nodiscard]] static bool interrupted() noexcept { return g_signal != 0; }
  /// "SIGINT" or "SIGTERM".
  [[nodiscard]] static std::string name() { return g_signal == SIGTERM ? "SIGTERM" : "SIGINT"; }
  /// The exit status of an interrupted exploration that found nothing: 128 + the signal.
  [[nodiscard]] static int status() noexcept { return 128 + static_cast<int>(g_signal); }

 private:
  void (*old_int_)(int);
  void (*old_term_)(int);
};

/// --save-scenario: writes `f`, shrunk, as a YAML scenario to `path`, saying on stderr where it
/// went; `how` names the search that found it ("explore (strategy pct, seed 1, schedule 3)").
bool save_found_scenario(const std::string& path, const command_env& env, const failure& f,
                         const std::string& how) {
  std::string const origin = "Found by " + env.name + " " + how + ", shrunk to " +
                             std::to_string(f.minimal_size) + " decisions.";
  if (!save_pinned_scenario(path, origin, f.work, f.decisions, f.report)) return false;
  std::cout << std::flush;
  std::cerr << env.name << " explore: scenario saved to " << path << " (" << env.name << " run "
            << path << " replays it)\n";
  return true;
}

/// Explore's crash budget unless --crash-budget says otherwise: a bare `chaosq explore` exercises
/// faults. The field table's default, 0, stays the YAML scenarios' own: a scenario that names no
/// faults never crashes.
constexpr std::uint32_t k_explore_crash_budget = 1;

/// The progress line reads the clock once every this many schedules (a run takes microseconds).
constexpr std::uint64_t k_progress_stride = 64;

struct explore_args {
  workload w = [] {
    workload defaults;
    defaults.faults.crashes = k_explore_crash_budget;
    return defaults;
  }();
  std::uint64_t schedules = 10'000;
  std::uint64_t seed = 1;
  bool keep_going = false;
  bool keep_workload = false;  ///< --keep-workload: shrink the record only
  double shrink_seconds = 10;
  bool as_json = false;
  strategy_kind strategy = strategy_kind::random;
  std::uint32_t depth = strategy_options{}.depth;
  std::uint32_t preemptions = strategy_options{}.preemptions;
  std::uint32_t max_faults = strategy_options{}.max_faults;
  planted_bug bug = planted_bug::none;
  std::string save_scenario;      ///< --save-scenario: write the first failure as a YAML scenario
  bool space = false;             ///< --space: draw the workloads from `bounds`
  std::uint64_t workloads = 100;  ///< --workloads: how many to draw
  workload_space bounds;          ///< --max-*: the space's bounds
  progress_mode progress = progress_mode::automatic;
  unsigned jobs = 1;  ///< --jobs: threads that run schedules (every core unless given)
};

/// The space's drawn fields: each bounded by `--max-FIELD`, named after the field table's flag,
/// with the table's range (from 1 for the counts drawn 1..max).
struct space_bound {
  field_id field;
  std::uint32_t workload_space::*max;
  std::uint64_t lo;
};

constexpr std::array<space_bound, 9> k_space_bounds{{
    {field_id::maxsize, &workload_space::max_maxsize, 0},
    {field_id::producers, &workload_space::max_producers, 1},
    {field_id::items, &workload_space::max_items, 1},
    {field_id::consumers, &workload_space::max_consumers, 1},
    {field_id::work_steps, &workload_space::max_work_steps, 0},
    {field_id::restarts, &workload_space::max_restarts, 0},
    {field_id::joiners, &workload_space::max_joiners, 1},
    {field_id::crash_budget, &workload_space::max_crashes, 0},
    {field_id::cancel_budget, &workload_space::max_cancels, 0},
}};

/// "--max-items" for "--items".
std::string max_flag(field_id id) { return "--max-" + std::string(info(id).name()); }

/// The largest bound a draw of 0..max can take (max + 1 alternatives must fit 32 bits).
std::uint64_t bound_hi(field_id id) {
  return std::min<std::uint64_t>(info(id).hi, std::numeric_limits<std::uint32_t>::max() - 1);
}

/// Whether the command line gave the workload flag of `id` (with --space: --queue, --policy,
/// --put, --shutdown and --step-budget fix their field; a drawn field's flag is refused).
bool given(const CLI::App& app, field_id id) { return app.count(std::string(info(id).flag)) > 0; }

/// "queue=fifo|lifo|priority maxsize<=3 producers<=2 ..." : what --space draws from.
std::string describe_space(const workload_space& s) {
  auto names = [](const auto& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : "|") + std::string(name_of(v));
    return out;
  };
  std::string out = "queue=" + names(s.kinds);
  for (const space_bound& b : k_space_bounds)
    out += " " + std::string(info(b.field).name()) + "<=" + std::to_string(s.*b.max);
  out += " policy=" + names(s.policies);
  out +=
      " put=" + (s.nowait_puts ? std::string("blocking|nowait") : std::string(name_of(s.base.put)));
  out += " shutdown=" +
         (s.shutdown ? std::string("drawn") : std::string(name_of(s.base.faults.shutdown)));
  out += " step-budget=" + std::to_string(s.step_budget);
  if (!s.base.queue_impl.empty()) out += " queue-impl=" + s.base.queue_impl.text;
  if (!s.base.behaviour.empty()) out += " consumer=" + s.base.behaviour.text;
  return out;
}

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

int explore_space_command(const explore_args& args, workload_space space, const CLI::App& app,
                          const command_env& env);

int explore_command(const explore_args& given_args, const CLI::App& app, const command_env& env) {
  explore_args args = given_args;
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
  if (args.space) return explore_space_command(args, args.bounds, app, env);
  for (const space_bound& b : k_space_bounds) {
    if (app.count(max_flag(b.field)) > 0) {
      std::cerr << env.name << " explore: " << max_flag(b.field)
                << " bounds a space of workloads; add --space to explore one\n";
      std::cout << "SUMMARY: bad usage: " << max_flag(b.field) << " needs --space\n";
      return bad_input;
    }
  }
  if (app.count("--workloads") > 0) {
    std::cerr << env.name << " explore: --workloads counts workloads drawn with --space\n";
    std::cout << "SUMMARY: bad usage: --workloads needs --space\n";
    return bad_input;
  }
  auto const start = std::chrono::steady_clock::now();
  explore_options options{.schedules = schedules,
                          .seed = seed,
                          .keep_going = keep_going,
                          .strategy = args.strategy,
                          .depth = args.depth,
                          .preemptions = args.preemptions,
                          .max_faults = args.max_faults,
                          .jobs = args.jobs};
  options.run = env.registry.bind(w, options.run);
  // A violation of a queue under test counts only where the reference queue passes.
  options.against_reference = env.registry.reference_check_of(w);
  interrupt_scope const interrupt;
  options.on_schedule = [](std::uint64_t, const run_report&) {
    return !interrupt_scope::interrupted();
  };
  progress_line progress(args.progress, "explore", schedules, "schedules", "violations",
                         k_progress_stride);
  options.on_progress = [&progress](std::uint64_t done, std::uint64_t violations) {
    progress.update(done, violations);
  };
  explore_result result = explore(w, options);
  progress.clear();
  double const seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const explore_stats& s = result.stats;
  double const rate = seconds > 0 ? static_cast<double>(s.schedules) / seconds : 0.0;
  double const mean =
      s.schedules ? static_cast<double>(s.total_steps) / static_cast<double>(s.schedules) : 0.0;

  std::optional<failure> found;
  if (result.first_failure)
    found = make_failure(
        w, result.first_failure->decisions, result.first_failure->violation->signature(),
        {.run = options.run,
         .against_reference = options.against_reference,
         // the workload too: 20 items and 4 consumers read as 1 and 1
         .shrink = args.keep_workload ? shrinking::record : shrinking::record_and_workload,
         .out_of_time =
             [deadline = deadline_after(shrink_seconds)] {
               return interrupt_scope::interrupted() || deadline();
             },
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
  if (interrupt_scope::interrupted())
    summary = "interrupted by " + interrupt_scope::name() + " after " +
              std::to_string(s.schedules) + " schedules: " + summary;

  bool saved = true;
  auto save_scenario = [&] {  // --save-scenario, after the report and before the SUMMARY line
    if (args.save_scenario.empty() || !found) return;
    saved = save_found_scenario(args.save_scenario, env, *found,
                                "explore (strategy " + std::string(name_of(args.strategy)) +
                                    ", seed " + std::to_string(seed) + ", schedule " +
                                    std::to_string(result.first_failure_schedule) + ")");
    if (!saved) summary += "; the scenario could not be saved";
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
               {"jobs", args.jobs},
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
              << schedules << " schedules\n";
    if (!given(app, field_id::crash_budget))
      std::cout << "crash-budget=" << k_explore_crash_budget
                << " is explore's default (--crash-budget 0 for none)\n";
    if (found) std::cout << "\n" << failure_text(*found);
    save_scenario();
    std::printf(
        "\nstatistics: %llu schedules in %.3f s on %s (%s schedules/s), %zu distinct "
        "signature(s), steps min/mean/max %llu/%.1f/%llu\n",
        static_cast<unsigned long long>(s.schedules), seconds, threads_text(args.jobs).c_str(),
        rate_text(rate).c_str(), s.signatures.size(), static_cast<unsigned long long>(s.min_steps),
        mean, static_cast<unsigned long long>(s.max_steps));
    for (const auto& [signature, count] : s.signatures)
      std::cout << "  " << signature << ": " << count << " schedule(s)\n";
    std::cout << strategy_line(args, s) << "\n";
    std::cout << "SUMMARY: " << summary << "\n";
  }
  if (!saved) return bad_input;
  if (result.first_failure) return violation;
  return interrupt_scope::interrupted() ? interrupt_scope::status() : pass;
}

/// `chaosq explore --space`: workloads drawn from `space` (its bounds from --max-*, its fixed
/// fields from the workload flags in `args.w`), each explored as `chaosq explore` explores one.
int explore_space_command(const explore_args& args, workload_space space, const CLI::App& app,
                          const command_env& env) {
  const workload& w = args.w;
  auto refuse = [&env](const std::string& problem) {
    std::cerr << env.name << " explore: " << problem << "\n";
    std::cout << "SUMMARY: bad usage: " << problem << "\n";
    return bad_input;
  };
  // What --space draws is not also fixed by a workload flag: say which flag bounds it instead.
  for (const space_bound& b : k_space_bounds)
    if (given(app, b.field))
      return refuse(std::string(info(b.field).flag) + " is drawn with --space; bound it with " +
                    max_flag(b.field) + " " + std::to_string(b.lo) + ".." +
                    std::to_string(bound_hi(b.field)));
  if (given(app, field_id::join_when))
    return refuse("--join-when is drawn with --space (at-start or after-producers)");
  space.base = w;
  if (given(app, field_id::queue)) space.kinds = {w.kind};
  if (given(app, field_id::policy)) space.policies = {w.policy};
  if (given(app, field_id::put)) space.nowait_puts = false;
  if (given(app, field_id::shutdown)) space.shutdown = false;
  if (given(app, field_id::step_budget)) space.step_budget = w.step_budget;
  // The largest workload of the space must be one chaosq runs (producers x items, ...).
  workload largest = space.base;
  for (const space_bound& b : k_space_bounds)
    visit_field(largest, b.field, [&](auto& member) {
      if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(member)>>)
        member = static_cast<std::remove_cvref_t<decltype(member)>>(space.*b.max);
    });
  if (auto problems = validate(largest); !problems.empty())
    return refuse("the space's largest workload is invalid: " + problems.front() +
                  " (lower the --max-* bounds)");

  std::uint64_t const schedules = app.count("--schedules") > 0 ? args.schedules : 100;
  explore_space_options options{.workloads = args.workloads,
                                .schedules = schedules,
                                .seed = args.seed,
                                .keep_going = args.keep_going,
                                .strategy = args.strategy,
                                .depth = args.depth,
                                .preemptions = args.preemptions,
                                .max_faults = args.max_faults,
                                .out_of_time =
                                    [deadline = deadline_after(args.shrink_seconds)] {
                                      return interrupt_scope::interrupted() || deadline();
                                    },
                                .stop = [] { return interrupt_scope::interrupted(); },
                                .command = env.name,
                                .jobs = args.jobs};
  options.run = env.registry.bind(w, options.run);
  options.against_reference = env.registry.reference_check_of(w);
  progress_line progress(args.progress, "explore", args.workloads * schedules, "schedules",
                         "violations", k_progress_stride);
  options.on_progress = [&progress](std::uint64_t done, std::uint64_t violations) {
    progress.update(done, violations);
  };
  auto const start = std::chrono::steady_clock::now();
  interrupt_scope const interrupt;
  explore_space_result const result = explore_space(space, options);
  progress.clear();
  double const seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const explore_space_stats& s = result.stats;
  double const rate = seconds > 0 ? static_cast<double>(s.schedules) / seconds : 0.0;
  double const mean =
      s.schedules ? static_cast<double>(s.total_steps) / static_cast<double>(s.schedules) : 0.0;
  const std::optional<failure>& found = result.first_failure;

  std::string const where = found
                                ? "workload " + std::to_string(result.first_failure_workload) +
                                      ", schedule " + std::to_string(result.first_failure_schedule)
                                : std::string();
  std::string summary =
      found
          ? "violation " + found->signature + " at " + where + " (" + std::to_string(s.workloads) +
                " workloads, " + std::to_string(s.schedules) + " schedules, seed " +
                std::to_string(args.seed) + ")"
          : "no violation in " + std::to_string(s.workloads) + " workloads, " +
                std::to_string(s.schedules) + " schedules (seed " + std::to_string(args.seed) + ")";
  if (interrupt_scope::interrupted())
    summary = "interrupted by " + interrupt_scope::name() + " after " +
              std::to_string(s.schedules) + " schedules: " + summary;
  bool saved = true;
  auto save_scenario = [&] {
    if (args.save_scenario.empty() || !found) return;
    saved = save_found_scenario(args.save_scenario, env, *found,
                                "explore --space (strategy " + std::string(name_of(args.strategy)) +
                                    ", seed " + std::to_string(args.seed) + ", " + where + ")");
    if (!saved) summary += "; the scenario could not be saved";
  };

  if (args.as_json) {
    json out{{"command", "explore"},
             {"space", describe_space(space)},
             {"seed", args.seed},
             {"strategy", name_of(args.strategy)},
             {"stats",
              {{"workloads", s.workloads},
               {"failing_workloads", s.failing_workloads},
               {"exhausted_workloads", s.exhausted_workloads},
               {"schedules", s.schedules},
               {"violations", s.violations},
               {"seconds", seconds},
               {"schedules_per_second", rate},
               {"jobs", args.jobs},
               {"steps", {{"min", s.min_steps}, {"mean", mean}, {"max", s.max_steps}}},
               {"signatures", s.signatures}}}};
    if (found) {
      out["first_failure"] = json::parse(failure_json(*found));
      out["first_failure"]["found_on_workload"] = describe(found->original_work);
      out["first_failure"]["workload_index"] = result.first_failure_workload;
      out["first_failure"]["schedule"] = result.first_failure_schedule;
    }
    save_scenario();
    std::cout << out.dump(2) << "\n";
    std::cerr << "SUMMARY: " << summary << "\n";
  } else {
    std::cout << "explore space " << describe_space(space) << "\n"
              << "strategy " << name_of(args.strategy) << ", seed " << args.seed << ", up to "
              << args.workloads << " workloads x " << schedules << " schedules\n";
    if (found) {
      std::cout << "\nfound on (" << where << "): " << describe(found->original_work) << "\n"
                << "shrunk to:  " << describe(found->work) << "\n\n"
                << failure_text(*found);
    }
    save_scenario();
    std::printf(
        "\nstatistics: %llu workloads (%llu failing), %llu schedules in %.3f s on %s (%s "
        "schedules/s), %zu distinct signature(s), steps min/mean/max %llu/%.1f/%llu\n",
        static_cast<unsigned long long>(s.workloads),
        static_cast<unsigned long long>(s.failing_workloads),
        static_cast<unsigned long long>(s.schedules), seconds, threads_text(args.jobs).c_str(),
        rate_text(rate).c_str(), s.signatures.size(), static_cast<unsigned long long>(s.min_steps),
        mean, static_cast<unsigned long long>(s.max_steps));
    for (const auto& [signature, count] : s.signatures)
      std::cout << "  " << signature << ": " << count << " schedule(s)\n";
    if (args.strategy == strategy_kind::dfs)
      std::cout << "dfs: " << s.exhausted_workloads << " of " << s.workloads
                << " workloads verified (all schedules up to " << args.preemptions
                << " preemptions)\n";
    std::cout << "SUMMARY: " << summary << "\n";
  }
  if (!saved) return bad_input;
  if (found) return violation;
  return interrupt_scope::interrupted() ? interrupt_scope::status() : pass;
}

}  // namespace

command add_explore_command(CLI::App& app, const command_env& env) {
  auto args = std::make_shared<explore_args>();
  CLI::App* sub = app.add_subcommand(
      "explore",
      "Run many schedules of a workload and report the first violation, shrunk, with replay "
      "tokens.\n"
      "By default a schedule may draw " +
          std::to_string(k_explore_crash_budget) +
          " crash (--crash-budget 0 for none), where a YAML scenario draws none.");
  add_workload_options(*sub, args->w);
  add_integer_option(*sub, "--schedules", args->schedules, 1, 1'000'000'000,
                     "schedules to run (with --space: per workload, default 100)");
  add_integer_option(*sub, "--seed", args->seed, 0, std::numeric_limits<std::uint64_t>::max(),
                     "seed of the exploration");
  sub->add_flag("--keep-going", args->keep_going, "run every schedule and count all verdicts");
  sub->add_flag("--keep-workload", args->keep_workload,
                "shrink the failure's decisions only, not its workload (items, tasks, budgets)");
  add_seconds_option(*sub, "--shrink-time", args->shrink_seconds, 3600,
                     "how long shrinking may take");
  sub->add_flag("--json", args->as_json, "print JSON on stdout (the SUMMARY line goes to stderr)");
  add_enum_option(*sub, "--strategy", args->strategy, "where each schedule's decisions come from");
  add_integer_option(*sub, "--depth", args->depth, 1, k_max_depth,
                     "pct: the bug depth d (d-1 priority change points)");
  add_integer_option(*sub, "--preemptions", args->preemptions, 0, k_max_preemptions,
                     "dfs: deviations from asyncio order per schedule");
  add_integer_option(*sub, "--max-faults", args->max_faults, 0,
                     std::numeric_limits<std::uint32_t>::max(), "dfs: drawn faults per schedule");
  add_enum_option(*sub, "--queue-bug", args->bug,
                  "run a planted-bug queue, judged against the reference (--queue-impl "
                  "planted/NAME)");
  sub->add_option("--save-scenario", args->save_scenario,
                  "write the first failure, shrunk, as a YAML scenario (run FILE replays it)")
      ->option_text("FILE");
  sub->add_flag("--space", args->space,
                "explore --workloads workloads drawn within the --max-* bounds\n"
                "each for --schedules (default 100 with --space); --queue, --policy, --put,\n"
                "--shutdown and --step-budget, if given, fix that field in every workload;\n"
                "--queue-impl, --queue-bug and --consumer name the code under test in each");
  add_integer_option(*sub, "--workloads", args->workloads, 1, 1'000'000'000,
                     "--space: workloads to draw");
  for (const space_bound& b : k_space_bounds)
    add_integer_option(*sub, max_flag(b.field), args->bounds.*b.max, b.lo, bound_hi(b.field),
                       "--space: the largest " + std::string(info(b.field).name()) + " drawn");
  add_progress_option(*sub, args->progress);
  add_jobs_option(*sub, args->jobs);
  return {sub, [args, sub, &env] { return explore_command(*args, *sub, env); }};
}

}  // namespace chaosq::cli

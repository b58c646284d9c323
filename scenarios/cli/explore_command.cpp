#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <type_traits>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/explore_space.hpp"
#include "chaosq/harness/token.hpp"
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
  shard_spec shard;   ///< --shard K/N: the part of the exploration to run
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
  out += " step-budget=" +
         (s.step_budget != 0 ? std::to_string(s.step_budget) : std::string("10x-work"));
  if (!s.base.queue_impl.empty()) out += " queue-impl=" + s.base.queue_impl.text;
  if (!s.base.behaviour.empty()) out += " consumer=" + s.base.behaviour.text;
  return out;
}

/// What DFS verified, as the --json report and `chaosq merge` carry it.
json covered_json(const search_coverage& c) {
  return json{{"faults", c.faults},
              {"preemptions", c.preemptions},
              {"all_faults", c.all_faults},
              {"all_preemptions", c.all_preemptions},
              {"schedules", c.schedules}};
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
    case strategy_kind::dfs: {
      auto const count = [](std::uint64_t n) { return std::to_string(n); };
      std::uint32_t const budget = args.w.faults.crashes + args.w.faults.cancels +
                                   (args.w.faults.shutdown != shutdown_allowance::none ? 1U : 0U);
      // Why the search stopped short of its bounds.
      std::string const stopped = s.violations > 0 && !args.keep_going
                                      ? "stopped at the first failure"
                                      : "raise --schedules to verify";
      if (!s.covered) {
        return "dfs: " + count(s.schedules) + " schedules up to " +
               std::to_string(args.preemptions) + " preemptions, no fault level finished (" +
               stopped + ")";
      }
      const search_coverage& c = *s.covered;
      std::uint32_t const faults = c.all_faults ? std::min(args.max_faults, budget) : c.faults;
      std::string const space = count(c.schedules) + " schedules up to " +
                                std::to_string(c.preemptions) + " preemptions and " +
                                std::to_string(faults) + " drawn fault(s)";
      std::string const ran = count(s.schedules) + " run in all, by levels of faults";
      if (s.exhausted) return "verified: all " + space + " (" + ran + ")";
      return "dfs: verified all " + space + "; " + std::to_string(faults + 1) +
             " fault(s) not finished (" + ran + "; " + stopped + ")";
    }
    default:
      return "strategy " + std::string(name_of(args.strategy));
  }
}

int explore_space_command(const explore_args& args, workload_space space, const CLI::App& app,
                          const command_env& env);

/// The most shards --shard splits an exploration into.
constexpr std::uint64_t k_max_shards = 100'000;

/// Why `text` is not a --shard value K/N (1 <= K <= N <= k_max_shards); empty when it is, and
/// then `out` is shard K-1 of N.
std::string shard_problem(const std::string& text, shard_spec& out) {
  std::string const expected =
      "expected K/N, shard K of N with 1 <= K <= N <= " + with_commas(k_max_shards) + ", got '" +
      text + "'";
  std::size_t const slash = text.find('/');
  if (slash == std::string::npos) return expected;
  std::uint64_t k = 0;
  std::uint64_t n = 0;
  if (!decimal_problem(text.substr(0, slash), 1, k_max_shards, k).empty() ||
      !decimal_problem(text.substr(slash + 1), 1, k_max_shards, n).empty() || k > n)
    return expected;
  out = {static_cast<std::uint32_t>(k - 1), static_cast<std::uint32_t>(n)};
  return {};
}

/// --shard K/N: run only shard K of N of the exploration (merge adds the shards' --json up).
CLI::Option* add_shard_option(CLI::App& app, shard_spec& shard) {
  CLI::Validator valid(
      [](std::string& text) -> std::string {
        shard_spec ignored;
        return shard_problem(text, ignored);
      },
      "K/N", "");
  return app
      .add_option_function<std::string>(
          "--shard", [&shard](const std::string& text) { (void)shard_problem(text, shard); },
          option_line("run shard K of N of the exploration (every N-th unit of " +
                          with_commas(k_shard_unit) +
                          " schedules); with --json, merge adds the shards up to the report "
                          "one machine prints; random and pct split",
                      "K/N with 1 <= K <= N <= " + with_commas(k_max_shards), "1/1: all of it"))
      ->check(valid)
      ->option_text("K/N");
}

/// An exploration as explore reports it: run by this process, or by shards that merge adds up.
struct exploration {
  explore_result result;
  double seconds = 0;
  std::string ran_on;  ///< "2 threads", "4 shards": what the statistics line says ran it
  bool crash_budget_given = false;  ///< --crash-budget was given (else: explore's default)
  shard_spec shard;                 ///< the part this report covers ({0, 1}: all of it)
};

/// "shard 2 of 4", counting from 1 as --shard does.
std::string shard_text(shard_spec s) {
  return "shard " + std::to_string(s.index + 1) + " of " + std::to_string(s.count);
}

/// What merge reads of a shard besides its statistics: which shard, and its statistics at the
/// end of each of its units: [unit, schedules, min steps, max steps, total steps, max tasks,
/// max schedule steps] (no violation before a shard's first).
json shard_json(shard_spec s, const explore_result& r) {
  json ends = json::array();
  for (const unit_end& u : r.unit_ends)
    ends.push_back({u.unit, u.stats.schedules, u.stats.min_steps, u.stats.max_steps,
                    u.stats.total_steps, u.stats.max_tasks, u.stats.max_schedule_steps});
  return {{"index", s.index + 1}, {"count", s.count}, {"unit", k_shard_unit}, {"unit_ends", ends}};
}

/// Prints the report of `e`: the failure found, shrunk (`options` is how its runs ran), the
/// statistics, and the SUMMARY, as text or JSON; returns explore's exit status.
int report_exploration(const explore_args& args, const exploration& e,
                       const explore_options& options, const command_env& env) {
  const explore_result& result = e.result;
  const explore_stats& s = result.stats;
  double const seconds = e.seconds;
  const workload& w = args.w;
  std::uint64_t const seed = args.seed;
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
             [deadline = deadline_after(args.shrink_seconds)] {
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
  if (e.shard.count > 1) summary += ", " + shard_text(e.shard);
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

  if (args.as_json) {
    json out{
        {"command", "explore"},
        {"workload", describe(w)},
        {"workload_token", encode_token(w, {})},
        {"seed", seed},
        {"strategy", name_of(args.strategy)},
        {"depth", args.depth},
        {"preemptions", args.preemptions},
        {"max_faults", args.max_faults},
        {"schedules", args.schedules},
        {"keep_going", args.keep_going},
        {"keep_workload", args.keep_workload},
        {"crash_budget_given", e.crash_budget_given},
        {"interrupted", interrupt_scope::interrupted()},
        {"stats",
         {{"schedules", s.schedules},
          {"violations", s.violations},
          {"seconds", seconds},
          {"schedules_per_second", rate},
          {"ran_on", e.ran_on},
          {"steps",
           {{"min", s.min_steps}, {"mean", mean}, {"max", s.max_steps}, {"total", s.total_steps}}},
          {"max_tasks", s.max_tasks},
          {"max_schedule_steps", s.max_schedule_steps},
          {"exhausted", s.exhausted},
          {"signatures", s.signatures}}}};
    if (s.covered) out["stats"]["covered"] = covered_json(*s.covered);
    if (e.shard.count > 1) out["shard"] = shard_json(e.shard, result);
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
              << args.schedules << " schedules"
              << (e.shard.count > 1 ? ", " + shard_text(e.shard) : std::string()) << "\n";
    if (!e.crash_budget_given)
      std::cout << "crash-budget=" << k_explore_crash_budget
                << " is explore's default (--crash-budget 0 for none)\n";
    if (found) std::cout << "\n" << failure_text(*found);
    save_scenario();
    std::printf(
        "\nstatistics: %llu schedules in %.3f s on %s (%s schedules/s), %zu distinct "
        "signature(s), steps min/mean/max %llu/%.1f/%llu\n",
        static_cast<unsigned long long>(s.schedules), seconds, e.ran_on.c_str(),
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

int explore_command(const explore_args& given_args, const CLI::App& app, const command_env& env) {
  explore_args args = given_args;
  workload& w = args.w;
  std::uint64_t const schedules = args.schedules;
  std::uint64_t const seed = args.seed;
  bool const keep_going = args.keep_going;
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
  if (!resolve_code(env, "explore", w, args.as_json)) return bad_input;
  // A Python program runs on its interpreter's one thread, whatever --jobs says.
  if (w.mode == run_mode::python) args.jobs = 1;
  if (args.space && w.mode == run_mode::python) {
    std::cerr << env.name << " explore: --space generates chaosq's own workloads; a Python "
              << "program makes its own tasks and queue\n";
    std::cout << "SUMMARY: bad usage: --space with a Python program\n";
    return bad_input;
  }
  if (args.space && args.shard.count > 1) {
    std::cerr << env.name << " explore: --shard splits one workload's schedules; with --space, "
              << "split the space by --seed instead\n";
    std::cout << "SUMMARY: bad usage: --shard with --space\n";
    return bad_input;
  }
  if (args.space) {
    // Over many workloads, a handful of schedules each: every strategy takes its turn.
    if (app.count("--strategy") == 0) args.strategy = strategy_kind::portfolio;
    return explore_space_command(args, args.bounds, app, env);
  }
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
  if (args.shard.count > 1 && !make_strategy(args.strategy, {})->splits()) {
    std::string const problem = "--shard: strategy " + std::string(name_of(args.strategy)) +
                                " cannot be split (each schedule depends on the runs before "
                                "it); random and pct can";
    std::cerr << env.name << " explore: " << problem << "\n";
    std::cout << "SUMMARY: bad usage: " << problem << "\n";
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
                          .jobs = args.jobs,
                          .shard = args.shard};
  options.run = env.registry.bind(w, options.run);
  // A violation of a queue under test counts only where the reference queue passes.
  options.against_reference = env.registry.reference_check_of(w);
  interrupt_scope const interrupt;
  options.on_schedule = [](std::uint64_t, const run_report&) {
    return !interrupt_scope::interrupted();
  };
  progress_line progress(args.progress, "explore", owned_schedules(args.shard, schedules),
                         "schedules", "violations", k_progress_stride);
  options.on_progress = [&progress](std::uint64_t done, std::uint64_t violations) {
    progress.update(done, violations);
  };
  exploration e{.result = explore(w, options),
                .ran_on = threads_text(args.jobs),
                .crash_budget_given = given(app, field_id::crash_budget),
                .shard = args.shard};
  progress.clear();
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report_exploration(args, e, options, env);
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
  // Threads cannot be cancelled: the space draws no cancellation unless asked (and refused).
  if (w.mode == run_mode::threads && app.count(max_flag(field_id::cancel_budget)) == 0)
    space.max_cancels = 0;
  // A thread pool fits a narrower space: what a flag fixed stays (and is judged below).
  if (const registered_queue* q =
          w.queue_impl.empty() ? nullptr : env.registry.find_queue(w.queue_impl.name());
      q != nullptr && q->make_pool) {
    space = pool_space(std::move(space), [&app](field_id f) {
      bool const bounded = std::any_of(k_space_bounds.begin(), k_space_bounds.end(),
                                       [f](const space_bound& b) { return b.field == f; });
      return given(app, f) || (bounded && app.count(max_flag(f)) > 0);
    });
  }
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
  if (std::string problem = env.registry.problem(largest); !problem.empty())
    return refuse("the space's largest workload does not fit: " + problem);

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
               {"ran_on", threads_text(args.jobs)},
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

// ---- chaosq merge: the shards of one exploration, added up ----

struct merge_args {
  std::vector<std::string> files;
  bool as_json = false;
  double shrink_seconds = 10;
  std::string save_scenario;
};

/// What every shard of one exploration has the same: the workload and the options but the shard.
constexpr std::array k_same_in_every_shard{
    "workload_token", "seed",      "strategy",   "depth",         "preemptions",
    "max_faults",     "schedules", "keep_going", "keep_workload", "crash_budget_given"};

/// A shard's statistics as its --json output carries them.
explore_stats stats_of(const json& j) {
  explore_stats s;
  s.schedules = j.at("schedules").get<std::uint64_t>();
  s.violations = j.at("violations").get<std::uint64_t>();
  s.min_steps = j.at("steps").at("min").get<std::uint64_t>();
  s.max_steps = j.at("steps").at("max").get<std::uint64_t>();
  s.total_steps = j.at("steps").at("total").get<std::uint64_t>();
  s.max_tasks = j.at("max_tasks").get<std::uint32_t>();
  s.max_schedule_steps = j.at("max_schedule_steps").get<std::uint32_t>();
  s.exhausted = j.at("exhausted").get<bool>();
  s.signatures = j.at("signatures").get<std::map<std::string, std::uint64_t>>();
  if (j.contains("covered")) {
    const json& c = j.at("covered");
    s.covered = search_coverage{.faults = c.at("faults").get<std::uint32_t>(),
                                .preemptions = c.at("preemptions").get<std::uint32_t>(),
                                .all_faults = c.at("all_faults").get<bool>(),
                                .all_preemptions = c.at("all_preemptions").get<bool>(),
                                .schedules = c.at("schedules").get<std::uint64_t>()};
  }
  return s;
}

int merge_command(const merge_args& m, const command_env& env) {
  auto refuse = [&](const std::string& problem) {
    return report_bad_input(env, "merge", m.as_json, problem);
  };
  std::vector<json> docs;
  for (const std::string& path : m.files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return refuse("cannot read " + path);
    std::string const text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    try {
      docs.push_back(json::parse(text));
    } catch (const json::parse_error& e) {
      return refuse(path + ": not JSON: " + e.what());
    }
    const json& d = docs.back();
    if (!d.is_object() || d.value("command", "") != "explore" || !d.contains("shard"))
      return refuse(path + ": not what `explore --shard K/N --json` prints");
  }
  std::map<std::uint32_t, std::size_t> first_of_index;  // shard index -> 1 + its file
  std::uint32_t count = 0;
  try {
    for (std::size_t f = 0; f < docs.size(); ++f) {
      const json& d = docs[f];
      for (const char* key : k_same_in_every_shard) {
        if (d.at(key) != docs.front().at(key))
          return refuse(m.files[f] + ": " + key + " is " + d.at(key).dump() + " where " +
                        m.files.front() + " has " + docs.front().at(key).dump() +
                        ": shards of different explorations");
      }
      auto const index = d.at("shard").at("index").get<std::uint32_t>();
      count = d.at("shard").at("count").get<std::uint32_t>();
      if (count != docs.front().at("shard").at("count").get<std::uint32_t>())
        return refuse(m.files[f] + ": shard of " + std::to_string(count) + " where " +
                      m.files.front() + " is a shard of " +
                      docs.front().at("shard").at("count").dump());
      if (index < 1 || index > count || count > k_max_shards)
        return refuse(m.files[f] + ": shard " + std::to_string(index) + " of " +
                      std::to_string(count) + " does not exist");
      if (first_of_index.contains(index))
        return refuse(m.files[first_of_index[index] - 1] + " and " + m.files[f] +
                      " are both shard " + std::to_string(index) + " of " + std::to_string(count));
      first_of_index[index] = f + 1;
      if (d.at("interrupted").get<bool>())
        return refuse(m.files[f] + ": shard " + std::to_string(index) + " of " +
                      std::to_string(count) + " was interrupted; run it again");
    }
    for (std::uint32_t index = 1; index <= count; ++index)
      if (!first_of_index.contains(index))
        return refuse("shard " + std::to_string(index) + " of " + std::to_string(count) +
                      " is missing (merge takes every shard's --json output once)");
  } catch (const json::exception& e) {
    return refuse("a shard's JSON is incomplete: " + std::string(e.what()));
  }

  const json& head = docs.front();
  auto decoded = decode_token(head.at("workload_token").get<std::string>());
  if (auto* error = std::get_if<token_error>(&decoded))
    return refuse(m.files.front() + ": workload_token: " + error->message);
  explore_args args;
  args.w = std::get<decoded_token>(decoded).work;
  if (!resolve_code(env, "merge", args.w, m.as_json)) return bad_input;
  args.seed = head.at("seed").get<std::uint64_t>();
  auto const strategy = parse_name<strategy_kind>(head.at("strategy").get<std::string>());
  if (!strategy) return refuse(m.files.front() + ": no strategy " + head.at("strategy").dump());
  args.strategy = *strategy;
  args.depth = head.at("depth").get<std::uint32_t>();
  args.preemptions = head.at("preemptions").get<std::uint32_t>();
  args.max_faults = head.at("max_faults").get<std::uint32_t>();
  args.schedules = head.at("schedules").get<std::uint64_t>();
  args.keep_going = head.at("keep_going").get<bool>();
  args.keep_workload = head.at("keep_workload").get<bool>();
  args.as_json = m.as_json;
  args.shrink_seconds = m.shrink_seconds;
  args.save_scenario = m.save_scenario;
  explore_options options{.keep_going = args.keep_going};
  options.run = env.registry.bind(args.w, options.run);
  options.against_reference = env.registry.reference_check_of(args.w);
  run_options keep_opts = options.run;
  keep_opts.trace = false;

  // Each shard's result, in shard order, its failure replayed from its token.
  std::vector<explore_result> parts(count);
  double seconds = 0;
  for (std::uint32_t index = 1; index <= count; ++index) {
    const std::string& path = m.files[first_of_index.at(index) - 1];
    const json& d = docs[first_of_index.at(index) - 1];
    explore_result& part = parts[index - 1];
    try {
      part.stats = stats_of(d.at("stats"));
      seconds += d.at("stats").at("seconds").get<double>();
      for (const json& u : d.at("shard").at("unit_ends")) {
        part.unit_ends.push_back({u.at(0).get<std::uint64_t>(),
                                  {.schedules = u.at(1).get<std::uint64_t>(),
                                   .min_steps = u.at(2).get<std::uint64_t>(),
                                   .max_steps = u.at(3).get<std::uint64_t>(),
                                   .total_steps = u.at(4).get<std::uint64_t>(),
                                   .max_tasks = u.at(5).get<std::uint32_t>(),
                                   .max_schedule_steps = u.at(6).get<std::uint32_t>()}});
      }
      if (!d.contains("first_failure")) continue;
      const json& ff = d.at("first_failure");
      auto found = decode_token(ff.at("original_token").get<std::string>());
      if (auto* error = std::get_if<token_error>(&found))
        return refuse(path + ": first_failure.original_token: " + error->message);
      part.first_failure = replay(args.w, std::get<decoded_token>(found).decisions, keep_opts);
      part.first_failure_schedule = ff.at("schedule").get<std::uint64_t>();
      if (!part.first_failure->violation ||
          part.first_failure->violation->signature() != ff.at("signature").get<std::string>())
        return refuse(path + ": its first failure does not replay to " + ff.at("signature").dump());
    } catch (const json::exception& e) {
      return refuse(path + ": " + e.what());
    }
  }
  interrupt_scope const interrupt;
  exploration const e{.result = merge_shards(parts, args.keep_going),
                      .seconds = seconds,
                      .ran_on = std::to_string(count) + " shards",
                      .crash_budget_given = head.at("crash_budget_given").get<bool>()};
  return report_exploration(args, e, options, env);
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
  add_enum_option(*sub, "--strategy", args->strategy,
                  "where each schedule's decisions come from (with --space: default portfolio)");
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
  add_shard_option(*sub, args->shard);
  return {sub, [args, sub, &env] { return explore_command(*args, *sub, env); }};
}

command add_merge_command(CLI::App& app, const command_env& env) {
  auto args = std::make_shared<merge_args>();
  CLI::App* sub = app.add_subcommand(
      "merge",
      "Add up the shards of one exploration into the report one machine prints for all of it.\n"
      "Each FILE is what `explore ... --shard K/N --json` printed, every K from 1 to N once; "
      "the report is the one `explore ...` without --shard prints (apart from its timing): the "
      "lowest failing schedule, shrunk, and the statistics of every schedule up to it.");
  sub->add_option("files", args->files, "the shards' --json outputs")
      ->required()
      ->check(CLI::ExistingFile)
      ->option_text("FILE...");
  sub->add_flag("--json", args->as_json, "print JSON on stdout (the SUMMARY line goes to stderr)");
  add_seconds_option(*sub, "--shrink-time", args->shrink_seconds, 3600,
                     "how long shrinking the failure may take");
  sub->add_option("--save-scenario", args->save_scenario,
                  "write the first failure, shrunk, as a YAML scenario (run FILE replays it)")
      ->option_text("FILE");
  return {sub, [args, &env] { return merge_command(*args, env); }};
}

}  // namespace chaosq::cli

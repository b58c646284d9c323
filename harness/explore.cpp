#include "chaosq/harness/explore.hpp"

#include <algorithm>
#include <cmath>

#include "chaosq/sim/decision.hpp"

namespace chaosq::harness {

std::uint64_t schedule_seed(std::uint64_t seed, std::uint64_t index) noexcept {
  sim::splitmix64 mix(seed ^ (index * 0xd1b54a32d192ed03ULL));
  return mix.next();
}

double pct_miss_bound(std::uint32_t n, std::uint32_t k, std::uint32_t d, std::uint64_t runs) {
  double const per_run = 1.0 / (std::max(n, 1U) * std::pow(static_cast<double>(std::max(k, 1U)),
                                                           std::max(d, 1U) - 1.0));
  return std::pow(1.0 - per_run, static_cast<double>(runs));
}

explore_result explore(const workload& w, const explore_options& options) {
  explore_result result;
  explore_stats& stats = result.stats;
  // The search runs untraced and without verdict text; the failure it keeps is replayed with
  // the caller's options, text included (a run is a pure function of its decisions).
  run_options run_opts = options.run;
  run_opts.trace = false;
  run_opts.explain = false;
  engine runs;
  run_options keep_opts = options.run;
  keep_opts.trace = false;
  std::unique_ptr<strategy> strat =
      make_strategy(options.strategy, {.seed = options.seed,
                                       .depth = options.depth,
                                       .preemptions = options.preemptions,
                                       .max_faults = options.max_faults});
  for (std::uint64_t i = 0; i < options.schedules; ++i) {
    sim::decision_source* decisions = strat->next();
    if (decisions == nullptr) {
      stats.exhausted = true;
      break;
    }
    const run_report& report = runs.run(w, *decisions, run_opts);
    strat->observe(report);
    stats.max_tasks = std::max(stats.max_tasks, report.tasks);
    stats.max_schedule_steps =
        std::max(stats.max_schedule_steps,
                 static_cast<std::uint32_t>(
                     std::count(report.tags.begin(), report.tags.end(), decision_tag::schedule)));
    stats.min_steps = stats.schedules == 0 ? report.steps : std::min(stats.min_steps, report.steps);
    stats.max_steps = std::max(stats.max_steps, report.steps);
    stats.total_steps += report.steps;
    ++stats.schedules;
    if (options.on_schedule && !options.on_schedule(i, report)) break;
    bool const counted = report.violation &&
                         blames_code_under_test(w, report.decisions, report.violation->signature(),
                                                run_opts, options.against_reference);
    bool stop = false;
    if (counted) {
      ++stats.violations;
      ++stats.signatures[report.violation->signature()];
      if (!result.first_failure) {
        result.first_failure = replay(w, report.decisions, keep_opts);
        result.first_failure_schedule = i;
        stop = !options.keep_going;
      }
    }
    if (options.on_progress) options.on_progress(stats.schedules, stats.violations);
    if (stop) break;
  }
  if (strat->exhausted()) stats.exhausted = true;
  return result;
}

}  // namespace chaosq::harness

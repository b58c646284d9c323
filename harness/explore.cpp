#include "chaosq/harness/explore.hpp"

#include <algorithm>

#include "chaosq/sim/decision.hpp"

namespace chaosq::harness {

std::uint64_t schedule_seed(std::uint64_t seed, std::uint64_t index) noexcept {
  sim::splitmix64 mix(seed ^ (index * 0xd1b54a32d192ed03ULL));
  return mix.next();
}

explore_result explore(const workload& w, const explore_options& options) {
  explore_result result;
  explore_stats& stats = result.stats;
  run_options run_opts = options.run;
  run_opts.trace = false;
  for (std::uint64_t i = 0; i < options.schedules; ++i) {
    sim::random_decisions decisions(schedule_seed(options.seed, i));
    run_report report = run(w, decisions, run_opts);
    stats.min_steps = stats.schedules == 0 ? report.steps : std::min(stats.min_steps, report.steps);
    stats.max_steps = std::max(stats.max_steps, report.steps);
    stats.total_steps += report.steps;
    ++stats.schedules;
    if (!report.violation) continue;
    ++stats.violations;
    ++stats.signatures[report.violation->signature()];
    if (!result.first_failure) {
      result.first_failure = std::move(report);
      result.first_failure_schedule = i;
      if (!options.keep_going) break;
    }
  }
  return result;
}

}  // namespace chaosq::harness

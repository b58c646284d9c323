#include "chaosq/harness/explore_space.hpp"

#include <algorithm>

#include "chaosq/sim/decision.hpp"

namespace chaosq::harness {

std::uint64_t workload_seed(std::uint64_t seed, std::uint64_t index) noexcept {
  // Another stream than the schedules' (`schedule_seed`): workload i and its schedules are
  // drawn independently.
  sim::splitmix64 mix(seed ^ 0x9e3779b97f4a7c15ULL ^ (index * 0xbf58476d1ce4e5b9ULL));
  return mix.next();
}

workload draw_workload(const workload_space& space, std::uint64_t seed, std::uint64_t index) {
  sim::random_decisions decisions(workload_seed(seed, index));
  return generate_workload(decisions, space);
}

explore_space_result explore_space(const workload_space& space,
                                   const explore_space_options& options) {
  explore_space_result result;
  explore_space_stats& total = result.stats;
  std::optional<run_report> found;
  workload found_on;
  explore_options per{.schedules = options.schedules,
                      .keep_going = options.keep_going,
                      .strategy = options.strategy,
                      .depth = options.depth,
                      .preemptions = options.preemptions,
                      .max_faults = options.max_faults,
                      .run = options.run,
                      .against_reference = options.against_reference,
                      .jobs = options.jobs};
  if (options.stop) {
    per.on_schedule = [&options](std::uint64_t, const run_report&) { return !options.stop(); };
  }
  if (options.on_progress) {
    per.on_progress = [&options, &total](std::uint64_t schedules, std::uint64_t violations) {
      options.on_progress(total.schedules + schedules, total.violations + violations);
    };
  }
  for (std::uint64_t i = 0; i < options.workloads; ++i) {
    if (options.stop && options.stop()) break;
    workload w = draw_workload(space, options.seed, i);
    per.seed = schedule_seed(options.seed, i);
    explore_result r = explore(w, per);
    const explore_stats& s = r.stats;
    add(total, s);
    ++total.workloads;
    if (s.exhausted) ++total.exhausted_workloads;
    if (s.violations > 0) ++total.failing_workloads;
    total.per_workload.push_back({w, s});
    if (r.first_failure && !found) {
      found = std::move(r.first_failure);
      found_on = std::move(w);
      result.first_failure_workload = i;
      result.first_failure_schedule = r.first_failure_schedule;
      if (!options.keep_going) break;
    }
  }
  if (found) {
    // The workload shrinker, not the generated record: a drawn workload's record would read a
    // strategy's schedule decisions as the workload's, and a shorter record can draw a larger
    // workload; `smaller_workloads` only ever lowers a field.
    result.first_failure = make_failure(found_on, found->decisions, found->violation->signature(),
                                        {.run = options.run,
                                         .against_reference = options.against_reference,
                                         .shrink = shrinking::record_and_workload,
                                         .shrink_runs = options.shrink_runs,
                                         .out_of_time = options.out_of_time,
                                         .command = options.command,
                                         .replay_flags = options.replay_flags,
                                         .no_token_reason = options.no_token_reason});
  }
  return result;
}

}  // namespace chaosq::harness

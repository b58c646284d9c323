#include "reference.hpp"

#include <cassert>
#include <string>
#include <utility>

#include "chaosq/harness/explore.hpp"

namespace chaosq::bench {
harness::workload reference_workload(queue::queue_kind kind, std::uint32_t items,
                                     std::uint32_t consumers, crash_model model,
                                     sim::splitmix64& crashes, harness::run_mode mode) {
  harness::workload w;
  w.mode = mode;
  w.kind = kind;
  w.maxsize = 0;
  w.producers = 1;
  w.items = items;
  w.put = harness::put_mode::blocking;
  w.consumers = consumers;
  w.policy = harness::ack_policy::finally;
  w.work_steps = 1;
  w.restarts = 0;
  w.joiners = 1;
  w.join_when = harness::join_when::after_producers;
  if (model == crash_model::mid_item || model == crash_model::any_point) {
    w.faults.crashes = items;
    w.faults.odds = k_crash_odds;
    if (model == crash_model::mid_item) w.faults.crash_points = {harness::fault_point::mid_item};
  } else {
    for (std::uint32_t id = 0; id < items; ++id) {
      if (crashes.below(k_crash_odds) != 0) continue;
      for (std::uint32_t c = 0; c < consumers; ++c) {
        std::string task = "c";
        task += std::to_string(c);
        w.pinned.push_back({.kind = harness::fault_kind::crash,
                            .task = std::move(task),
                            .point = harness::fault_point::mid_item,
                            .item = static_cast<std::int32_t>(id),
                            .occurrence = 0});
      }
    }
  }
  assert(harness::validate(w).empty());
  return w;
}

std::vector<harness::workload> reference_pool(queue::queue_kind kind, crash_model model,
                                              std::size_t count, std::uint64_t seed,
                                              harness::run_mode mode) {
  assert(count > 0 && (count & (count - 1)) == 0);
  sim::splitmix64 rng(seed);
  std::vector<harness::workload> pool;
  pool.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t const items = 1 + rng.below(k_max_items);
    std::uint32_t const consumers = 1 + rng.below(k_max_consumers);
    pool.push_back(reference_workload(kind, items, consumers, model, rng, mode));
  }
  return pool;
}

void run_tally::add(const harness::run_report& r) noexcept {
  ++schedules;
  steps += r.steps;
  decisions += r.decisions.size();
  if (r.violation) {
    ++violations;
    ++by_oracle[static_cast<std::size_t>(r.violation->oracle())];
  }
}

void run_schedules(const std::vector<harness::workload>& pool, std::uint64_t seed,
                   std::uint64_t first, std::uint64_t count, const harness::run_options& options,
                   run_tally& tally) {
  // As harness::explore runs its search: one engine and one reseeded source for every schedule.
  thread_local harness::engine engine;
  thread_local sim::random_decisions decisions(0);
  std::size_t const mask = pool.size() - 1;
  for (std::uint64_t i = first; i < first + count; ++i) {
    decisions.reseed(harness::schedule_seed(seed, i));
    tally.add(engine.run(pool[i & mask], decisions, options));
  }
}

void run_strategy_schedules(const std::vector<harness::workload>& pool, strategy_walk& state,
                            std::uint64_t count, const harness::run_options& options,
                            run_tally& tally) {
  thread_local harness::engine engine;
  std::size_t const mask = pool.size() - 1;
  for (std::uint64_t done = 0; done < count;) {
    if (!state.strategy || state.explored == state.per_workload) {
      state.strategy =
          harness::make_strategy(state.kind, {.seed = state.seed + state.workload_index});
      ++state.workload_index;
      state.explored = 0;
    }
    sim::decision_source* decisions = state.strategy->next();
    if (decisions == nullptr) {  // the strategy covered this workload: the next one
      state.strategy.reset();
      continue;
    }
    const harness::run_report& r =
        engine.run(pool[(state.workload_index - 1) & mask], *decisions, options);
    state.strategy->observe(r);
    tally.add(r);
    ++state.explored;
    ++done;
  }
}

}  // namespace chaosq::bench

/// \file
/// The random walk: schedule i draws every decision uniformly from a generator seeded with
/// `schedule_seed(seed, i)`; it learns nothing, never runs out, and any number of its schedules
/// may run at once.

#include "strategies.hpp"

namespace chaosq::harness::detail {

std::unique_ptr<strategy> make_random(const strategy_options& options) {
  return std::make_unique<seeded_strategy<sim::random_decisions>>(options.seed);
}

}  // namespace chaosq::harness::detail

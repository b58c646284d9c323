/// \file
/// The random walk: schedule i draws every decision uniformly from a generator seeded with
/// `schedule_seed(seed, i)`; it learns nothing, never runs out, and any number of its schedules
/// may run at once.

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/strategy.hpp"

#include "strategies.hpp"

namespace chaosq::harness::detail {
namespace {

class random_strategy final : public strategy {
 public:
  explicit random_strategy(std::uint64_t seed) : seed_(seed) {}
  sim::decision_source* next() override {
    sim::random_decisions& source = sources_.acquire(0);
    source.reseed(schedule_seed(seed_, index_++));
    return &source;
  }
  void observe(const run_report& /*report*/) override { sources_.release_oldest(); }
  [[nodiscard]] std::uint32_t ready() const override { return k_block; }
  [[nodiscard]] bool learns() const override { return false; }
  [[nodiscard]] bool splits() const override { return true; }

 private:
  std::uint64_t seed_;
  std::uint64_t index_ = 0;
  source_pool<sim::random_decisions> sources_;  // each reseeded for its schedule
};

}  // namespace

std::unique_ptr<strategy> make_random(const strategy_options& options) {
  return std::make_unique<random_strategy>(options.seed);
}

}  // namespace chaosq::harness::detail

/// \file
/// The random walk: schedule i draws every decision uniformly from a generator seeded with
/// `schedule_seed(seed, i)`; it learns nothing and never runs out.

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/strategy.hpp"

#include "strategies.hpp"

namespace chaosq::harness::detail {
namespace {

class random_strategy final : public strategy {
 public:
  explicit random_strategy(std::uint64_t seed) : seed_(seed) {}
  sim::decision_source* next() override {
    source_.reseed(schedule_seed(seed_, index_++));
    return &source_;
  }
  void observe(const run_report& /*report*/) override {}

 private:
  std::uint64_t seed_;
  std::uint64_t index_ = 0;
  sim::random_decisions source_{0};  // reseeded for every schedule
};

}  // namespace

std::unique_ptr<strategy> make_random(const strategy_options& options) {
  return std::make_unique<random_strategy>(options.seed);
}

}  // namespace chaosq::harness::detail

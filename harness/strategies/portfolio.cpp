/// \file
/// The portfolio: its members take turns, one schedule each, in this order: the random walk
/// (seed), PCT with d=2 (seed+1), PCT with d=3 (seed+2), DFS with one preemption (max_faults).
/// Each member observes only its own runs; a member with nothing left (DFS, exhausted) loses
/// its turns. Never runs out (the random walk never does).

#include <cstddef>
#include <vector>

#include "chaosq/harness/strategy.hpp"

#include "strategies.hpp"

namespace chaosq::harness::detail {
namespace {

class portfolio_strategy final : public strategy {
 public:
  explicit portfolio_strategy(const strategy_options& o) {
    members_.push_back(make_strategy(strategy_kind::random, {.seed = o.seed}));
    members_.push_back(make_strategy(strategy_kind::pct, {.seed = o.seed + 1, .depth = 2}));
    members_.push_back(make_strategy(strategy_kind::pct, {.seed = o.seed + 2, .depth = 3}));
    members_.push_back(
        make_strategy(strategy_kind::dfs, {.preemptions = 1, .max_faults = o.max_faults}));
  }
  sim::decision_source* next() override {
    for (std::size_t tries = 0; tries < members_.size(); ++tries) {
      current_ = turn_++ % members_.size();
      if (sim::decision_source* s = members_[current_]->next()) return s;
    }
    return nullptr;  // unreachable while random is a member
  }
  void observe(const run_report& report) override { members_[current_]->observe(report); }

 private:
  std::vector<std::unique_ptr<strategy>> members_;
  std::size_t turn_ = 0;
  std::size_t current_ = 0;
};

}  // namespace

std::unique_ptr<strategy> make_portfolio(const strategy_options& options) {
  return std::make_unique<portfolio_strategy>(options);
}

}  // namespace chaosq::harness::detail

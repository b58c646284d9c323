/// \file
/// The portfolio: its members take turns, one schedule each, in this order: the random walk
/// (seed), PCT with d=2 (seed+1), PCT with d=3 (seed+2), POS (seed+3), SURW (seed+4), DFS with
/// one preemption (max_faults).
/// Each member observes only its own runs; a member with nothing left (DFS, exhausted) loses
/// its turns. It hands out turns until a member would hand out more than its own `ready()`
/// allows (DFS: one at a time). Never runs out (the random walk never does).

#include <algorithm>
#include <cstddef>
#include <deque>
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
    members_.push_back(make_strategy(strategy_kind::pos, {.seed = o.seed + 3}));
    members_.push_back(make_strategy(strategy_kind::surw, {.seed = o.seed + 4}));
    members_.push_back(
        make_strategy(strategy_kind::dfs, {.preemptions = 1, .max_faults = o.max_faults}));
  }
  sim::decision_source* next() override {
    for (std::size_t tries = 0; tries < members_.size(); ++tries) {
      std::size_t const member = turn_++ % members_.size();
      if (sim::decision_source* s = members_[member]->next()) {
        waiting_.push_back(member);
        return s;
      }
    }
    return nullptr;  // unreachable while random is a member
  }
  void observe(const run_report& report) override {
    members_[waiting_.front()]->observe(report);
    waiting_.pop_front();
  }
  [[nodiscard]] std::uint32_t ready() const override {
    // The turns from here, as next() takes them, until one member has no more to give.
    std::vector<std::uint32_t> left;
    for (const auto& m : members_) left.push_back(m->exhausted() ? 0 : m->ready());
    std::uint32_t turns = 0;
    for (std::size_t t = turn_; turns < k_block; ++t) {
      std::size_t const member = t % members_.size();
      if (members_[member]->exhausted()) continue;
      if (left[member] == 0) break;
      --left[member];
      ++turns;
    }
    return turns;
  }

 private:
  std::vector<std::unique_ptr<strategy>> members_;
  std::size_t turn_ = 0;
  std::deque<std::size_t> waiting_;  // the member of each schedule handed out, oldest first
};

}  // namespace

std::unique_ptr<strategy> make_portfolio(const strategy_options& options) {
  return std::make_unique<portfolio_strategy>(options);
}

}  // namespace chaosq::harness::detail

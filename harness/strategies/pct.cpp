/// \file
/// PCT (Burckhardt et al., ASPLOS 2010): every task gets a random priority when first seen;
/// the ready task with the highest priority runs; at d-1 random steps among the first k, the
/// task about to run drops below every initial priority. Other decisions are uniform. k is the
/// most scheduling steps a run has needed, learnt from the first `k_block` schedules in
/// `learning_blocks`, then fixed. Schedule i
/// is seeded with `schedule_seed(seed, i)`. Never runs out.

#include <algorithm>
#include <span>
#include <vector>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/strategy.hpp"

#include "strategies.hpp"

namespace chaosq::harness::detail {
namespace {

using sim::decision_source;

class pct_decisions final : public decision_source {
 public:
  /// Starts schedule `seed` over with bug depth `depth` among the first `k` steps, keeping
  /// the storage of the last.
  void restart(std::uint64_t seed, std::uint32_t depth, std::uint32_t k) {
    clear_record();
    rng_ = sim::splitmix64(seed);
    priorities_.clear();
    change_points_.clear();
    steps_ = 0;
    for (std::uint32_t i = 1; i < depth; ++i)
      change_points_.push_back(1 + rng_.below(std::max(k, 1U)));
  }
  std::uint32_t schedule_steps() const { return steps_; }

 protected:
  std::uint32_t draw(std::uint32_t n, tag /*what*/) override { return rng_.below(n); }

  std::uint32_t draw_schedule(std::span<const std::uint32_t> ready) override {
    ++steps_;
    std::uint32_t best = highest(ready);
    for (std::size_t j = 0; j < change_points_.size(); ++j) {
      if (change_points_[j] == steps_) {
        // Change point j: below every initial priority, later change points lower still.
        priority_of(ready[best]) = change_points_.size() - j;
        best = highest(ready);
      }
    }
    return best;
  }

 private:
  std::uint64_t& priority_of(std::uint32_t task) {
    if (task >= priorities_.size()) priorities_.resize(task + 1, 0);
    // Initial priorities sit above every change-point priority (which are < depth).
    if (priorities_[task] == 0) priorities_[task] = (rng_.next() | (std::uint64_t{1} << 62U));
    return priorities_[task];
  }
  std::uint32_t highest(std::span<const std::uint32_t> ready) {
    std::uint32_t best = 0;
    for (std::uint32_t i = 1; i < ready.size(); ++i)
      if (priority_of(ready[i]) > priority_of(ready[best])) best = i;
    return best;
  }

  sim::splitmix64 rng_{0};
  std::vector<std::uint64_t> priorities_;
  std::vector<std::uint32_t> change_points_;
  std::uint32_t steps_ = 0;
};

class pct_strategy final : public strategy {
 public:
  pct_strategy(std::uint64_t seed, std::uint32_t depth)
      : seed_(seed), depth_(std::max(depth, 1U)) {}
  decision_source* next() override {
    if (learning_blocks::starts_block(index_)) k_ = seen_k_;
    pct_decisions& source = sources_.acquire();
    source.restart(schedule_seed(seed_, index_++), depth_, k_);
    return &source;
  }
  void observe(const run_report& report) override {
    sources_.release_oldest();
    if (!learning_blocks::teaches(observed_++)) return;
    // k: the most scheduling steps a run has needed, over the schedules that teach it.
    auto const steps = static_cast<std::uint32_t>(
        std::count(report.tags.begin(), report.tags.end(), decision_tag::schedule));
    seen_k_ = std::max(seen_k_, steps);
  }
  [[nodiscard]] std::uint32_t ready() const override {
    return learning_blocks::ready(index_, observed_);
  }
  [[nodiscard]] bool learns() const override { return learning_blocks::learns(index_); }
  [[nodiscard]] bool splits() const override { return true; }

 private:
  std::uint64_t seed_;
  std::uint32_t depth_;
  std::uint32_t k_ = 1;       // what this block's schedules use
  std::uint32_t seen_k_ = 1;  // what the runs observed so far have needed
  std::uint64_t index_ = 0;
  std::uint64_t observed_ = 0;
  source_pool<pct_decisions> sources_;
};

}  // namespace

std::unique_ptr<strategy> make_pct(const strategy_options& options) {
  return std::make_unique<pct_strategy>(options.seed, options.depth);
}

}  // namespace chaosq::harness::detail

/// \file
/// SURW, selectively uniform random walk (Zhao et al., ASPLOS 2025): a random walk that picks
/// each ready task with probability proportional to the steps it still has to take, which
/// makes every interleaving of those steps equally likely (a plain random walk favours the
/// interleavings that switch tasks early). "Selectively": only the steps of interest are
/// counted and interleaved uniformly; here those are the contested steps, where two or more
/// tasks are ready, the only ones a schedule decides.
///
/// How many contested steps each task (by spawn order) takes is not known before a run: it is
/// learnt as the most each task took in a run, over the first `k_block` schedules in
/// `learning_blocks`, then fixed. A task's weight is what it is expected to take less what it
/// has taken in this run, at least 1; before anything is learnt every weight is 1, the random
/// walk. Other decisions (faults, values) are uniform. Never runs out; schedule i is seeded
/// with `schedule_seed(seed, i)`.

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/strategy.hpp"

#include "strategies.hpp"

namespace chaosq::harness::detail {
namespace {

using sim::decision_source;

class surw_decisions final : public decision_source {
 public:
  /// Starts schedule `seed` over, weighting tasks by `expected` (contested steps by task id,
  /// which must outlive the run), keeping the storage of the last.
  void restart(std::uint64_t seed, const std::vector<std::uint32_t>& expected) {
    clear_record();
    rng_ = sim::splitmix64(seed);
    expected_ = &expected;
    taken_.clear();
  }
  /// Contested steps each task took in this run, by task id.
  [[nodiscard]] const std::vector<std::uint32_t>& taken() const noexcept { return taken_; }

 protected:
  std::uint32_t draw(std::uint32_t n, tag /*what*/) override { return rng_.below(n); }

  std::uint32_t draw_schedule(std::span<const std::uint32_t> ready) override {
    weights_.clear();
    std::uint32_t total = 0;
    for (std::uint32_t const task : ready) {
      if (task >= taken_.size()) taken_.resize(task + 1, 0);
      std::uint32_t const expected = task < expected_->size() ? (*expected_)[task] : 0;
      std::uint32_t const left = expected > taken_[task] ? expected - taken_[task] : 1;
      weights_.push_back(left);
      total += left;
    }
    std::uint32_t r = rng_.below(total);
    std::uint32_t pick = 0;
    while (r >= weights_[pick]) r -= weights_[pick++];
    ++taken_[ready[pick]];
    return pick;
  }

 private:
  sim::splitmix64 rng_{0};
  const std::vector<std::uint32_t>* expected_ = nullptr;
  std::vector<std::uint32_t> taken_;
  std::vector<std::uint32_t> weights_;  // scratch
};

class surw_strategy final : public strategy {
 public:
  explicit surw_strategy(std::uint64_t seed) : seed_(seed) {}
  decision_source* next() override {
    if (learning_blocks::starts_block(index_)) expected_ = seen_;
    surw_decisions& source = sources_.acquire();
    source.restart(schedule_seed(seed_, index_++), expected_);
    return &source;
  }
  void observe(const run_report& /*report*/) override {
    if (learning_blocks::teaches(observed_++)) {
      const std::vector<std::uint32_t>& taken = sources_.oldest().taken();
      if (seen_.size() < taken.size()) seen_.resize(taken.size(), 0);
      for (std::size_t t = 0; t < taken.size(); ++t) seen_[t] = std::max(seen_[t], taken[t]);
    }
    sources_.release_oldest();
  }
  [[nodiscard]] std::uint32_t ready() const override {
    return learning_blocks::ready(index_, observed_);
  }
  [[nodiscard]] bool learns() const override { return learning_blocks::learns(index_); }
  [[nodiscard]] bool splits() const override { return true; }

 private:
  std::uint64_t seed_;
  std::vector<std::uint32_t> expected_;  // what this block's schedules weight by
  std::vector<std::uint32_t> seen_;      // what the runs observed so far took
  std::uint64_t index_ = 0;
  std::uint64_t observed_ = 0;
  source_pool<surw_decisions> sources_;
};

}  // namespace

std::unique_ptr<strategy> make_surw(const strategy_options& options) {
  return std::make_unique<surw_strategy>(options.seed);
}

}  // namespace chaosq::harness::detail

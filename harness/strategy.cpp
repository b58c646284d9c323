#include "chaosq/harness/strategy.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "chaosq/harness/explore.hpp"

namespace chaosq::harness {
namespace {

using sim::decision_source;

class random_strategy final : public strategy {
 public:
  explicit random_strategy(std::uint64_t seed) : seed_(seed) {}
  decision_source* next() override {
    source_.reseed(schedule_seed(seed_, index_++));
    return &source_;
  }
  void observe(const run_report& /*report*/) override {}

 private:
  std::uint64_t seed_;
  std::uint64_t index_ = 0;
  sim::random_decisions source_{0};  // reseeded for every schedule
};

/// PCT (Burckhardt et al., ASPLOS 2010): every task gets a random priority when first seen;
/// the ready task with the highest priority runs; at d-1 random steps among the first k, the
/// task about to run drops below every initial priority. Other decisions are uniform.
class pct_decisions final : public decision_source {
 public:
  pct_decisions(std::uint64_t seed, std::uint32_t depth, std::uint32_t k) : rng_(seed) {
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

  sim::splitmix64 rng_;
  std::vector<std::uint64_t> priorities_;
  std::vector<std::uint32_t> change_points_;
  std::uint32_t steps_ = 0;
};

class pct_strategy final : public strategy {
 public:
  pct_strategy(std::uint64_t seed, std::uint32_t depth)
      : seed_(seed), depth_(std::max(depth, 1U)) {}
  decision_source* next() override {
    source_.emplace(schedule_seed(seed_, index_++), depth_, k_);
    return &*source_;
  }
  void observe(const run_report& report) override {
    // k: the most scheduling steps a run has needed so far.
    auto const steps = static_cast<std::uint32_t>(
        std::count(report.tags.begin(), report.tags.end(), decision_tag::schedule));
    k_ = std::max(k_, steps);
  }

 private:
  std::uint64_t seed_;
  std::uint32_t depth_;
  std::uint32_t k_ = 1;
  std::uint64_t index_ = 0;
  std::optional<pct_decisions> source_;
};

/// Replays a prefix, then takes the default (0) for every further decision.
class prefix_decisions final : public decision_source {
 public:
  explicit prefix_decisions(const std::vector<std::uint32_t>& prefix) : prefix_(prefix) {}

 protected:
  std::uint32_t draw(std::uint32_t /*n*/, tag /*what*/) override {
    std::size_t const i = next_++;
    return i < prefix_.size() ? prefix_[i] : 0;
  }

 private:
  const std::vector<std::uint32_t>& prefix_;
  std::size_t next_ = 0;
};

/// Depth-first enumeration of the decision tree: each schedule replays a prefix and defaults
/// the rest; the next prefix advances the deepest decision that still has an untried value
/// within the bounds. A fault decision has two values that matter: no strike (0) and strike.
class dfs_strategy final : public strategy {
 public:
  dfs_strategy(std::uint32_t preemptions, std::uint32_t max_faults)
      : preemptions_(preemptions), max_faults_(max_faults) {}
  decision_source* next() override {
    if (exhausted_) return nullptr;
    source_.emplace(prefix_);
    return &*source_;
  }
  void observe(const run_report& r) override {
    for (std::size_t i = r.decisions.size(); i-- > 0;) {
      std::optional<std::uint32_t> const value = next_value(r, i);
      if (!value) continue;
      std::uint32_t preempted = 0;
      std::uint32_t faults = 0;
      for (std::size_t j = 0; j < i; ++j) count(r, j, r.decisions[j], preempted, faults);
      count(r, i, *value, preempted, faults);
      if (preempted > preemptions_ || faults > max_faults_) continue;
      prefix_.assign(r.decisions.begin(), r.decisions.begin() + static_cast<std::ptrdiff_t>(i));
      prefix_.push_back(*value);
      return;
    }
    exhausted_ = true;
  }
  [[nodiscard]] bool exhausted() const override { return exhausted_; }

 private:
  static std::optional<std::uint32_t> next_value(const run_report& r, std::size_t i) {
    std::uint32_t const v = r.decisions[i];
    std::uint32_t const n = r.bounds[i];
    if (r.tags[i] == decision_tag::fault_strike) {
      if (v == 0) return n - 1;
      return std::nullopt;
    }
    if (v + 1 < n) return v + 1;
    return std::nullopt;
  }
  static void count(const run_report& r, std::size_t i, std::uint32_t value,
                    std::uint32_t& preempted, std::uint32_t& faults) {
    if (r.tags[i] == decision_tag::schedule && value != 0) ++preempted;
    if (r.tags[i] == decision_tag::fault_strike && value == r.bounds[i] - 1) ++faults;
  }

  std::uint32_t preemptions_;
  std::uint32_t max_faults_;
  std::vector<std::uint32_t> prefix_;
  bool exhausted_ = false;
  std::optional<prefix_decisions> source_;
};

class portfolio_strategy final : public strategy {
 public:
  explicit portfolio_strategy(const strategy_options& o) {
    members_.push_back(std::make_unique<random_strategy>(o.seed));
    members_.push_back(std::make_unique<pct_strategy>(o.seed + 1, 2));
    members_.push_back(std::make_unique<pct_strategy>(o.seed + 2, 3));
    members_.push_back(std::make_unique<dfs_strategy>(1, o.max_faults));
  }
  decision_source* next() override {
    for (std::size_t tries = 0; tries < members_.size(); ++tries) {
      current_ = turn_++ % members_.size();
      if (decision_source* s = members_[current_]->next()) return s;
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

std::unique_ptr<strategy> make_strategy(strategy_kind kind, const strategy_options& options) {
  switch (kind) {
    case strategy_kind::random:
      return std::make_unique<random_strategy>(options.seed);
    case strategy_kind::pct:
      return std::make_unique<pct_strategy>(options.seed, options.depth);
    case strategy_kind::dfs:
      return std::make_unique<dfs_strategy>(options.preemptions, options.max_faults);
    case strategy_kind::portfolio:
      return std::make_unique<portfolio_strategy>(options);
  }
  return std::make_unique<random_strategy>(options.seed);
}

}  // namespace chaosq::harness

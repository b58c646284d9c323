/// \file
/// Depth-first enumeration of the decision tree: each schedule replays a prefix and defaults
/// the rest (0: asyncio's order, no fault); the next prefix advances the deepest decision that
/// still has an untried value within the bounds. A fault decision has two values that matter:
/// no strike (0) and strike (its last value). The bounds, counted over a whole prefix: at most
/// `preemptions` schedule decisions other than 0, at most `max_faults` strikes. Exhausted when
/// no decision of the last run can advance.

#include <cstddef>
#include <optional>
#include <vector>

#include "chaosq/harness/strategy.hpp"

#include "strategies.hpp"

namespace chaosq::harness::detail {
namespace {

using sim::decision_source;

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

class dfs_strategy final : public strategy {
 public:
  dfs_strategy(std::uint32_t preemptions, std::uint32_t max_faults)
      : preemptions_(preemptions), max_faults_(max_faults) {}
  decision_source* next() override {
    if (exhausted_) return nullptr;
    source_.emplace(prefix_);
    waiting_ = true;
    return &*source_;
  }
  /// Each prefix comes from the run before: one at a time (and, exhausted, one nullptr).
  [[nodiscard]] std::uint32_t ready() const override { return waiting_ ? 0 : 1; }
  void observe(const run_report& r) override {
    waiting_ = false;
    // Preemptions and strikes of each prefix r.decisions[0, i), in one pass: the search below
    // tries the decisions from the last, and a run may take millions of them.
    std::size_t const n = r.decisions.size();
    preempted_before_.assign(n + 1, 0);
    faults_before_.assign(n + 1, 0);
    for (std::size_t j = 0; j < n; ++j) {
      std::uint32_t preempted = preempted_before_[j];
      std::uint32_t faults = faults_before_[j];
      count(r, j, r.decisions[j], preempted, faults);
      preempted_before_[j + 1] = preempted;
      faults_before_[j + 1] = faults;
    }
    for (std::size_t i = n; i-- > 0;) {
      std::optional<std::uint32_t> const value = next_value(r, i);
      if (!value) continue;
      std::uint32_t preempted = preempted_before_[i];
      std::uint32_t faults = faults_before_[i];
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
  std::vector<std::uint32_t> preempted_before_;  // scratch of observe()
  std::vector<std::uint32_t> faults_before_;     // scratch of observe()
  bool exhausted_ = false;
  bool waiting_ = false;  // a schedule handed out is not observed yet
  std::optional<prefix_decisions> source_;
};

}  // namespace

std::unique_ptr<strategy> make_dfs(const strategy_options& options) {
  return std::make_unique<dfs_strategy>(options.preemptions, options.max_faults);
}

}  // namespace chaosq::harness::detail

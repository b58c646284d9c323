/// \file
/// Depth-first enumeration of the decision tree: each schedule replays a prefix and defaults
/// the rest (0: asyncio's order, no fault); the next prefix advances the deepest decision that
/// still has an untried value within the bounds. A fault decision has two values that matter:
/// no strike (0) and strike (its last value). The bounds, counted over a whole prefix: at most
/// `p` schedule decisions other than 0, at most `f` strikes.
///
/// Iterative deepening, faults first, then preemptions: one whole depth-first pass per level
/// (f, p), in the order (0, 0), (0, 1), ... (0, P), (1, 0), ... up to (F, P) = (max_faults,
/// preemptions). Each fault a schedule draws multiplies the tree by the number of places it may
/// strike (a few hundred on a small workload), so a bound that is only reached on the last
/// level would leave the bugs that need no fault, or one, behind millions of schedules that
/// draw two; level by level, they come first, and a search stopped early has still verified
/// every level it finished. A level re-runs the schedules of the levels before it (they are
/// inside its bounds too), a small share since every level is many times the one before. A
/// level that no bound cut short (no decision left untried because of f, or of p) has covered
/// everything the higher ones would: the search is exhausted there.

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
      : max_preemptions_(preemptions), max_faults_(max_faults) {}
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
    ++level_schedules_;
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
      bool const within_preemptions = preempted <= preemptions_;
      bool const within_faults = faults <= faults_;
      cut_by_preemptions_ = cut_by_preemptions_ || !within_preemptions;
      cut_by_faults_ = cut_by_faults_ || !within_faults;
      if (!within_preemptions || !within_faults) continue;
      prefix_.assign(r.decisions.begin(), r.decisions.begin() + static_cast<std::ptrdiff_t>(i));
      prefix_.push_back(*value);
      return;
    }
    finish_level();
  }
  [[nodiscard]] bool exhausted() const override { return exhausted_; }
  [[nodiscard]] std::optional<search_coverage> covered() const override { return covered_; }

 private:
  /// The pass at (faults_, preemptions_) ran its whole tree: record it (when it is at the
  /// preemption bound: the levels below it are stepping stones), go on to the next level, or
  /// stop when no bound cut anything short (or both are at their maximum).
  void finish_level() {
    if (!cut_by_preemptions_ || preemptions_ == max_preemptions_) {
      covered_ = search_coverage{.faults = faults_,
                                 .preemptions = preemptions_,
                                 .all_faults = !cut_by_faults_,
                                 .all_preemptions = !cut_by_preemptions_,
                                 .schedules = level_schedules_};
    }
    if (cut_by_preemptions_ && preemptions_ < max_preemptions_) {
      ++preemptions_;
    } else if (cut_by_faults_ && faults_ < max_faults_) {
      ++faults_;
      preemptions_ = 0;
    } else {
      exhausted_ = true;
      return;
    }
    prefix_.clear();
    level_schedules_ = 0;
    cut_by_faults_ = false;
    cut_by_preemptions_ = false;
  }
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

  std::uint32_t max_preemptions_;
  std::uint32_t max_faults_;
  std::uint32_t preemptions_ = 0;  // this level's bounds
  std::uint32_t faults_ = 0;
  bool cut_by_preemptions_ = false;  // this level left a decision untried because of a bound
  bool cut_by_faults_ = false;
  std::uint64_t level_schedules_ = 0;
  std::optional<search_coverage> covered_;
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

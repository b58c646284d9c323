#pragma once
/// \file
/// Internal: the maker of each strategy in detail/strategies.def, each defined in its own unit
/// (harness/strategies/<id>.cpp) and reached only through `make_strategy`.

#include <bit>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/strategy.hpp"

namespace chaosq::harness::detail {

#define CHAOSQ_STRATEGY(id, name, help) \
  [[nodiscard]] std::unique_ptr<strategy> make_##id(const strategy_options& options);
#include "chaosq/harness/detail/strategies.def"

/// The sources a strategy has handed out and not yet seen observed, oldest first, and spares
/// to reuse: observed one by one, a single source serves every schedule; in blocks, one per
/// schedule of the block.
template <class Source>
class source_pool {
 public:
  /// A source to hand out, made from `make_args` when there is no spare; the caller resets it.
  template <class... Args>
  Source& acquire(Args&&... make_args) {
    if (spare_.empty()) spare_.push_back(std::make_unique<slot>(std::forward<Args>(make_args)...));
    out_.push_back(std::move(spare_.back()));
    spare_.pop_back();
    return out_.back()->source;
  }
  /// The oldest source handed out and not yet observed. Precondition: one is out.
  [[nodiscard]] Source& oldest() { return out_.front()->source; }
  /// The oldest source handed out has been observed: it becomes a spare.
  void release_oldest() {
    if (out_.empty()) return;
    spare_.push_back(std::move(out_.front()));
    out_.pop_front();
  }

 private:
  /// A source on cache lines of its own: sources run on different threads at once, and each
  /// writes its state at every decision.
  struct alignas(64) slot {
    template <class... Args>
    explicit slot(Args&&... args) : source(std::forward<Args>(args)...) {}
    Source source;
  };
  std::deque<std::unique_ptr<slot>> out_;
  std::vector<std::unique_ptr<slot>> spare_;
};

/// A strategy that learns nothing and never runs out: schedule i is a `Source` reseeded with
/// `schedule_seed(seed, i)`, so any number of its schedules may run at once and a shard need
/// not run another's. `Source` is made from a seed and has `reseed(seed)` (the random walk's
/// `sim::random_decisions`, POS's).
template <class Source>
class seeded_strategy final : public strategy {
 public:
  explicit seeded_strategy(std::uint64_t seed) : seed_(seed) {}
  sim::decision_source* next() override {
    Source& source = sources_.acquire(std::uint64_t{0});
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
  source_pool<Source> sources_;
};

/// Learning in blocks, for a strategy that learns from its first `k_block` schedules and then
/// stays fixed (PCT its k, SURW its step counts): schedules 0, 1, 2-3, 4-7, ..., 128-255 form
/// blocks that double, each using what the runs of the blocks before it taught, so that
/// every later schedule may run at once with any other.
struct learning_blocks {
  /// Whether schedule `index` begins a block (a power of two up to `k_block`): the moment the
  /// strategy takes in what it has learnt.
  [[nodiscard]] static bool starts_block(std::uint64_t index) {
    return index != 0 && index <= k_block && std::has_single_bit(index);
  }
  /// `strategy::ready()` for a strategy about to hand out schedule `index`, having observed
  /// `observed` runs.
  [[nodiscard]] static std::uint32_t ready(std::uint64_t index, std::uint64_t observed) {
    if (index >= k_block) return k_block;
    if (index == 0) return 1;
    if (starts_block(index) && observed < index) return 0;  // it learns from those first
    return static_cast<std::uint32_t>(std::bit_floor(index) * 2 - index);  // to the next block
  }
  /// `strategy::learns()` before handing out schedule `index`.
  [[nodiscard]] static bool learns(std::uint64_t index) { return index < k_block; }
  /// Whether the run of the `observed`th schedule (from 0) still teaches.
  [[nodiscard]] static bool teaches(std::uint64_t observed) { return observed < k_block; }
};

}  // namespace chaosq::harness::detail

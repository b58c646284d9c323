#pragma once
/// \file
/// Internal: the maker of each strategy in detail/strategies.def, each defined in its own unit
/// (harness/strategies/<id>.cpp) and reached only through `make_strategy`.

#include <deque>
#include <memory>
#include <utility>
#include <vector>

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

}  // namespace chaosq::harness::detail

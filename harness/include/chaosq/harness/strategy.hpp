#pragma once
/// \file
/// Exploration strategies: where each schedule's decisions come from.

#include <cstdint>
#include <memory>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/names.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::harness {

/// The exploration strategies, one per row of detail/strategies.def (each is one unit,
/// harness/strategies/<id>.cpp).
enum class strategy_kind : std::uint8_t {
#define CHAOSQ_STRATEGY(id, name, help) id,
#include "chaosq/harness/detail/strategies.def"
};

template <>
struct names_of<strategy_kind> {
  static constexpr std::array values{
#define CHAOSQ_STRATEGY(id, name, help) named<strategy_kind>{strategy_kind::id, name, help},
#include "chaosq/harness/detail/strategies.def"
  };
};

/// The largest PCT depth and DFS preemption bound chaosq accepts (the CLI's flags and the scenario
/// keys both check them).
inline constexpr std::uint32_t k_max_depth = 20;
inline constexpr std::uint32_t k_max_preemptions = 50;

/// The strategies' knobs and their defaults (every front-end's defaults: explore_options, the
/// CLI, scenarios).
struct strategy_options {
  std::uint64_t seed = 1;
  std::uint32_t depth = 3;          ///< PCT: bug depth d (d-1 priority change points)
  std::uint32_t preemptions = 2;    ///< DFS: deviations from asyncio order per schedule
  std::uint32_t max_faults = 1000;  ///< DFS: drawn faults per schedule (the budgets bound too)
};

/// Hands out one decision source per schedule and learns from every finished run. All
/// strategies are deterministic functions of their options and the runs they observe.
class strategy {
 public:
  strategy() = default;
  strategy(const strategy&) = delete;
  strategy& operator=(const strategy&) = delete;
  virtual ~strategy() = default;

  /// The source for the next schedule, valid until the next call; nullptr when the strategy
  /// has nothing left to try (DFS has covered its whole space).
  virtual sim::decision_source* next() = 0;
  /// Learns from the run just made with the source `next()` returned.
  virtual void observe(const run_report& report) = 0;
  /// True when the strategy has covered every schedule within its bounds.
  [[nodiscard]] virtual bool exhausted() const { return false; }
};

/// A new strategy of `kind`, reading only the knobs of `options` that kind uses (random: seed;
/// pct: seed, depth; dfs: preemptions, max_faults; portfolio: seed, max_faults).
[[nodiscard]] std::unique_ptr<strategy> make_strategy(strategy_kind kind,
                                                      const strategy_options& options);

}  // namespace chaosq::harness

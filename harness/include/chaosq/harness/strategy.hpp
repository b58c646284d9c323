#pragma once
/// \file
/// Exploration strategies: where each schedule's decisions come from.

#include <cstdint>
#include <memory>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/names.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::harness {

enum class strategy_kind : std::uint8_t {
  random,     ///< a uniform random walk over every decision
  pct,        ///< probabilistic concurrency testing: task priorities and d-1 change points
  dfs,        ///< exhaustive depth-first search under a preemption bound
  portfolio,  ///< random, PCT at depths 2 and 3, and DFS with one preemption, in turn
};

template <>
struct names_of<strategy_kind> {
  static constexpr std::array<named<strategy_kind>, 4> values{{
      {strategy_kind::random, "random", "uniform random walk over schedules and faults"},
      {strategy_kind::pct, "pct", "random task priorities with depth-1 change points (PCT)"},
      {strategy_kind::dfs, "dfs", "exhaustive depth-first search, bounded preemptions"},
      {strategy_kind::portfolio, "portfolio", "random, pct d=2, pct d=3 and dfs k=1 in turn"},
  }};
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

[[nodiscard]] std::unique_ptr<strategy> make_strategy(strategy_kind kind,
                                                      const strategy_options& options);

}  // namespace chaosq::harness

#pragma once
/// \file
/// Exploration strategies: where each schedule's decisions come from.

#include <cstdint>
#include <memory>
#include <optional>

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

/// What an exhaustive strategy (DFS) has covered: every schedule with at most `faults` drawn
/// faults and at most `preemptions` deviations from asyncio's order, `schedules` of them, all
/// run. `all_faults` / `all_preemptions`: no schedule was left out by that bound (raising it
/// adds nothing), so the bound does not limit the claim.
struct search_coverage {
  std::uint32_t faults = 0;
  std::uint32_t preemptions = 0;
  bool all_faults = false;
  bool all_preemptions = false;
  std::uint64_t schedules = 0;
};

/// The most schedules a strategy hands out before it observes any of them: one block of an
/// exploration on several threads.
inline constexpr std::uint32_t k_block = 256;

/// Hands out one decision source per schedule and learns from every finished run. All
/// strategies are deterministic functions of their options and the runs they observe.
///
/// Blocks: `ready()` says how many more schedules the strategy can hand out before it observes
/// any of those it has handed out. Those schedules do not depend on each other's runs, so an
/// exploration may run them at once, on several threads, and observe them afterwards in order;
/// handing them out one by one, each observed before the next, gives the same decisions. That
/// is what makes an exploration's result independent of its number of threads.
class strategy {
 public:
  strategy() = default;
  strategy(const strategy&) = delete;
  strategy& operator=(const strategy&) = delete;
  virtual ~strategy() = default;

  /// The source for the next schedule, valid until its run is observed; nullptr when the
  /// strategy has nothing left to try (DFS has covered its whole space).
  virtual sim::decision_source* next() = 0;
  /// Learns from the oldest run handed out and not yet observed.
  virtual void observe(const run_report& report) = 0;
  /// True when the strategy has covered every schedule within its bounds.
  [[nodiscard]] virtual bool exhausted() const { return false; }
  /// The largest space the strategy has covered so far (DFS: its last finished level); nullopt
  /// for a strategy that never covers one, or before its first level is finished.
  [[nodiscard]] virtual std::optional<search_coverage> covered() const { return std::nullopt; }
  /// How many more schedules, at most `k_block`, `next()` may hand out now, before the ones
  /// handed out so far are observed: 0 only while some are unobserved (the strategy must learn
  /// from them first), at least 1 when none is. The default: one at a time.
  [[nodiscard]] virtual std::uint32_t ready() const { return 1; }
  /// Before `next()`: whether the run of the next schedule can change the schedules after it.
  /// When it cannot, a shard that does not own that schedule need not run it: it observes a
  /// default `run_report` instead.
  [[nodiscard]] virtual bool learns() const { return true; }
  /// Whether `learns()` turns false for good after a first stretch of schedules, so that an
  /// exploration can be split across machines (`explore_options::shard`).
  [[nodiscard]] virtual bool splits() const { return false; }
};

/// A new strategy of `kind`, reading only the knobs of `options` that kind uses (random: seed;
/// pct: seed, depth; pos, surw: seed; dfs: preemptions, max_faults; portfolio: seed,
/// max_faults).
[[nodiscard]] std::unique_ptr<strategy> make_strategy(strategy_kind kind,
                                                      const strategy_options& options);

}  // namespace chaosq::harness

#pragma once
/// \file
/// A scenario: a workload written down (usually as YAML), how its schedules are chosen, and what
/// must happen. The model the loader fills, the runner executes and the writer prints.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/names.hpp"
#include "chaosq/harness/strategy.hpp"
#include "chaosq/harness/verdict.hpp"
#include "chaosq/harness/workload.hpp"

namespace chaosq::scenarios {

/// The schema version this chaosq reads and writes (`version:` in a scenario file).
inline constexpr std::int64_t schema_version = 1;

/// What a scenario expects of its joiners.
enum class join_outcome : std::uint8_t {
  completes,  ///< on every schedule run, no join hangs
  hangs,      ///< some schedule run leaves a join pending forever
};

/// A verdict, or a family of verdicts: an oracle and optionally the kind (`join-hang` matches
/// every hang, `join-hang/held-by-crashed` only that one).
struct verdict_pattern {
  harness::oracle oracle = harness::oracle::join_hang;
  std::optional<harness::verdict_kind> kind;  ///< one of `oracle`'s kinds; empty: any kind

  [[nodiscard]] bool matches(const harness::verdict& v) const {
    return v.oracle() == oracle && (!kind || v.kind == *kind);
  }
  /// Every verdict this one matches is matched by `other` too.
  [[nodiscard]] bool within(const verdict_pattern& other) const {
    return oracle == other.oracle && (!other.kind || kind == other.kind);
  }
  /// As written in a scenario: "join-hang" or "join-hang/held-by-crashed".
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const verdict_pattern&, const verdict_pattern&) = default;
};

/// True when every verdict `p` matches is a hang: a join never returns (join-hang, join-late).
[[nodiscard]] bool is_hang(const verdict_pattern& p) noexcept;

/// What must happen. "On every schedule" parts (no violation, join completes, forbidden
/// verdicts) fail on the first schedule that breaks them; "some schedule" parts (an expected
/// verdict, a hang, the unacknowledged items) need one schedule that shows all of them.
struct expectation {
  std::optional<join_outcome> join;  ///< nullopt: not checked
  /// nullopt: no violation on any schedule. Otherwise some schedule must show a matching one.
  std::optional<verdict_pattern> verdict;
  std::vector<verdict_pattern> forbid;  ///< verdicts no schedule may show
  /// The items put and never acknowledged, ascending, on the schedule that shows the verdict.
  std::optional<std::vector<std::uint32_t>> unacknowledged;
  friend bool operator==(const expectation&, const expectation&) = default;
};

/// How schedules are chosen when a scenario does not pin its decisions.
struct exploration {
  std::string strategy = "random";  ///< a name from `strategies()`
  std::uint64_t schedules = 1000;
  std::uint64_t seed = 1;
  std::uint32_t depth = harness::strategy_options{}.depth;  ///< pct: the bug depth d
  /// dfs: deviations from asyncio order per schedule
  std::uint32_t preemptions = harness::strategy_options{}.preemptions;
  std::uint32_t max_faults = harness::strategy_options{}.max_faults;  ///< dfs: drawn faults
  friend bool operator==(const exploration&, const exploration&) = default;
};

/// One scenario, as loaded from a file or built from a failure.
struct scenario {
  std::int64_t version = schema_version;
  std::string name;
  std::string description;
  harness::workload work;  ///< with the code it names (`queue.impl`, `consumers.behaviour`)
  exploration explore;     ///< ignored when `decisions` is set
  /// A pinned decision record: the scenario replays exactly this one run, nothing is explored.
  std::optional<std::vector<std::uint32_t>> decisions;
  expectation expect;
  friend bool operator==(const scenario&, const scenario&) = default;
};

/// An exploration strategy a scenario may name in `explore.strategy`.
struct strategy {
  std::string_view name;
  std::string_view help;
  harness::strategy_kind kind;  ///< what `harness::explore` runs
};

/// Every strategy scenarios accept, in the order help lists them: every row of harness's table of
/// strategies (harness/include/chaosq/harness/detail/strategies.def).
[[nodiscard]] std::span<const strategy> strategies() noexcept;

/// The strategy called `name`, or nullptr.
[[nodiscard]] const strategy* find_strategy(std::string_view name) noexcept;

}  // namespace chaosq::scenarios

namespace chaosq::harness {

template <>
struct names_of<scenarios::join_outcome> {
  static constexpr std::array<named<scenarios::join_outcome>, 2> values{{
      {scenarios::join_outcome::completes, "completes", "no schedule leaves a join pending"},
      {scenarios::join_outcome::hangs, "hangs", "some schedule leaves a join pending forever"},
  }};
};

}  // namespace chaosq::harness

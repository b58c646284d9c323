#include "chaosq/scenarios/runner.hpp"

#include <array>
#include <cassert>
#include <memory>
#include <utility>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/strategy.hpp"
#include "chaosq/scenarios/writer.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::scenarios {
namespace {

using harness::run_report;

/// The strategies a scenario may name: harness's table of strategies (detail/strategies.def),
/// in its order, so a strategy added there is accepted here.
constexpr auto strategy_table = [] {
  constexpr const auto& rows = harness::names_of<harness::strategy_kind>::values;
  std::array<strategy, rows.size()> out{};
  for (std::size_t i = 0; i < rows.size(); ++i)
    out[i] = {rows[i].name, rows[i].help, rows[i].value};
  return out;
}();

std::string where(bool pinned, std::uint64_t schedule) {
  return pinned ? std::string("the pinned run") : "schedule " + std::to_string(schedule);
}

std::string items_text(const std::vector<std::uint32_t>& ids) {
  if (ids.empty()) return "none";
  std::string out;
  for (std::uint32_t id : ids) out += (out.empty() ? "i" : ", i") + std::to_string(id);
  return out;
}

/// A schedule worth keeping: its index and its decision record.
struct kept {
  std::uint64_t schedule = 0;
  std::vector<std::uint32_t> decisions;
  std::string signature;
};

}  // namespace

std::string verdict_pattern::to_string() const {
  if (kind) return harness::signature_of(*kind);
  return std::string(harness::name_of(oracle));
}

bool is_hang(const verdict_pattern& p) noexcept {
  if (p.kind) return harness::info(*p.kind).hang;
  bool some = false;
  for (const harness::verdict_info& v : harness::verdict_kinds) {
    if (v.oracle != p.oracle) continue;
    if (!v.hang) return false;
    some = true;
  }
  return some;
}

std::span<const strategy> strategies() noexcept { return strategy_table; }

const strategy* find_strategy(std::string_view name) noexcept {
  for (const strategy& s : strategy_table)
    if (s.name == name) return &s;
  return nullptr;
}

scenario_result run_scenario(const scenario& s, const run_settings& settings) {
  harness::registry const builtin =
      settings.registry ? harness::registry{} : harness::builtin_registry();
  const harness::registry& registry = settings.registry ? *settings.registry : builtin;
  assert(registry.problem(s.work).empty() && "the loader checks the names of the code");
  harness::run_options const options = registry.bind(s.work);
  harness::run_options explained = options;  // the verdict's text and item accounts
  explained.explain = true;

  const expectation& e = s.expect;
  bool const pinned = s.decisions.has_value();
  bool const every_schedule_checks =
      !e.verdict || e.join == join_outcome::completes || !e.forbid.empty();

  scenario_result result;
  std::optional<kept> broken;
  std::optional<kept> witness;
  std::optional<kept> near_miss;  // the expected verdict, other unacknowledged items
  std::vector<std::uint32_t> near_miss_items;
  std::optional<kept> first_violation;
  std::uint64_t clean = 0;

  auto visit = [&](std::uint64_t index, const run_report& r) -> bool {
    ++result.schedules;
    if (!r.violation) {
      ++clean;
      return true;
    }
    const harness::verdict& v = *r.violation;
    ++result.signatures[v.signature()];
    std::string why;
    if (!e.verdict) {
      why = "expected no violation, but " + where(pinned, index) + " shows " + v.signature();
    } else if (e.join == join_outcome::completes && harness::info(v.kind).hang) {
      why = "expected every join to complete, but " + where(pinned, index) +
            " hangs: " + v.signature();
    } else {
      for (const verdict_pattern& f : e.forbid) {
        if (f.matches(v)) {
          why = where(pinned, index) + " shows " + v.signature() +
                ", forbidden by 'forbid: " + f.to_string() + "'";
          break;
        }
      }
    }
    if (!why.empty()) {
      result.reason = std::move(why);
      broken = kept{index, r.decisions, v.signature()};
      return false;
    }
    if (!first_violation) first_violation = kept{index, r.decisions, v.signature()};
    if (witness || !e.verdict->matches(v)) return true;
    if (e.unacknowledged) {
      run_report const replayed = harness::replay(s.work, r.decisions, explained);
      std::vector<std::uint32_t> items;
      for (const harness::item_account& item : replayed.violation->items) items.push_back(item.id);
      if (items != *e.unacknowledged) {
        if (!near_miss) {
          near_miss = kept{index, r.decisions, v.signature()};
          near_miss_items = std::move(items);
        }
        return true;
      }
    }
    witness = kept{index, r.decisions, v.signature()};
    return every_schedule_checks;
  };

  if (pinned) {
    visit(0, harness::replay(s.work, *s.decisions, options));
  } else {
    const strategy* st = find_strategy(s.explore.strategy);
    assert(st != nullptr && "the loader checks strategy names");
    (void)harness::explore(s.work,
                           {.schedules = s.explore.schedules,
                            .seed = s.explore.seed,
                            .keep_going = true,
                            .strategy = st != nullptr ? st->kind : harness::strategy_kind::random,
                            .depth = s.explore.depth,
                            .preemptions = s.explore.preemptions,
                            .max_faults = s.explore.max_faults,
                            .run = options,
                            // a named queue's violation counts where the reference passes
                            .against_reference = registry.reference_check_of(s.work),
                            .jobs = settings.jobs,
                            .on_schedule = visit});
  }

  auto make_evidence = [&](const kept& k, bool shrink) {
    result.evidence_schedule = k.schedule;
    // The failure's token and reproducer name the code with the versions that ran.
    return harness::make_failure(registry.with_versions(s.work), k.decisions, k.signature,
                                 {.run = options,
                                  .against_reference = registry.reference_check_of(s.work),
                                  .shrink = shrink && settings.shrink ? harness::shrinking::record
                                                                      : harness::shrinking::none,
                                  .shrink_runs = settings.shrink_runs,
                                  .out_of_time = settings.out_of_time});
  };

  std::string const runs =
      pinned ? std::string("the pinned run") : std::to_string(result.schedules) + " schedule(s)";
  if (broken) {
    result.passed = false;
    result.evidence = make_evidence(*broken, true);
    return result;
  }
  if (e.verdict && !witness) {
    result.passed = false;
    result.reason =
        (pinned ? "the pinned run does not show " : "no schedule of " + runs + " shows ") +
        e.verdict->to_string();
    if (e.unacknowledged) result.reason += " with unacknowledged " + items_text(*e.unacknowledged);
    if (near_miss) {
      result.reason += "; " + where(pinned, near_miss->schedule) +
                       " shows it with unacknowledged " + items_text(near_miss_items);
      result.evidence = make_evidence(*near_miss, true);
    } else if (first_violation) {
      result.reason +=
          "; " + where(pinned, first_violation->schedule) + " shows " + first_violation->signature;
      result.evidence = make_evidence(*first_violation, true);
    } else {
      result.reason += "; every run ended without a violation";
    }
    if (!result.signatures.empty() && !pinned) {
      result.reason += " (seen:";
      for (const auto& [signature, count] : result.signatures)
        result.reason += " " + signature + " x" + std::to_string(count);
      result.reason += ", no violation x" + std::to_string(clean) + ")";
    }
    return result;
  }
  result.passed = true;
  if (!e.verdict) {
    result.reason = "no violation in " + runs;
  } else {
    result.evidence = make_evidence(*witness, false);
    result.reason = witness->signature + " shown by " + where(pinned, witness->schedule);
    if (e.unacknowledged) result.reason += ", unacknowledged " + items_text(*e.unacknowledged);
    if (every_schedule_checks && !pinned) {
      result.reason += "; ";
      if (e.join == join_outcome::completes) result.reason += "no join hangs";
      if (e.join == join_outcome::completes && !e.forbid.empty()) result.reason += " and ";
      if (!e.forbid.empty()) result.reason += "no forbidden verdict";
      result.reason += " in " + runs;
    }
  }
  return result;
}

scenario reproducer(const scenario& s, const scenario_result& r) {
  const harness::failure& f = *r.evidence;
  bool const pinned = s.decisions.has_value();
  std::string description = "Pins " + where(pinned, r.evidence_schedule);
  if (!pinned)
    description +=
        " (strategy " + s.explore.strategy + ", seed " + std::to_string(s.explore.seed) + ")";
  description += " of scenario '" + s.name + "'";
  if (f.shrunk)
    description += ", shrunk from " + std::to_string(f.original_decisions.size()) + " to " +
                   std::to_string(f.decisions.size()) + " decisions";
  description +=
      ": " + (f.violation() ? f.violation()->signature() : std::string("no violation")) + ".";
  if (!s.description.empty()) description += " The scenario models: " + s.description;
  std::string name = s.name.substr(0, 94) + "-repro";
  return pinned_scenario(std::move(name), std::move(description), f);
}

}  // namespace chaosq::scenarios

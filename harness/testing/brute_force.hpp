#pragma once
// The brute-force enumeration of a decision tree that DFS's tests check DFS against.

#include <cstdint>
#include <set>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/strategy.hpp"
#include "chaosq/harness/workload.hpp"

namespace chaosq::harness::testing {

using decisions = std::vector<std::uint32_t>;

/// A run as DFS tells runs apart: its schedule and other choices, and at each strike decision
/// only whether the fault struck (value bound-1) or not (any other value).
inline decisions identity(const run_report& r) {
  decisions out = r.decisions;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (r.tags[i] == decision_tag::fault_strike) out[i] = out[i] == r.bounds[i] - 1 ? 1 : 0;
  return out;
}

/// Below `prefix`: every value of every decision is tried (a strike decision too: all its
/// values), one replay per node of the tree, and the complete runs are collected by `identity`.
inline void enumerate(const workload& w, decisions& prefix, std::uint32_t preempted,
                      std::uint32_t struck, const strategy_options& bounds,
                      std::set<decisions>& found) {
  run_report const r = replay(w, prefix);
  if (r.decisions.size() == prefix.size()) {  // no decision left: a complete run
    found.insert(identity(r));
    return;
  }
  std::size_t const i = prefix.size();
  for (std::uint32_t v = 0; v < r.bounds[i]; ++v) {
    bool const preempts = r.tags[i] == decision_tag::schedule && v != 0;
    bool const strikes = r.tags[i] == decision_tag::fault_strike && v == r.bounds[i] - 1;
    if (preempted + (preempts ? 1 : 0) > bounds.preemptions) continue;
    if (struck + (strikes ? 1 : 0) > bounds.max_faults) continue;
    prefix.push_back(v);
    enumerate(w, prefix, preempted + (preempts ? 1 : 0), struck + (strikes ? 1 : 0), bounds, found);
    prefix.pop_back();
  }
}

/// Every run of `w` whose decisions stay within DFS's bounds, found by brute force. Bounds, over
/// a whole run: at most `preemptions` schedule decisions other than 0 (asyncio's order), at most
/// `max_faults` strikes.
inline std::set<decisions> every_run_within(const workload& w, const strategy_options& bounds) {
  std::set<decisions> found;
  decisions prefix;
  enumerate(w, prefix, 0, 0, bounds, found);
  return found;
}

}  // namespace chaosq::harness::testing

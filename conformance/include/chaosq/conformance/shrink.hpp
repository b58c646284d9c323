#pragma once
/// \file
/// Shrinking a diverging program to a small one that still diverges the same way.

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "chaosq/conformance/program.hpp"

namespace chaosq::conformance {

/// `p` without `p.ops[index]`. Removing a `spawn` also removes every `cancel` of that task and
/// renumbers the tasks spawned after it, so the result is again a valid program.
/// Precondition: `index < p.ops.size()`.
[[nodiscard]] program without_op(const program& p, std::size_t index);

/// The smaller programs one shrink round tries: `p` cut to its first half, three quarters, ...
/// of its operations, then `p` without each single operation. Every one is valid and has fewer
/// operations than `p`.
[[nodiscard]] std::vector<program> shrink_candidates(const program& p);

/// Judges a whole round of candidates at once (one driver run per round): for each candidate,
/// whether it still fails the same way.
using round_judge = std::function<std::vector<bool>(std::span<const program> candidates)>;

/// Shrinks a failing `p`: each round replaces it by the shortest candidate the judge still
/// finds failing (the first of equals), until no candidate fails. Returns a program that fails
/// and none of whose candidates does; `rounds`, when given, receives the number of rounds.
[[nodiscard]] program shrink(program p, const round_judge& still_fails,
                             std::size_t* rounds = nullptr);

}  // namespace chaosq::conformance

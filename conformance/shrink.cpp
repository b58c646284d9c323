#include "chaosq/conformance/shrink.hpp"

#include <cassert>

namespace chaosq::conformance {
namespace {

bool is_spawn(op_code code) {
  return code == op_code::spawn_get || code == op_code::spawn_put || code == op_code::spawn_join;
}

}  // namespace

program without_op(const program& p, std::size_t index) {
  assert(index < p.ops.size());
  program out{p.kind, p.maxsize, {}};
  out.ops.reserve(p.ops.size() - 1);
  std::int64_t removed_task = -1;
  if (is_spawn(p.ops[index].code)) {
    removed_task = 0;
    for (std::size_t i = 0; i < index; ++i) removed_task += is_spawn(p.ops[i].code) ? 1 : 0;
  }
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    if (i == index) continue;
    operation op = p.ops[i];
    if (removed_task >= 0 && op.code == op_code::cancel) {
      if (op.arg == removed_task) continue;
      if (op.arg > removed_task) --op.arg;
    }
    out.ops.push_back(op);
  }
  return out;
}

std::vector<program> shrink_candidates(const program& p) {
  std::vector<program> out;
  std::size_t const n = p.ops.size();
  for (std::size_t cut = n / 2; cut > 0; cut /= 2) {
    program prefix{
        p.kind, p.maxsize, {p.ops.begin(), p.ops.end() - static_cast<std::ptrdiff_t>(cut)}};
    out.push_back(std::move(prefix));
  }
  for (std::size_t i = 0; i < n; ++i) out.push_back(without_op(p, i));
  return out;
}

program shrink(program p, const round_judge& still_fails, std::size_t* rounds) {
  std::size_t count = 0;
  for (;;) {
    std::vector<program> candidates = shrink_candidates(p);
    if (candidates.empty()) break;
    ++count;
    std::vector<bool> const fails = still_fails(candidates);
    assert(fails.size() == candidates.size());
    std::size_t best = candidates.size();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (fails[i] &&
          (best == candidates.size() || candidates[i].ops.size() < candidates[best].ops.size())) {
        best = i;
      }
    }
    if (best == candidates.size()) break;
    p = std::move(candidates[best]);
  }
  if (rounds != nullptr) *rounds = count;
  return p;
}

}  // namespace chaosq::conformance

#include "chaosq/harness/shrink.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "chaosq/harness/generate.hpp"
#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::harness {
namespace {

bool shortlex_less(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

/// Each candidate a one-step smaller workload, field by field as the field table's `shrink`
/// column says (an integer halved toward its floor, then one less; an enum back to its
/// default), then without each pinned fault and each control event.
std::vector<workload> smaller_workloads(const workload& w) {
  std::vector<workload> out;
  auto with = [&](auto change) {
    workload c = w;
    change(c);
    if (validate(c).empty()) out.push_back(std::move(c));
  };
  for_each_field_with_default(w, [&](const field_info& f, const auto& value, const auto& fallback) {
    using T = std::remove_cvref_t<decltype(value)>;
    if (f.shrink < 0) return;
    auto set = [&](T smaller) {
      with([&](workload& c) {
        visit_field(c, f.id, [&](auto& member) {
          if constexpr (std::is_same_v<std::remove_cvref_t<decltype(member)>, T>) member = smaller;
        });
      });
    };
    if constexpr (is_integer_field<T>) {
      if (std::cmp_less_equal(value, f.shrink)) return;
      T const floor = static_cast<T>(f.shrink);
      if (T const half = std::max<T>(floor, value / 2); half < value - 1) set(half);
      set(static_cast<T>(value - 1));
    } else if constexpr (!std::is_same_v<T, point_set>) {
      if (value != fallback) set(fallback);
    }
  });
  for (std::size_t i = 0; i < w.pinned.size(); ++i)
    with([i](workload& c) { c.pinned.erase(c.pinned.begin() + static_cast<std::ptrdiff_t>(i)); });
  for (std::size_t i = 0; i < w.controls.size(); ++i)
    with([i](workload& c) {
      c.controls.erase(c.controls.begin() + static_cast<std::ptrdiff_t>(i));
    });
  return out;
}

class shrinker {
 public:
  /// `space` non-null: the workload is generated from the record itself.
  shrinker(const workload& w, const workload_space* space, std::span<const std::uint32_t> decisions,
           std::string signature, const shrink_options& options)
      : options_(options),
        space_(space),
        signature_(std::move(signature)),
        work_(w),
        best_(trim_record(decisions)) {
    run_opts_ = options.run;
    run_opts_.trace = false;
  }

  shrink_result go(std::size_t original_size) {
    bool progress = true;
    while (progress && !stopped_) {
      progress = false;
      if (options_.shrink_workload && space_ == nullptr) progress |= shrink_workload();
      progress |= delete_spans();
      progress |= lower_values();
    }
    shrink_result result;
    result.work = work_;
    result.decisions = best_;
    result.report = run_candidate(work_, best_, true);
    result.original_size = original_size;
    result.minimal_size = best_.size();
    result.runs = runs_;
    result.stopped_early = stopped_;
    deviations const d = count_deviations(work_, result.report);
    result.preemptions = d.preemptions;
    result.drawn_faults = d.drawn_faults;
    return result;
  }

 private:
  /// Runs a candidate; keeps it if it fails the same way, is smaller, and is still blamed on
  /// the code under test.
  bool attempt(const workload& w, const std::vector<std::uint32_t>& candidate, bool smaller_work) {
    if (stopped_ || runs_ >= options_.max_runs ||
        (options_.out_of_time && options_.out_of_time())) {
      stopped_ = true;
      return false;
    }
    ++runs_;
    generated_work_ = w;
    run_report const r = run_candidate(w, candidate, false);
    if (!r.violation || r.violation->signature() != signature_) return false;
    std::vector<std::uint32_t> canonical = trim_record(r.decisions);
    if (!smaller_work && !shortlex_less(canonical, best_)) return false;
    if (!blamed_on_code_under_test(r)) return false;
    work_ = generated_work_;
    best_ = std::move(canonical);
    return true;
  }

  /// True if `r`, a candidate's run on generated_work_, is still the code under test's to
  /// answer for: the reference passes its decisions (or, with `differs`, fails otherwise).
  bool blamed_on_code_under_test(const run_report& r) const {
    std::span<const std::uint32_t> record = r.decisions;
    // A generated record begins with the workload's own decisions.
    if (space_ != nullptr) record = record.subspan(workload_prefix(*space_, record));
    return blames_code_under_test(generated_work_, record, signature_, run_opts_,
                                  options_.against_reference);
  }

  /// Replays `candidate` on `w`, or on the workload it generates; leaves that workload in
  /// generated_work_.
  run_report run_candidate(const workload& w, const std::vector<std::uint32_t>& candidate,
                           bool traced) {
    run_options opts = run_opts_;
    opts.trace = traced;
    // Candidates are compared by signature only: text just for the traced, final run.
    if (!traced) opts.explain = false;
    if (space_ == nullptr) return replay(w, candidate, opts);
    generated_run g = replay_generated(*space_, candidate, opts);
    generated_work_ = std::move(g.work);
    return std::move(g.report);
  }

  bool shrink_workload() {
    bool any = false;
    for (bool again = true; again && !stopped_;) {
      again = false;
      for (const workload& smaller : smaller_workloads(work_)) {
        if (attempt(smaller, best_, true)) {
          again = any = true;
          break;
        }
      }
    }
    return any;
  }

  bool delete_spans() {
    bool any = false;
    for (std::size_t span = std::max<std::size_t>(best_.size() / 2, 1); span >= 1 && !stopped_;
         span /= 2) {
      for (std::size_t at = 0; at + span <= best_.size() && !stopped_;) {
        std::vector<std::uint32_t> candidate = best_;
        candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(at),
                        candidate.begin() + static_cast<std::ptrdiff_t>(at + span));
        if (attempt(work_, candidate, false)) {
          any = true;  // retry at the same place: what follows moved up
        } else {
          at += span;
        }
      }
      if (span == 1) break;
    }
    return any;
  }

  bool lower_values() {
    bool any = false;
    for (std::size_t i = 0; i < best_.size() && !stopped_; ++i) {
      std::uint32_t const v = best_[i];
      if (v == 0) continue;
      for (std::uint32_t lower : {0U, v / 2, v - 1}) {
        if (lower >= v || i >= best_.size() || best_[i] != v) continue;
        std::vector<std::uint32_t> candidate = best_;
        candidate[i] = lower;
        if (attempt(work_, candidate, false)) {
          any = true;
          break;
        }
      }
    }
    return any;
  }

  const shrink_options& options_;
  const workload_space* space_;
  workload generated_work_;
  run_options run_opts_;
  std::string signature_;
  workload work_;
  std::vector<std::uint32_t> best_;
  std::uint64_t runs_ = 0;
  bool stopped_ = false;
};

}  // namespace

deviations count_deviations(const workload& w, const run_report& r) {
  deviations out;
  std::uint32_t const odds = std::max<std::uint32_t>(w.faults.odds, 2);
  for (std::size_t i = 0; i < r.decisions.size(); ++i) {
    std::uint32_t const v = r.decisions[i];
    if (r.tags[i] == decision_tag::schedule && v != 0) ++out.preemptions;
    if (r.tags[i] == decision_tag::fault_strike && v == odds - 1) ++out.drawn_faults;
  }
  return out;
}

std::vector<std::uint32_t> trim_record(std::span<const std::uint32_t> decisions) {
  std::size_t end = decisions.size();
  while (end > 0 && decisions[end - 1] == 0) --end;
  return {decisions.begin(), decisions.begin() + static_cast<std::ptrdiff_t>(end)};
}

shrink_result shrink(const workload& w, std::span<const std::uint32_t> decisions,
                     const std::string& signature, const shrink_options& options) {
  shrinker s(w, nullptr, decisions, signature, options);
  return s.go(decisions.size());
}

shrink_result shrink_generated(const workload_space& space,
                               std::span<const std::uint32_t> decisions,
                               const std::string& signature, const shrink_options& options) {
  generated_run const original = replay_generated(space, decisions);
  shrinker s(original.work, &space, decisions, signature, options);
  return s.go(decisions.size());
}

}  // namespace chaosq::harness

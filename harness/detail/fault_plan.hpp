#pragma once
/// \file
/// The fault plan of a run: the workload's pinned faults (chained per task and point), the
/// faults drawn from decisions under the fault budget, and the control events. It decides
/// whether and which fault strikes "task T at point P" or a waiting task between two steps,
/// and leaves carrying it out (an exception, a cancellation, a trace line) to its host.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload.hpp"
#include "chaosq/sim/decision.hpp"

#include "detail/tasks.hpp"

namespace chaosq::harness::detail {

inline constexpr std::uint32_t no_pinned = UINT32_MAX;

/// The point a task waiting in `act` waits at (in-get, in-put or in-join).
[[nodiscard]] fault_point point_of(activity act) noexcept;
/// The activity of a task waiting at `p`; `starting` when `p` is not a waiting point.
[[nodiscard]] activity waiting_activity(fault_point p) noexcept;

class fault_plan {
 public:
  /// Starts a run of `w` (both outlive the run): budgets full, no pinned fault used yet.
  void start(const workload& w, sim::decision_source& decisions,
             const std::vector<task_record>& tasks, std::size_t max_tasks);

  /// Task `t` (the next id) named `name` joined the run.
  void add_task(std::string_view name) {
    cursor& c = cursors_.emplace_back();
    if (!w_->pinned.empty()) chain_pinned(c, name);
  }

  /// Task `t`, doing `rec`, passes fault point `p` in its own code: the fault that strikes it
  /// there, if any. Every visit is counted (pinned faults name their occurrence).
  [[nodiscard]] std::optional<struck_fault> visit(task_id t, fault_point p,
                                                  const task_record& rec) {
    cursor& c = cursors_[t];
    if (c.first_pinned[index(p)] == no_pinned &&
        (crashes_left_ == 0 || !crash_points_.contains(p))) {
      // Nothing can strike here (the common case): just count the visit.
      ++c.visits[index(p)];
      ++c.visits_this_item[index(p)];
      return std::nullopt;
    }
    return visit_slowly(c, p, rec);
  }

  /// Task `t` is about to wait at `p` (in-get, in-put, in-join).
  void begin_wait(task_id t, fault_point p) noexcept {
    ++cursors_[t].visits[index(p)];
    cursors_[t].struck_this_wait = false;
  }
  /// Task `t` took a new item: pinned faults for an item count its visits from here.
  void new_item(task_id t) noexcept { cursors_[t].visits_this_item.fill(0); }
  /// A fault struck task `t` (a waiting one is struck at most once per wait).
  void struck(task_id t) noexcept { cursors_[t].struck_this_wait = true; }

  /// Between two steps (`done_steps` done): control events now due, pinned faults on waiting
  /// tasks, drawn cancellations, in-get crashes and shutdowns. `Host` carries them out:
  /// `ended(t)`, `shut_down()`, `apply_control(c)`, `strike_waiting(t, fault)`,
  /// `shutdown(mode, origin)`.
  template <class Host>
  [[gnu::always_inline]] inline void between_steps(Host& host, step_no done_steps);

  /// At quiescence: applies the earliest control events not yet applied; false if none.
  template <class Host>
  bool apply_overdue_controls(Host& host);

 private:
  struct cursor {
    // The task's first pinned fault at each point (`pinned_next_` chains the rest).
    std::array<std::uint32_t, point_count> first_pinned = none_pinned();
    std::array<std::uint32_t, point_count> visits{};
    std::array<std::uint32_t, point_count> visits_this_item{};
    bool struck_this_wait = false;  // a fault already struck it during its current wait
  };

  static constexpr std::array<std::uint32_t, point_count> none_pinned() noexcept {
    std::array<std::uint32_t, point_count> out{};
    out.fill(no_pinned);
    return out;
  }

  void chain_pinned(cursor& c, std::string_view name);
  [[gnu::noinline]] std::optional<struck_fault> visit_slowly(cursor& c, fault_point p,
                                                             const task_record& rec);

  /// Under a uniform stream, true with probability 1/odds; the value odds-1 strikes.
  bool offered() {
    std::uint32_t const odds = std::max<std::uint32_t>(w_->faults.odds, 2);
    return decisions_->choose(odds, decision_tag::fault_strike) == odds - 1;
  }

  /// Tasks waiting in one of `acts`, alive and not struck during this wait, into `waiting_`.
  template <class Host>
  void collect_waiting(Host& host, std::initializer_list<activity> acts);

  const workload* w_ = nullptr;
  sim::decision_source* decisions_ = nullptr;
  const std::vector<task_record>* tasks_ = nullptr;
  std::vector<cursor> cursors_;
  std::uint32_t crashes_left_ = 0;
  point_set crash_points_;  // the workload's, kept here for `visit`'s fast path
  std::uint32_t cancels_left_ = 0;
  std::vector<bool> pinned_used_;
  std::vector<std::uint32_t> pinned_next_;  // the next pinned fault of the same task and point
  bool pinned_waits_ = false;  // some pinned fault strikes a waiting task (between steps)
  // Something can happen between steps (most workloads have nothing there): a control event,
  // a pinned fault on a waiting task, a cancellation, an in-get crash or a shutdown.
  bool acts_between_steps_ = false;
  std::vector<bool> controls_done_;
  std::vector<task_id> waiting_;  // scratch for collect_waiting, kept from run to run
};

template <class Host>
void fault_plan::collect_waiting(Host& host, std::initializer_list<activity> acts) {
  waiting_.clear();
  for (task_id t = 0; t < tasks_->size(); ++t) {
    if (host.ended(t) || cursors_[t].struck_this_wait) continue;
    if (std::find(acts.begin(), acts.end(), (*tasks_)[t].act) != acts.end()) waiting_.push_back(t);
  }
}

template <class Host>
inline void fault_plan::between_steps(Host& host, step_no done_steps) {
  if (!acts_between_steps_) return;
  const workload& w = *w_;
  for (std::size_t i = 0; i < w.controls.size(); ++i) {
    if (!controls_done_[i] && w.controls[i].at_step <= done_steps) {
      controls_done_[i] = true;
      host.apply_control(w.controls[i]);
    }
  }
  for (std::size_t i = 0; i < w.pinned.size() && pinned_waits_; ++i) {
    const pinned_fault& f = w.pinned[i];
    activity const waiting = waiting_activity(f.point);
    if (pinned_used_[i] || waiting == activity::starting) continue;
    task_id const t = find_task(*tasks_, f.task);
    if (t == tasks_->size() || (*tasks_)[t].act != waiting || host.ended(t) ||
        cursors_[t].struck_this_wait)
      continue;
    if (cursors_[t].visits[index(f.point)] != f.occurrence + 1) continue;
    pinned_used_[i] = true;
    host.strike_waiting(t, struck_fault{f.kind, f.point, fault_origin::pinned});
  }
  if (cancels_left_ > 0) {
    collect_waiting(host, {activity::in_get, activity::in_put, activity::in_join});
    if (!waiting_.empty() && offered()) {
      task_id const victim = waiting_[decisions_->choose(
          static_cast<std::uint32_t>(waiting_.size()), decision_tag::fault_target)];
      --cancels_left_;
      host.strike_waiting(victim, struck_fault{fault_kind::cancel, point_of((*tasks_)[victim].act),
                                               fault_origin::drawn});
    }
  }
  if (crashes_left_ > 0 && w.faults.crash_points.contains(fault_point::in_get) &&
      w.mode != run_mode::threads) {
    collect_waiting(host, {activity::in_get});
    if (!waiting_.empty() && offered()) {
      task_id const victim = waiting_[decisions_->choose(
          static_cast<std::uint32_t>(waiting_.size()), decision_tag::fault_target)];
      --crashes_left_;
      host.strike_waiting(
          victim, struck_fault{fault_kind::crash, fault_point::in_get, fault_origin::drawn});
    }
  }
  if (w.faults.shutdown != shutdown_allowance::none && !host.shut_down() && offered()) {
    bool immediate = w.faults.shutdown == shutdown_allowance::immediate;
    if (w.faults.shutdown == shutdown_allowance::any)
      immediate = decisions_->choose(2, decision_tag::fault_target) == 1;
    host.shutdown(immediate ? queue::shutdown_mode::immediate : queue::shutdown_mode::graceful,
                  "drawn");
  }
}

template <class Host>
bool fault_plan::apply_overdue_controls(Host& host) {
  const workload& w = *w_;
  std::uint64_t earliest = UINT64_MAX;
  for (std::size_t i = 0; i < w.controls.size(); ++i)
    if (!controls_done_[i]) earliest = std::min(earliest, w.controls[i].at_step);
  if (earliest == UINT64_MAX) return false;
  for (std::size_t i = 0; i < w.controls.size(); ++i) {
    if (!controls_done_[i] && w.controls[i].at_step == earliest) {
      controls_done_[i] = true;
      host.apply_control(w.controls[i]);
    }
  }
  return true;
}

}  // namespace chaosq::harness::detail

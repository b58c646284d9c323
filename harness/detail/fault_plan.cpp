#include "detail/fault_plan.hpp"

namespace chaosq::harness::detail {
namespace {

bool consumer_point(fault_point p) {
  return p == fault_point::after_get || p == fault_point::mid_item ||
         p == fault_point::before_ack || p == fault_point::after_ack;
}

/// Task names are a few characters: compared inline, without a call to memcmp.
bool same_name(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace

fault_point point_of(activity act) noexcept {
  switch (act) {
    case activity::in_put:
      return fault_point::in_put;
    case activity::in_join:
      return fault_point::in_join;
    default:
      return fault_point::in_get;
  }
}

activity waiting_activity(fault_point p) noexcept {
  switch (p) {
    case fault_point::in_get:
      return activity::in_get;
    case fault_point::in_put:
      return activity::in_put;
    case fault_point::in_join:
      return activity::in_join;
    default:
      return activity::starting;  // not a waiting point
  }
}

void fault_plan::start(const workload& w, sim::decision_source& decisions,
                       const std::vector<task_record>& tasks, std::size_t max_tasks) {
  w_ = &w;
  decisions_ = &decisions;
  tasks_ = &tasks;
  cursors_.clear();
  cursors_.reserve(max_tasks);
  crashes_left_ = w.faults.crashes;
  crash_points_ = w.faults.crash_points;
  cancels_left_ = w.faults.cancels;
  // Most workloads pin nothing and control nothing: their runs skip the rest.
  if (!w.pinned.empty() || !pinned_used_.empty()) {
    pinned_used_.assign(w.pinned.size(), false);
    pinned_next_.assign(w.pinned.size(), no_pinned);
  }
  pinned_waits_ = std::any_of(w.pinned.begin(), w.pinned.end(), [](const pinned_fault& f) {
    return waiting_activity(f.point) != activity::starting;
  });
  if (!w.controls.empty() || !controls_done_.empty())
    controls_done_.assign(w.controls.size(), false);
  if (w.faults.cancels > 0) waiting_.reserve(max_tasks);
  acts_between_steps_ =
      !w.controls.empty() || pinned_waits_ || w.faults.cancels > 0 ||
      (w.faults.crashes > 0 && w.faults.crash_points.contains(fault_point::in_get)) ||
      w.faults.shutdown != shutdown_allowance::none;
}

void fault_plan::chain_pinned(cursor& c, std::string_view name) {
  // Pinned faults name their task and point: chain this task's own per point, in workload
  // order, once, instead of comparing names over all of them at every fault point.
  std::array<std::uint32_t*, point_count> tails{};
  for (std::size_t p = 0; p < point_count; ++p) tails[p] = &c.first_pinned[p];
  for (std::uint32_t i = 0; i < w_->pinned.size(); ++i) {
    const pinned_fault& f = w_->pinned[i];
    if (!same_name(f.task, name)) continue;
    *tails[index(f.point)] = i;
    tails[index(f.point)] = &pinned_next_[i];
  }
}

std::optional<struck_fault> fault_plan::visit_slowly(cursor& c, fault_point p,
                                                     const task_record& rec) {
  std::uint32_t const visit = c.visits[index(p)]++;
  std::uint32_t const item_visit = c.visits_this_item[index(p)]++;
  for (std::uint32_t i = c.first_pinned[index(p)]; i != no_pinned; i = pinned_next_[i]) {
    const pinned_fault& f = w_->pinned[i];
    if (pinned_used_[i]) continue;
    bool const item_matches =
        f.item < 0 || (rec.holding && f.item == static_cast<std::int32_t>(rec.current.id));
    std::uint32_t const occurrence = f.item < 0 ? visit : item_visit;
    if (!item_matches || occurrence != f.occurrence) continue;
    pinned_used_[i] = true;
    return struck_fault{f.kind, p, fault_origin::pinned};
  }
  // In-get crashes are drawn between steps (`between_steps`), not where a consumer passes.
  bool const drawable =
      (consumer_point(p) || p == fault_point::before_put) && w_->faults.crash_points.contains(p);
  if (drawable && crashes_left_ > 0 && offered()) {
    --crashes_left_;
    return struck_fault{fault_kind::crash, p, fault_origin::drawn};
  }
  return std::nullopt;
}

}  // namespace chaosq::harness::detail

// The fault plan asked "does a fault strike task T at point P?" and run between steps with a
// host of its own: no loop, no coroutine (a thread runner would be such a host).

#include "detail/fault_plan.hpp"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace chaosq::harness::detail {
namespace {

/// Records what the plan asks its host to do.
struct recording_host {
  std::vector<bool> ended_tasks;
  bool is_shut_down = false;
  std::vector<std::string> log;

  [[nodiscard]] bool ended(task_id t) const { return ended_tasks[t]; }
  [[nodiscard]] bool shut_down() const { return is_shut_down; }
  void apply_control(const control_event& c) { log.push_back("control " + c.task); }
  void strike_waiting(task_id t, const struck_fault& f) {
    log.push_back("strike " + std::to_string(t) + ": " + f.text());
  }
  void shutdown(queue::shutdown_mode mode, std::string_view origin) {
    is_shut_down = true;
    log.push_back(
        std::string(mode == queue::shutdown_mode::immediate ? "immediate " : "graceful ") +
        std::string(origin));
  }
};

struct planned {
  workload w;
  std::vector<std::uint32_t> values;
  std::optional<sim::replay_decisions> decisions;  // made by start, over `values`
  std::vector<task_record> tasks;
  fault_plan plan;

  void start(std::initializer_list<const char*> names) {
    decisions.emplace(values);
    plan.start(w, *decisions, tasks, names.size());
    for (const char* n : names) {
      tasks.push_back({.name = n});
      plan.add_task(n);
    }
  }
};

TEST(fault_plan, a_pinned_fault_strikes_its_task_at_the_named_occurrence_only) {
  planned p;
  p.w.faults.crashes = 0;
  p.w.pinned.push_back(
      {.kind = fault_kind::cancel, .task = "c1", .point = fault_point::mid_item, .occurrence = 1});
  p.start({"c0", "c1"});
  EXPECT_FALSE(p.plan.visit(0, fault_point::mid_item, p.tasks[0]));
  EXPECT_FALSE(p.plan.visit(0, fault_point::mid_item, p.tasks[0]));
  EXPECT_FALSE(p.plan.visit(1, fault_point::mid_item, p.tasks[1]));  // occurrence 0
  std::optional<struck_fault> const f = p.plan.visit(1, fault_point::mid_item, p.tasks[1]);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->text(), "cancel at mid-item (pinned)");
  EXPECT_FALSE(p.plan.visit(1, fault_point::mid_item, p.tasks[1]));  // used up
  EXPECT_TRUE(p.decisions->record().empty());                        // nothing drawn, nothing read
}

TEST(fault_plan, a_drawn_crash_strikes_when_the_value_odds_minus_one_comes) {
  planned p;
  p.w.faults.crashes = 1;
  p.w.faults.odds = 4;
  p.w.faults.crash_points = point_set{fault_point::mid_item};
  p.values = {0, 3, 3};
  p.start({"c0"});
  EXPECT_FALSE(p.plan.visit(0, fault_point::after_get, p.tasks[0]));  // not a crash point
  EXPECT_FALSE(p.plan.visit(0, fault_point::mid_item, p.tasks[0]));   // value 0
  std::optional<struck_fault> const f = p.plan.visit(0, fault_point::mid_item, p.tasks[0]);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->text(), "crash at mid-item (drawn)");
  EXPECT_FALSE(p.plan.visit(0, fault_point::mid_item, p.tasks[0]));  // the budget is spent
  EXPECT_EQ(p.decisions->record().size(), 2u);
}

TEST(fault_plan, between_steps_strikes_a_waiting_task_and_applies_due_controls) {
  planned p;
  p.w.faults.crashes = 0;
  p.w.faults.cancels = 1;
  p.w.faults.odds = 2;
  p.w.controls.push_back({.at_step = 2, .action = control_action::cancel, .task = "j0"});
  p.values = {1, 1};  // strike, then the second of the waiting tasks
  p.start({"c0", "c1", "j0"});
  p.tasks[0].act = activity::in_get;
  p.tasks[1].act = activity::in_get;
  p.plan.begin_wait(0, fault_point::in_get);
  p.plan.begin_wait(1, fault_point::in_get);
  recording_host host{.ended_tasks = {false, false, false}};
  p.plan.between_steps(host, 0);
  EXPECT_EQ(host.log, std::vector<std::string>{"strike 1: cancel at in-get (drawn)"});
  p.plan.between_steps(host, 2);  // the budget is spent: only the control event
  EXPECT_EQ(host.log.back(), "control j0");
  EXPECT_FALSE(p.plan.apply_overdue_controls(host));
}

}  // namespace
}  // namespace chaosq::harness::detail

#include "chaosq/harness/selftest.hpp"

#include "chaosq/harness/shrink.hpp"

namespace chaosq::harness {
namespace {

workload bug_workload(planted_bug bug) {
  workload w;
  w.items = 3;
  w.consumers = 2;
  w.policy = ack_policy::finally;
  switch (bug) {
    case planted_bug::none:
    case planted_bug::get_counts_down:
    case planted_bug::join_not_woken:
    case planted_bug::late_count:
      break;
    case planted_bug::no_pass_on:
      // One item, two getters waiting: the one woken by the put is cancelled before it runs.
      w.items = 1;
      w.faults.cancels = 1;
      break;
    case planted_bug::immediate_keeps_count:
      w.faults.shutdown = shutdown_allowance::immediate;
      break;
    case planted_bug::task_done_unchecked:
      // Only a consumer that acknowledges twice reaches the missing check; the reference then
      // refuses (ValueError) where the bug lets the count go negative.
      w.items = 2;
      w.consumers = 1;
      w.restarts = 1;
      w.policy = ack_policy::twice;
      w.faults.crashes = 1;
      break;
    case planted_bug::putter_no_recheck:
      w.maxsize = 1;
      w.producers = 2;
      w.items = 2;
      w.consumers = 1;
      break;
    case planted_bug::cancelled_getter_takes:
      // Two getters wait; a cancellation lands on the first around a put's wake-up.
      w.faults.cancels = 1;
      break;
    case planted_bug::wakeup_stops_at_done:
      // Two getters wait; the first is cancelled and a put comes before it runs.
      w.items = 1;
      w.faults.cancels = 1;
      break;
    case planted_bug::putter_pass_on_if_item:
      // Two putters wait on a full queue; the one a get wakes is cancelled before it runs.
      w.maxsize = 1;
      w.producers = 3;
      w.items = 1;
      w.consumers = 2;  // a cancellation may end one
      w.joiners = 0;    // the stranded putter is the verdict
      w.faults.cancels = 1;
      break;
    case planted_bug::woken_getter_sees_shutdown:
      // A getter woken by a put, then a graceful shutdown before it runs.
      w.consumers = 1;
      w.faults.shutdown = shutdown_allowance::graceful;
      break;
    case planted_bug::putter_defers_to_getter:
      // Two putters wait on a full queue; the one the consumer's get wakes is cancelled (a
      // control event, so that the lone consumer is never the one cancelled) and must not run
      // until the consumer has worked through its item and waits again. A random walk rarely
      // passes over a ready task for that many steps.
      w.maxsize = 1;
      w.producers = 3;
      w.items = 1;
      w.consumers = 1;
      w.work_steps = 16;
      w.controls = {{6, control_action::cancel, "p1"}};
      break;
  }
  return w;
}

}  // namespace

std::vector<selftest_case> selftest_cases() {
  std::vector<selftest_case> cases;
  for (const auto& n : names_of<planted_bug>::values) {
    if (n.value == planted_bug::none) continue;
    cases.push_back({"bug:" + std::string(n.name), bug_workload(n.value), n.value,
                     n.value != planted_bug::putter_defers_to_getter});
  }
  for (const auto& n : names_of<ack_policy>::values) {
    if (n.value == ack_policy::finally) continue;
    workload w;
    w.items = 3;
    w.consumers = 2;
    w.policy = n.value;
    w.work_steps = n.value == ack_policy::before_work ? 2 : 1;
    w.faults.crashes = n.value == ack_policy::on_success || n.value == ack_policy::twice ? 1 : 0;
    cases.push_back({"policy:" + std::string(n.name), w, planted_bug::none});
  }
  // The same leaks with threads: queue.Queue and threads that block on its lock.
  std::size_t const policies = cases.size();
  for (std::size_t i = policies - (names_of<ack_policy>::values.size() - 1); i < policies; ++i) {
    selftest_case c = cases[i];
    c.name = "threads:" + c.name;
    c.work.mode = run_mode::threads;
    cases.push_back(std::move(c));
  }
  return cases;
}

selftest_row run_selftest(const selftest_case& c, strategy_kind kind, std::uint64_t schedules,
                          std::uint64_t seed, std::uint64_t shrink_runs, unsigned jobs) {
  explore_options options{.schedules = schedules, .seed = seed, .strategy = kind, .jobs = jobs};
  bool const planted = c.bug != planted_bug::none;
  if (planted) {
    options.run.make_queue = planted_queue_factory(c.bug);
    options.against_reference = reference_check_for(c.bug);
  }
  explore_result const found = explore(c.work, options);
  selftest_row row{.target = c.name, .strategy = kind};
  row.exhausted = found.stats.exhausted;
  row.schedules = found.first_failure ? found.first_failure_schedule + 1 : found.stats.schedules;
  if (!found.first_failure) return row;
  row.caught = true;
  row.signature = found.first_failure->violation->signature();
  shrink_result const minimal = shrink(c.work, found.first_failure->decisions, row.signature,
                                       {.max_runs = shrink_runs,
                                        .run = options.run,
                                        .against_reference = options.against_reference});
  row.minimal_decisions = minimal.minimal_size;
  row.minimal_steps = minimal.report.steps;
  return row;
}

}  // namespace chaosq::harness

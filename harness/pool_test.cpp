// A user's thread pool under the engine (work_pool, run_options::make_pool): each flaw of
// testing/broken_pools.hpp is caught with its verdict and replays to the same trace; the correct
// pool passes every schedule, crashes included; what a pool cannot run is refused by name.

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/registry.hpp"
#include "chaosq/sim/decision.hpp"

#include "testing/broken_pools.hpp"

namespace chaosq::harness {
namespace {

using testing::pool_flaw;
using testing::pool_with;
using testing::pool_workload;

run_options pool_options(pool_flaw flaw) {
  run_options o;
  o.make_pool = pool_with(flaw);
  return o;
}

explore_result hunt(const workload& w, pool_flaw flaw, std::uint64_t schedules = 2'000) {
  explore_options o;
  o.schedules = schedules;
  o.run = pool_options(flaw);
  return explore(w, o);
}

std::string signature_found(const workload& w, pool_flaw flaw) {
  explore_result const r = hunt(w, flaw);
  if (!r.first_failure) return "none";
  return r.first_failure->violation->signature();
}

workload with_crash(workload w) {
  w.faults.crashes = 1;
  w.faults.crash_points = point_set{fault_point::mid_item};
  return w;
}

TEST(pool, each_flaw_is_caught_with_its_verdict) {
  EXPECT_EQ(signature_found(pool_workload(2, 2, 2), pool_flaw::wakes_one_waiter),
            "join-late/not-woken");
  EXPECT_EQ(signature_found(pool_workload(2, 2), pool_flaw::done_before_run), "join-early/no-zero");
  EXPECT_EQ(signature_found(with_crash(pool_workload(3, 2)), pool_flaw::throw_not_counted),
            "join-late/not-woken");
  // A pool thread that a task's exception ends is std::terminate in a real program: a
  // task-error, whatever the wait does next.
  explore_result const killed =
      hunt(with_crash(pool_workload(3, 2)), pool_flaw::throw_kills_worker);
  ASSERT_TRUE(killed.first_failure.has_value());
  const verdict& v = *killed.first_failure->violation;
  EXPECT_EQ(v.signature(), "task-error/consumer-raised");
  EXPECT_NE(v.message.find("'s thread ended by the exception i"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("a pool's thread must catch what a task throws"), std::string::npos)
      << v.message;
}

TEST(pool, the_correct_pool_passes_every_schedule_with_crashes_and_two_waiters) {
  workload w = with_crash(pool_workload(3, 2, 2));
  w.faults.crashes = 2;
  w.faults.crash_points =
      point_set{fault_point::after_get, fault_point::mid_item, fault_point::before_ack};
  explore_result const r = hunt(w, pool_flaw::none);
  EXPECT_FALSE(r.first_failure.has_value())
      << r.first_failure->violation->signature() << ": " << r.first_failure->violation->message;
  EXPECT_EQ(r.stats.schedules, 2'000U);
  // The flawed pools pass the workloads their flaw needs something else for: no false alarm.
  EXPECT_EQ(signature_found(pool_workload(3, 2), pool_flaw::wakes_one_waiter), "none");
  EXPECT_EQ(signature_found(pool_workload(3, 2), pool_flaw::throw_not_counted), "none");
}

TEST(pool, a_job_that_starts_before_its_submit_returns_is_counted_once) {
  // The job may run, and finish, before submit returns: counted in when it starts, never twice.
  workload w = with_crash(pool_workload(3, 2, 2));
  explore_result const r = hunt(w, pool_flaw::yields_after_submit);
  EXPECT_FALSE(r.first_failure.has_value())
      << r.first_failure->violation->signature() << ": " << r.first_failure->violation->message;
  // Some schedule did start a job before its submit returned: its put is recorded by the pool
  // thread's get, in the same step (otherwise it is the producer's, in a step before).
  bool seen = false;
  for (std::uint64_t seed = 0; seed < 200 && !seen; ++seed) {
    sim::random_decisions d(seed);
    run_options o = pool_options(pool_flaw::yields_after_submit);
    o.trace = true;
    run_report const rr = run(w, d, o);
    const std::vector<trace_event>& events = rr.trace->events;
    for (std::size_t e = 1; e < events.size() && !seen; ++e) {
      seen = events[e].operation == "get" && events[e - 1].operation == "put" &&
             events[e - 1].item == events[e].item && events[e - 1].step == events[e].step;
    }
  }
  EXPECT_TRUE(seen) << "no schedule started a job before its submit returned";
}

TEST(pool, a_pool_that_runs_jobs_on_the_submitting_thread_is_refused_by_name) {
  sim::random_decisions d(1);
  try {
    static_cast<void>(run(pool_workload(2, 2), d, pool_options(pool_flaw::runs_inline)));
    ADD_FAILURE() << "no refusal";
  } catch (const std::logic_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "chaosq: the thread pool ran a job on p0's own thread (inline in submit, or helping "
              "in wait): chaosq judges pools whose own threads run the jobs");
  }
}

TEST(pool, a_pool_thread_that_dies_before_any_job_is_a_task_error) {
  explore_result const r = hunt(pool_workload(2, 2), pool_flaw::worker_dies_at_start);
  ASSERT_TRUE(r.first_failure.has_value());
  const verdict& v = *r.first_failure->violation;
  EXPECT_EQ(v.signature(), "task-error/consumer-raised");
  EXPECT_NE(v.message.find("'s thread ended by the exception std::runtime_error: worker 0 failed "
                           "to start"),
            std::string::npos)
      << v.message;
}

TEST(pool, a_pool_still_being_made_when_the_run_ends_is_unwound_not_abandoned) {
  std::uint32_t const before = sync::detail::abandoned_fibers();
  sim::random_decisions d(1);
  run_report const r = run(pool_workload(2, 2), d, pool_options(pool_flaw::constructor_blocks));
  // The producers wait for the pool for ever: nothing more can run.
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->signature(), "stranded/producer-in-put");
  EXPECT_EQ(sync::detail::abandoned_fibers(), before);
}

TEST(pool, jobs_a_destructor_runs_after_the_run_ended_do_nothing) {
  // No worker: the jobs stay queued, the join hangs, and the pool's destructor runs them while
  // the run's threads are unwound, after the verdict.
  explore_result const r = hunt(pool_workload(2, 0), pool_flaw::drains_in_destructor, 50);
  ASSERT_TRUE(r.first_failure.has_value());
  EXPECT_EQ(r.first_failure->violation->signature(), "join-hang/unconsumed");
}

TEST(pool, a_catch_replays_to_the_same_trace_and_names_the_pool_threads) {
  workload const w = pool_workload(2, 2, 2);
  explore_result const r = hunt(w, pool_flaw::wakes_one_waiter);
  ASSERT_TRUE(r.first_failure.has_value());
  run_options traced = pool_options(pool_flaw::wakes_one_waiter);
  traced.trace = true;
  run_report const once = replay(w, r.first_failure->decisions, traced);
  run_report const twice = replay(w, r.first_failure->decisions, traced);
  ASSERT_TRUE(once.violation.has_value());
  EXPECT_EQ(once.violation->signature(), "join-late/not-woken");
  ASSERT_TRUE(once.trace.has_value() && twice.trace.has_value());
  EXPECT_EQ(once.trace->to_text(), twice.trace->to_text());
  EXPECT_EQ(once.decisions, r.first_failure->decisions);
  std::string const text = once.trace->to_text();
  // A job taken is a get by the pool thread that runs it, its end an ack.
  EXPECT_NE(text.find("c0      get"), std::string::npos) << text;
  EXPECT_NE(text.find("ack"), std::string::npos) << text;
}

TEST(pool, a_pool_that_cannot_be_made_is_a_task_error_not_a_crash) {
  run_report const r = [] {
    sim::random_decisions d(1);
    return run(pool_workload(2, 2), d, pool_options(pool_flaw::factory_throws));
  }();
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->signature().substr(0, 10), "task-error") << r.violation->signature();
  EXPECT_NE(r.violation->message.find("no threads for this pool"), std::string::npos)
      << r.violation->message;
}

TEST(pool, the_registry_runs_a_pool_in_threads_mode_only_and_names_what_does_not_fit) {
  registry r;
  ASSERT_TRUE(r.add_thread_pool("small", "a small pool", pool_with(pool_flaw::none), "2"));
  EXPECT_FALSE(r.add_thread_pool("empty", "", pool_factory{}));
  workload w = pool_workload(2, 2);
  w.queue_impl.text = "small";
  EXPECT_EQ(r.problem(w), "");
  EXPECT_EQ(r.reference_check_of(w), reference_check::off) << "no reference pool to compare with";
  EXPECT_EQ(r.queues_text(), "  small@2: a small pool (a thread pool: --mode threads)\n");
  run_options const bound = r.bind(w);
  EXPECT_TRUE(static_cast<bool>(bound.make_pool));
  EXPECT_FALSE(static_cast<bool>(bound.make_queue));

  workload misfit = w;
  misfit.mode = run_mode::coroutines;
  EXPECT_NE(r.problem(misfit).find("thread-based: it runs with --mode threads"), std::string::npos)
      << r.problem(misfit);
  EXPECT_EQ(r.names_problem(misfit), "") << "the name alone is good";
  misfit = w;
  misfit.maxsize = 2;
  misfit.put = put_mode::nowait;
  misfit.faults.shutdown = shutdown_allowance::graceful;
  std::string const p = r.problem(misfit);
  EXPECT_NE(p.find("queue 'small' is a thread pool"), std::string::npos) << p;
  for (const char* field : {"maxsize:", "put:", "shutdown:"})
    EXPECT_NE(p.find(field), std::string::npos) << field << " in " << p;
  EXPECT_EQ(p.find("kind:"), std::string::npos) << p;

  explore_options o;
  o.schedules = 200;
  o.run = r.bind(w);
  EXPECT_FALSE(explore(w, o).first_failure.has_value());
}

TEST(pool, pool_problems_accepts_a_pool_workload_and_names_each_field_off) {
  EXPECT_TRUE(pool_problems(pool_workload(3, 2)).empty());
  workload w = pool_workload(3, 2);
  w.mode = run_mode::coroutines;
  w.kind = queue::queue_kind::lifo;
  w.restarts = 1;
  w.policy = ack_policy::never;
  w.join_timeout_ms = 5;
  w.controls.push_back({5, control_action::shutdown_immediate, ""});
  std::vector<std::string> const problems = pool_problems(w);
  std::vector<std::string> fields;
  for (const std::string& m : problems) fields.push_back(m.substr(0, m.find(':')));
  EXPECT_EQ(fields, (std::vector<std::string>{"mode", "kind", "restarts", "policy", "join-timeout",
                                              "control event"}));
}

}  // namespace
}  // namespace chaosq::harness

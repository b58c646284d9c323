#include "chaosq/harness/engine.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"

#include "testing/workloads.hpp"

namespace chaosq::harness {
namespace {

using testing::classic_leak;

TEST(engine, classic_leak_hangs_join_and_names_the_leaked_item) {
  explore_result const found = explore(classic_leak(), {.schedules = 1000, .seed = 1});
  ASSERT_TRUE(found.first_failure);
  const verdict& v = *found.first_failure->violation;
  EXPECT_EQ(v.signature(), "join-hang/held-by-crashed");
  EXPECT_NE(v.message.find("held by c"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("crash at "), std::string::npos) << v.message;
}

TEST(engine, the_correct_policy_survives_the_same_exploration) {
  workload w = classic_leak();
  w.policy = ack_policy::finally;
  explore_result const found = explore(w, {.schedules = 2000, .seed = 1});
  EXPECT_FALSE(found.first_failure) << found.first_failure->violation->message;
  EXPECT_EQ(found.stats.schedules, 2000U);
}

/// 200 random runs of `w`, each replayed from its record: the same decisions, trace and verdict.
void expect_replays_exactly(const workload& w) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    sim::random_decisions d(seed);
    run_report const first = run(w, d, {.trace = true});
    run_report const again = replay(w, first.decisions, {.trace = true});
    ASSERT_EQ(first.decisions, again.decisions);
    ASSERT_EQ(first.trace->to_text(), again.trace->to_text()) << "seed " << seed;
    ASSERT_EQ(first.trace->to_json(), again.trace->to_json());
    ASSERT_EQ(first.violation.has_value(), again.violation.has_value());
    if (first.violation) {
      EXPECT_EQ(first.violation->message, again.violation->message);
    }
  }
}

TEST(engine, a_run_is_a_function_of_its_decision_record) {
  workload w = classic_leak();
  w.faults.cancels = 1;
  w.faults.shutdown = shutdown_allowance::any;
  w.maxsize = 2;
  expect_replays_exactly(w);
}

bool same_report(const run_report& a, const run_report& b) {
  if (a.end != b.end || a.steps != b.steps || a.decisions != b.decisions || a.tags != b.tags ||
      a.bounds != b.bounds || a.tasks != b.tasks ||
      a.violation.has_value() != b.violation.has_value())
    return false;
  if (a.violation && (a.violation->signature() != b.violation->signature() ||
                      a.violation->message != b.violation->message ||
                      a.violation->marked_steps != b.violation->marked_steps))
    return false;
  return a.trace.has_value() == b.trace.has_value() &&
         (!a.trace || a.trace->to_text() == b.trace->to_text());
}

// The engine runs the built-in policies on a path of its own (faults as values, no throw); the
// consumer_context versions in consumer.cpp are what they must match, step for step.
TEST(engine, built_in_policies_run_exactly_as_their_consumer_context_versions) {
  for (ack_policy const policy : {ack_policy::finally, ack_policy::on_success,
                                  ack_policy::before_work, ack_policy::twice, ack_policy::never}) {
    workload w = classic_leak();
    w.policy = policy;
    w.items = 6;
    w.consumers = 3;
    w.work_steps = 2;
    w.restarts = policy == ack_policy::twice ? 1 : 0;
    w.faults.crashes = 3;
    w.faults.cancels = 1;
    w.faults.shutdown = shutdown_allowance::any;
    w.pinned.push_back({.kind = fault_kind::cancel, .task = "c1", .point = fault_point::mid_item});
    w.pinned.push_back({.kind = fault_kind::crash, .task = "c0", .point = fault_point::after_ack});
    ASSERT_TRUE(validate(w).empty());
    for (std::uint64_t seed = 0; seed < 300; ++seed) {
      sim::random_decisions built_in_decisions(seed);
      sim::random_decisions context_decisions(seed);
      run_report const built_in = run(w, built_in_decisions, {.trace = true});
      run_report const context =
          run(w, context_decisions, {.trace = true, .consumer = builtin_consumer(policy)});
      ASSERT_TRUE(same_report(built_in, context)) << name_of(policy) << " seed " << seed << "\n"
                                                  << built_in.trace->to_text() << "\n---\n"
                                                  << context.trace->to_text();
    }
  }
}

// A run reuses the buffers, loop containers and coroutine frames of the runs before it on its
// thread; none of that may show.
TEST(engine, a_run_does_not_depend_on_the_runs_before_it) {
  workload small = classic_leak();
  workload large = classic_leak();
  large.items = 20;
  large.consumers = 4;
  large.restarts = 2;
  large.faults.crashes = 6;
  large.faults.cancels = 2;
  // Another kind of queue, bounded, shut down: the engine's reference queue is reset between.
  large.kind = queue::queue_kind::priority;
  large.maxsize = 2;
  large.faults.shutdown = shutdown_allowance::any;
  large.pinned.push_back({.kind = fault_kind::crash, .task = "c2", .point = fault_point::mid_item});
  ASSERT_TRUE(validate(large).empty());
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    sim::random_decisions first_decisions(seed);
    run_report const first = run(small, first_decisions, {.trace = true});
    sim::random_decisions large_decisions(seed);
    static_cast<void>(run(large, large_decisions));
    sim::random_decisions again_decisions(seed);
    run_report const again = run(small, again_decisions, {.trace = true});
    ASSERT_TRUE(same_report(first, again)) << "seed " << seed;
  }
}

TEST(engine, tracing_does_not_change_the_run) {
  workload w = classic_leak();
  w.faults.cancels = 2;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    sim::random_decisions a(seed);
    sim::random_decisions b(seed);
    run_report const fast = run(w, a);
    run_report const traced = run(w, b, {.trace = true});
    EXPECT_EQ(fast.decisions, traced.decisions);
    EXPECT_EQ(fast.steps, traced.steps);
    EXPECT_FALSE(fast.trace.has_value());
  }
}

/// A workload for the tests below that exercises every kind of verdict text: drawn crashes,
/// cancels and shutdowns, a bounded queue and a leaky policy.
workload busy_workload(ack_policy policy) {
  workload w = classic_leak();
  w.policy = policy;
  w.items = 8;
  w.consumers = 3;
  w.maxsize = 3;
  w.work_steps = 2;
  w.faults.crashes = 3;
  w.faults.cancels = 1;
  w.faults.shutdown = shutdown_allowance::any;
  w.faults.odds = 4;
  return w;
}

// An engine keeps its buffers from run to run: each of its reports must be the one a fresh
// `run` gives, whatever ran before on it.
TEST(engine, an_engine_object_gives_the_reports_of_fresh_runs) {
  engine e;
  std::size_t violations = 0;
  for (ack_policy const policy : {ack_policy::finally, ack_policy::on_success, ack_policy::twice}) {
    workload const w = busy_workload(policy);
    for (std::uint64_t seed = 0; seed < 150; ++seed) {
      bool const traced = seed % 3 == 0;
      sim::random_decisions a(seed);
      sim::random_decisions b(seed);
      run_report const fresh = run(w, a, {.trace = traced});
      const run_report& reused = e.run(w, b, {.trace = traced});
      ASSERT_TRUE(same_report(fresh, reused)) << name_of(policy) << " seed " << seed;
      if (fresh.violation) ++violations;
    }
  }
  EXPECT_GT(violations, 50U);  // the comparison covered verdicts, not only clean runs
}

// With `explain` off every oracle still judges: the same verdict (oracle, kind, marked steps)
// on the same run, only without its message.
TEST(engine, explain_off_keeps_every_verdict_and_drops_only_its_text) {
  engine quiet;
  std::size_t violations = 0;
  for (ack_policy const policy : {ack_policy::finally, ack_policy::on_success,
                                  ack_policy::before_work, ack_policy::twice, ack_policy::never}) {
    workload const w = busy_workload(policy);
    for (std::uint64_t seed = 0; seed < 150; ++seed) {
      sim::random_decisions a(seed);
      sim::random_decisions b(seed);
      run_report const explained = run(w, a);
      const run_report& bare = quiet.run(w, b, {.explain = false});
      ASSERT_EQ(explained.decisions, bare.decisions);
      ASSERT_EQ(explained.steps, bare.steps);
      ASSERT_EQ(explained.end, bare.end);
      ASSERT_EQ(explained.violation.has_value(), bare.violation.has_value());
      if (!explained.violation) continue;
      ++violations;
      EXPECT_EQ(explained.violation->signature(), bare.violation->signature());
      EXPECT_EQ(explained.violation->marked_steps, bare.violation->marked_steps);
      EXPECT_FALSE(explained.violation->message.empty());
      EXPECT_TRUE(bare.violation->message.empty()) << bare.violation->message;
    }
  }
  EXPECT_GT(violations, 100U);
}

// The reference queue raises only what its contract allows, and the built-in policies let
// escape only injected faults, cancellations and the shutdown: whatever the schedule, faults,
// cancels and shutdowns, through the fast path or consumer_context, no run is a task-error.
TEST(engine, the_reference_and_the_builtin_policies_never_give_a_task_error) {
  engine e;
  std::size_t runs = 0;
  std::size_t violations = 0;
  for (const auto& policy : names_of<ack_policy>::values) {
    for (put_mode const put : {put_mode::blocking, put_mode::nowait}) {
      for (bool const through_context : {false, true}) {
        workload w = busy_workload(policy.value);
        w.put = put;
        w.step_budget = 2'000;  // a nowait producer left without consumers spins until then
        run_options options{.explain = false};
        if (through_context) options.consumer = builtin_consumer(policy.value);
        for (std::uint64_t seed = 0; seed < 250; ++seed) {
          w.restarts = seed % 2;
          w.join_timeout_ms = seed % 3 == 0 ? 5 : 0;
          sim::random_decisions d(seed);
          const run_report& r = e.run(w, d, options);
          ++runs;
          if (!r.violation) continue;
          ++violations;
          ASSERT_NE(r.violation->oracle(), oracle::task_error)
              << policy.name << " " << name_of(put) << (through_context ? " context" : "")
              << " seed " << seed << ": " << replay(w, r.decisions, options).violation->message;
        }
      }
    }
  }
  EXPECT_GE(runs, 5'000U);
  EXPECT_GT(violations, 300U);  // the runs met the leaky policies' verdicts, not only passes
}

// explore searches without text, then replays the failure it keeps with the caller's options.
TEST(engine, explore_keeps_its_failure_explained) {
  explore_result const found = explore(busy_workload(ack_policy::on_success), {.seed = 3});
  ASSERT_TRUE(found.first_failure);
  EXPECT_FALSE(found.first_failure->violation->message.empty());
  run_report const again =
      replay(busy_workload(ack_policy::on_success), found.first_failure->decisions);
  EXPECT_TRUE(same_report(*found.first_failure, again));
}

// Drawn crashes strike only where `crash_points` allows, and still strike there.
TEST(engine, drawn_crashes_strike_only_at_the_crash_points) {
  for (fault_point const only :
       {fault_point::after_get, fault_point::mid_item, fault_point::before_ack,
        fault_point::after_ack, fault_point::in_get, fault_point::before_put}) {
    workload w = classic_leak();
    w.items = 6;
    w.consumers = 3;
    w.faults.crashes = 4;
    w.faults.odds = 3;
    w.faults.crash_points = {only};
    std::string const wanted = "crash at " + std::string(name_of(only)) + " (drawn)";
    std::size_t struck = 0;
    for (std::uint64_t seed = 0; seed < 100; ++seed) {
      sim::random_decisions d(seed);
      run_report const r = run(w, d, {.trace = true});
      for (const auto& e : r.trace->events) {
        if (e.fault.empty() || e.fault.find("(drawn)") == std::string::npos) continue;
        ASSERT_EQ(e.fault, wanted) << "seed " << seed;
        ++struck;
      }
    }
    EXPECT_GT(struck, 20U) << name_of(only);
  }
}

// A step that put twenty items marks only the put of the item the verdict is about: the steps
// that matter are the leaked item's, not every item the producer's step handled.
TEST(engine, a_marked_step_marks_only_the_events_of_the_verdicts_items) {
  trace t;
  t.events = {{1, "p0", "put", 0, "ok", ""},        {1, "p0", "put", 1, "ok", ""},
              {2, "c0", "get", 0, "ok", ""},        {2, "c0", "crash", 0, "struck", "crash"},
              {3, "j0", "join", -1, "waiting", ""}, {4, "c1", "ack", 1, "ok", ""},
              {5, "c1", "get", 1, "ok", ""}};
  t.mark({1, 2, 3, 4}, {0});
  std::vector<bool> marked;
  for (const trace_event& e : t.events) marked.push_back(e.marked);
  // step 1: i0's put, not i1's; 2: both events on i0; 3: the join (no item); 4: a marked step
  // that handled none of the verdict's items keeps every event; 5: not a marked step.
  EXPECT_EQ(marked, (std::vector<bool>{true, false, true, true, true, true, false}));
  t.mark({1}, {});
  EXPECT_TRUE(t.events[0].marked && t.events[1].marked) << "no items: the whole step";
}

/// The checked-in trace was produced by one compiler; every other build must print the same
/// bytes. Set CHAOSQ_UPDATE_GOLDEN=1 to rewrite it after an intended change of the engine.
TEST(engine, traces_are_byte_identical_across_compilers) {
  workload w = classic_leak();
  w.items = 4;
  w.maxsize = 2;
  w.faults.cancels = 1;
  w.faults.shutdown = shutdown_allowance::any;
  std::string text;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    sim::random_decisions d(seed);
    run_report const r = run(w, d, {.trace = true});
    text += "seed " + std::to_string(seed) + ": " +
            (r.violation ? r.violation->signature() + " " + r.violation->message : "pass") + "\n" +
            r.trace->to_text();
  }
  std::string const path = std::string(CHAOSQ_TESTDATA) + "/golden_traces.txt";
  if (std::getenv("CHAOSQ_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << text;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(golden.str(), text);
}

/// The incident's health check: `wait_for(join(), 5 s)` while c0 crashes mid-item on i1 and,
/// acknowledging only on success, leaks it.
workload health_check(ack_policy policy) {
  workload w;
  w.policy = policy;
  w.consumers = 2;
  w.join_timeout_ms = 5000;
  w.pinned = {{fault_kind::crash, "c0", fault_point::mid_item, 1, 0}};
  return w;
}

/// The seed incident's interleaving: c0 runs before the producer, so it takes i1 (as
/// scenarios/seed-incident-pinned.yaml pins it).
const std::vector<std::uint32_t> k_c0_first{1};

const trace_event* join_event(const run_report& r, std::string_view outcome_prefix) {
  for (const trace_event& e : r.trace->events)
    if (e.task == "j0" && e.operation == "join" && e.outcome.starts_with(outcome_prefix)) return &e;
  return nullptr;
}

TEST(engine, a_join_timeout_cancels_the_join_and_the_hang_still_names_the_stuck_item) {
  run_report const r = replay(health_check(ack_policy::on_success), k_c0_first, {.trace = true});
  const trace_event* timeout = join_event(r, "timeout: cancelled by wait_for after 5000 ms");
  ASSERT_NE(timeout, nullptr) << r.trace->to_text();
  EXPECT_EQ(timeout, &r.trace->events.back()) << "the joiner ends at its deadline";
  EXPECT_TRUE(timeout->marked);
  EXPECT_EQ(join_event(r, "returned"), nullptr);
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->signature(), "join-hang/held-by-crashed");
  EXPECT_EQ(r.end, run_end::quiescent);
  std::string const& m = r.violation->message;
  EXPECT_NE(m.find("j0's join, waiting since step "), std::string::npos) << m;
  EXPECT_NE(m.find("timed out at step " + std::to_string(timeout->step) + " (wait_for, 5000 ms)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("Unacknowledged: i1 ("), std::string::npos) << m;
  EXPECT_NE(m.find("held by c0"), std::string::npos) << m;
}

TEST(engine, a_join_timeout_that_is_not_reached_changes_nothing) {
  // Built-in tasks take no virtual time: a join that can return does so before any deadline.
  workload w = health_check(ack_policy::finally);
  run_report const r = replay(w, k_c0_first, {.trace = true});
  EXPECT_FALSE(r.violation) << r.violation->message;
  EXPECT_NE(join_event(r, "returned"), nullptr) << r.trace->to_text();
  EXPECT_EQ(join_event(r, "timeout"), nullptr);
  w.join_timeout_ms = 0;
  EXPECT_EQ(replay(w, k_c0_first, {.trace = true}).trace->to_text(), r.trace->to_text());
}

TEST(engine, a_join_timeout_keeps_the_verdict_of_a_join_that_waits_forever) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    workload timed = classic_leak();
    timed.join_timeout_ms = 1;
    workload forever = classic_leak();
    explore_result const a = explore(timed, {.schedules = 20, .seed = seed, .keep_going = true});
    explore_result const b = explore(forever, {.schedules = 20, .seed = seed, .keep_going = true});
    EXPECT_EQ(a.stats.signatures, b.stats.signatures) << "seed " << seed;
  }
}

}  // namespace
}  // namespace chaosq::harness

namespace chaosq::harness {
namespace {

/// A bounded queue that never makes a putter wait: it stores every item at once (unbounded
/// underneath), so it overfills.
std::unique_ptr<work_queue> overfilling_queue(const workload& w) {
  return std::make_unique<queue_adapter<queue::basic_queue<item>>>(w.kind, 0);
}

std::size_t waits_in(const trace& t, std::string_view operation) {
  return static_cast<std::size_t>(std::count_if(
      t.events.begin(), t.events.end(),
      [&](const trace_event& e) { return e.operation == operation && e.outcome == "waiting"; }));
}

workload bounded_fast_producer() {
  workload w;
  w.maxsize = 1;
  w.items = 3;
  w.consumers = 1;
  return w;
}

// The trace says what the queue under test did: a put is "waiting" only when it suspended.
TEST(engine, the_trace_shows_only_waits_the_queue_made) {
  workload const w = bounded_fast_producer();
  run_report const reference = replay(w, {}, {.trace = true});
  EXPECT_GT(waits_in(*reference.trace, "put"), 0U) << reference.trace->to_text();
  EXPECT_GT(waits_in(*reference.trace, "get"), 0U) << reference.trace->to_text();

  run_report const overfilled = replay(w, {}, {.trace = true, .make_queue = overfilling_queue});
  ASSERT_TRUE(overfilled.violation);
  EXPECT_EQ(overfilled.violation->kind, verdict_kind::capacity_over_maxsize);
  EXPECT_EQ(waits_in(*overfilled.trace, "put"), 0U) << overfilled.trace->to_text();
}

// ---- bounded runs: a budget that scales with the workload, a trace that keeps its ends ----

TEST(engine, a_big_workload_left_to_its_scaled_budget_is_no_livelock) {
  // More steps than the fixed default of 100000 that this workload once ran out of.
  workload w;
  w.items = 20'000;
  w.consumers = 50;
  w.work_steps = 8;
  ASSERT_TRUE(validate(w).empty());
  sim::random_decisions d(1);
  run_report const r = run(w, d, {.explain = false});
  EXPECT_FALSE(r.violation) << r.violation->signature();
  EXPECT_EQ(r.end, run_end::quiescent) << "the consumers idle in get at the end";
  EXPECT_GT(r.steps, min_scaled_step_budget);
  EXPECT_LT(r.steps, step_budget_of(w));
}

/// A nowait producer spinning on a full queue that nobody empties, until its budget runs out.
workload spinning(std::uint64_t budget) {
  workload w;
  w.maxsize = 1;
  w.items = 2;
  w.put = put_mode::nowait;
  w.consumers = 0;
  w.joiners = 0;
  w.step_budget = budget;
  return w;
}

TEST(engine, a_traced_run_keeps_at_most_its_limit_of_events_and_marks_its_last_step) {
  workload const w = spinning(5'000);
  run_options options{.trace = true};
  options.trace_events = 100;
  run_report const r = replay(w, {}, options);
  ASSERT_TRUE(r.violation);
  ASSERT_EQ(r.violation->signature(), "livelock/step-budget");
  ASSERT_TRUE(r.trace);
  const trace& t = *r.trace;
  EXPECT_EQ(t.events.size(), 100U);
  EXPECT_EQ(t.gap, 50U);
  EXPECT_GT(t.omitted, 4'000U);
  EXPECT_LT(t.events[49].step, t.first_omitted_step);
  EXPECT_LT(t.last_omitted_step, t.events[50].step);
  // The verdict's step, the last, is in the part kept, and marked.
  EXPECT_EQ(r.violation->marked_steps, std::vector<std::uint64_t>{r.steps});
  EXPECT_TRUE(t.events.back().marked);
  EXPECT_EQ(t.events.back().step, r.steps);
  std::string const text = t.to_text();
  EXPECT_NE(text.find("        ... " + t.omission() + "\n"), std::string::npos) << text;
  // The same run traced in full has the same ends: capping keeps them as they were.
  run_options full{.trace = true};
  full.trace_events = 10'000;
  run_report const whole = replay(w, {}, full);
  ASSERT_EQ(whole.trace->omitted, 0U);
  const std::vector<trace_event>& all = whole.trace->events;
  EXPECT_EQ(all.size(), t.events.size() + t.omitted);
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(line_of(t.events[i]), line_of(all[i]));
    EXPECT_EQ(line_of(t.events[50 + i]), line_of(all[all.size() - 50 + i]));
  }
}

TEST(engine, a_traced_run_is_capped_by_default) {
  run_report const r = replay(spinning(150'000), {}, {.trace = true});
  ASSERT_TRUE(r.trace);
  EXPECT_EQ(r.trace->events.size(), trace_limits::events);
  EXPECT_GT(r.trace->omitted, 40'000U);
}

}  // namespace
}  // namespace chaosq::harness

namespace chaosq::harness {
namespace {

// ---- threads mode ----

workload threads_workload() {
  workload w = classic_leak();
  w.mode = run_mode::threads;
  return w;
}

TEST(engine_threads, the_classic_leak_hangs_join_in_threads_mode_too) {
  explore_result const found = explore(threads_workload(), {.schedules = 1000, .seed = 1});
  ASSERT_TRUE(found.first_failure);
  EXPECT_EQ(found.first_failure->violation->signature(), "join-hang/held-by-crashed");
  workload fixed = threads_workload();
  fixed.policy = ack_policy::finally;
  fixed.faults.shutdown = shutdown_allowance::any;
  fixed.maxsize = 1;
  explore_result const clean = explore(fixed, {.schedules = 2000, .seed = 1});
  EXPECT_FALSE(clean.first_failure) << clean.first_failure->violation->message;
}

TEST(engine_threads, a_run_is_a_function_of_its_decision_record) {
  workload w = threads_workload();
  w.faults.shutdown = shutdown_allowance::any;
  w.maxsize = 2;
  expect_replays_exactly(w);
}

// Threads take more steps than coroutines for the same work: each queue call is a lock, and
// a wait, on its own step.
TEST(engine_threads, threads_take_the_steps_of_their_locks) {
  workload w = threads_workload();
  w.policy = ack_policy::finally;
  w.faults.crashes = 0;
  run_report const coroutines = replay(classic_leak(), {});
  run_report const threads = replay(w, {});
  EXPECT_EQ(threads.end, run_end::quiescent);  // consumers idle in get at the end
  EXPECT_FALSE(threads.violation);
  EXPECT_GT(threads.steps, coroutines.steps);
}

// A shutdown due while a thread holds the queue's lock (suspended inside a member, at the
// scheduling point before its wait) takes effect once the lock is free, as a thread calling
// shutdown() would take it: never inside another thread's critical section.
TEST(engine_threads, a_shutdown_waits_for_the_queues_lock) {
  bool deferred = false;
  for (std::uint64_t at = 1; at <= 12; ++at) {
    workload w = threads_workload();
    w.policy = ack_policy::finally;
    w.faults.crashes = 0;
    w.controls.push_back({at, control_action::shutdown_graceful, ""});
    run_report const r = replay(w, {}, {.trace = true});
    EXPECT_FALSE(r.violation) << "shutdown at step " << at << ": " << r.violation->message;
    for (const trace_event& e : r.trace->events) {
      if (e.operation == "shutdown") {
        EXPECT_GE(e.step, at);
        deferred = deferred || e.step > at;
      }
    }
  }
  EXPECT_TRUE(deferred) << "no shutdown ever found the lock taken: the test tests nothing";
}

TEST(engine_threads, threads_cannot_be_cancelled) {
  workload w = threads_workload();
  w.faults.cancels = 1;
  std::vector<std::string> const problems = validate(w);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("threads cannot be cancelled"), std::string::npos) << problems[0];
  w.faults.cancels = 0;
  w.controls.push_back({3, control_action::cancel, "c0"});
  EXPECT_EQ(validate(w).size(), 1U);
  w.controls.clear();
  w.pinned.push_back({fault_kind::crash, "c0", fault_point::in_get, -1, 0});
  EXPECT_EQ(validate(w).size(), 1U);
}

}  // namespace
}  // namespace chaosq::harness

// Observed runs (mode python): events in, the engine's faults, ledger and oracles, verdicts out.
// The runners here are scripted C++ stand-ins for the Python runner.

#include "chaosq/harness/observed.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/token.hpp"

namespace chaosq::harness {
namespace {

workload python_program(std::uint32_t crashes = 0, std::uint32_t cancels = 0) {
  workload w;
  w.mode = run_mode::python;
  w.program.text = "tests.seed:main";
  w.faults.crashes = crashes;
  w.faults.cancels = cancels;
  w.faults.odds = 2;
  return w;
}

/// The seed program, scripted: main puts two items and joins; one worker takes each item, works
/// on it at one suspension point (where a crash may strike: it then dies holding the item, as a
/// consumer without `finally` does) and acknowledges it; each step asks the fault plan first.
void seed_program(observed_run& run) {
  observed_task const main = run.add_task("main");
  observed_task const worker = run.add_task("worker");
  auto step = [&](observed_task t, auto&& body) {
    (void)run.between_steps();
    run.begin_step(t);
    std::int64_t const count = body();
    return run.end_step(count);
  };
  std::int64_t count = 0;
  bool go = step(main, [&] {
    run.queue_made(queue::queue_kind::fifo, 0);
    for (int i = 0; i < 2; ++i) run.put(main, run.new_item(), ++count);
    run.join_called(main, count);
    return count;
  });
  bool crashed = false;
  std::size_t taken = 0;
  for (std::uint32_t id = 0; go && id < 2 && !crashed; ++id) {
    go = step(worker, [&] {
      run.got(worker, id, count);
      ++taken;
      return count;
    });
    if (!go) break;
    go = step(worker, [&] {
      if (run.visit(worker, fault_point::mid_item)) {
        crashed = true;
        run.task_ended(worker);
        return count;
      }
      run.acked(worker, --count, false);
      if (count == 0) {
        run.woken(main);
        run.begin_wait(worker, wait_kind::get);  // back for the next item: none comes
      }
      return count;
    });
  }
  if (go && count == 0) {
    go = step(main, [&] {
      run.join_returned(main);
      run.task_ended(main);
      return count;
    });
  }
  run.finish(!go          ? run_end::violation
             : count == 0 ? run_end::complete
                          : run_end::quiescent,
             {count, taken < 2 ? 2 - taken : 0, false});
}

run_options with(program_fn program, bool trace = false) {
  run_options options;
  options.program = std::move(program);
  options.trace = trace;
  return options;
}

TEST(observed, a_crash_the_fault_plan_draws_leaks_the_item_and_join_hangs_naming_it) {
  // The fault plan offers a crash at the worker's first mid-item visit: 1 of odds 2 strikes.
  std::vector<std::uint32_t> const decisions{1};
  run_report const r = replay(python_program(1), decisions, with(seed_program, true));
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->signature(), "join-hang/held-by-crashed");
  EXPECT_NE(r.violation->message.find("main's join"), std::string::npos) << r.violation->message;
  EXPECT_NE(r.violation->message.find("held by worker"), std::string::npos) << r.violation->message;
  ASSERT_EQ(r.violation->items.size(), 2U);
  EXPECT_EQ(r.violation->items[0].id, 0U);
  EXPECT_EQ(r.decisions, decisions);
  ASSERT_TRUE(r.trace);
  EXPECT_NE(r.trace->to_text().find("crash"), std::string::npos) << r.trace->to_text();
}

TEST(observed, without_a_fault_the_program_completes_with_no_verdict) {
  run_report const r =
      replay(python_program(1), std::vector<std::uint32_t>{0, 0}, with(seed_program));
  EXPECT_FALSE(r.violation) << r.violation->message;
  EXPECT_EQ(r.end, run_end::complete);
  EXPECT_EQ(r.steps, 6U);
}

TEST(observed, exploring_finds_the_leak_and_its_token_names_the_program) {
  workload const w = python_program(1);
  explore_result const found =
      explore(w, {.schedules = 100, .seed = 1, .run = with(seed_program), .jobs = 2});
  ASSERT_TRUE(found.first_failure);
  EXPECT_EQ(found.first_failure->violation->signature(), "join-hang/held-by-crashed");
  std::string const token = encode_token(w, found.first_failure->decisions);
  EXPECT_TRUE(token.starts_with("cq6-")) << token;
  auto const decoded = decode_token(token);
  ASSERT_TRUE(std::holds_alternative<decoded_token>(decoded));
  EXPECT_EQ(std::get<decoded_token>(decoded).work, w);
  failure const f =
      make_failure(w, found.first_failure->decisions, found.first_failure->violation->signature(),
                   {.run = with(seed_program)});
  EXPECT_EQ(f.decisions, std::vector<std::uint32_t>{1});
  EXPECT_NE(failure_text(f).find("held by worker"), std::string::npos) << failure_text(f);
}

TEST(observed, a_join_that_returns_while_work_is_unacknowledged_returns_early) {
  auto program = [](observed_run& run) {
    observed_task const main = run.add_task("main");
    run.begin_step(main);
    run.queue_made(queue::queue_kind::fifo, 0);
    run.put(main, run.new_item(), 1);
    run.join_called(main, 1);
    run.join_returned(main);  // the queue under test woke it with the count at 1
    (void)run.end_step(1);
    run.finish(run_end::complete, {1, 1, false});
  };
  run_report const r = replay(python_program(), {}, with(program));
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->signature().substr(0, 11), "join-early/") << r.violation->signature();
}

TEST(observed, a_joiner_left_asleep_when_the_count_reaches_zero_is_late) {
  for (bool woken : {false, true}) {
    auto program = [woken](observed_run& run) {
      observed_task const main = run.add_task("main");
      observed_task const worker = run.add_task("worker");
      run.begin_step(main);
      run.queue_made(queue::queue_kind::fifo, 0);
      std::uint32_t const id = run.new_item();
      run.put(main, id, 1);
      run.join_called(main, 1);
      (void)run.end_step(1);
      run.begin_step(worker);
      run.got(worker, id, 1);
      run.acked(worker, 0, false);
      run.begin_wait(worker, wait_kind::get);
      if (woken) run.woken(main);
      if (!run.end_step(0)) {
        run.finish(run_end::violation, {0, 0, false});
        return;
      }
      run.begin_step(main);
      run.join_returned(main);
      (void)run.end_step(0);
      run.finish(run_end::complete, {0, 0, false});
    };
    run_report const r = replay(python_program(), {}, with(program));
    if (woken) {
      EXPECT_FALSE(r.violation) << r.violation->message;
    } else {
      ASSERT_TRUE(r.violation);
      EXPECT_EQ(r.violation->signature(), "join-late/not-woken");
    }
  }
}

TEST(observed,
     task_done_names_no_item_so_the_oldest_held_is_acknowledged_and_one_too_many_is_an_over_ack) {
  auto program = [](observed_run& run) {
    observed_task const main = run.add_task("main");
    run.begin_step(main);
    run.queue_made(queue::queue_kind::fifo, 0);
    std::uint32_t const a = run.new_item();
    std::uint32_t const b = run.new_item();
    run.put(main, a, 1);
    run.put(main, b, 2);
    run.got(main, a, 2);
    run.got(main, b, 2);
    EXPECT_EQ(run.acked(main, 1, false), a);
    EXPECT_EQ(run.acked(main, 0, false), b);
    EXPECT_EQ(run.acked(main, 0, true), b);  // ValueError: acknowledges b again
    (void)run.end_step(0);
    run.finish(run_end::complete, {0, 0, false});
  };
  run_report const r = replay(python_program(), {}, with(program));
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->signature().substr(0, 9), "over-ack/") << r.violation->signature();
}

TEST(observed, a_drawn_cancellation_is_handed_to_the_runner_for_a_waiting_task) {
  auto program = [](observed_run& run) {
    observed_task const main = run.add_task("main");
    observed_task const worker = run.add_task("worker");
    run.begin_step(main);
    run.queue_made(queue::queue_kind::fifo, 0);
    (void)run.end_step(0);
    EXPECT_TRUE(run.between_steps().empty());  // nobody waits: nothing to cancel
    run.begin_step(worker);
    run.begin_wait(worker, wait_kind::get);
    (void)run.end_step(0);
    std::span<const observed_action> const actions = run.between_steps();
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].what, observed_action::kind::cancel);
    EXPECT_EQ(actions[0].task, worker);
    run.begin_step(worker);
    run.end_wait(worker);
    run.task_ended(worker);
    (void)run.end_step(0);
    EXPECT_TRUE(run.between_steps().empty());  // the budget is spent
    (void)main;
    run.finish(run_end::complete, {0, 0, false});
  };
  // Offered (1 of 2), then the victim (the only one).
  run_report const r = replay(python_program(0, 1), std::vector<std::uint32_t>{1}, with(program));
  EXPECT_FALSE(r.violation) << r.violation->message;
}

TEST(observed, a_python_workload_needs_its_runner_and_keeps_to_what_a_program_sets) {
  EXPECT_THROW((void)replay(python_program(), {}, {}), std::logic_error);
  EXPECT_TRUE(validate(python_program()).empty());
  workload w = python_program();
  w.consumers = 5;
  ASSERT_EQ(validate(w).size(), 1U);
  EXPECT_NE(validate(w)[0].find("consumers: a Python program makes its own tasks"),
            std::string::npos);
  w = python_program();
  w.program.text.clear();
  EXPECT_FALSE(validate(w).empty());
  w = workload{};
  w.program.text = "tests.seed:main";
  EXPECT_FALSE(validate(w).empty());  // a program outside mode python
  EXPECT_EQ(describe(python_program(1)).find("consumers"), std::string::npos)
      << describe(python_program(1));
}

TEST(observed, a_queue_call_that_raises_what_its_contract_forbids_is_the_queues_error) {
  auto program = [](observed_run& run) {
    observed_task const main = run.add_task("main");
    run.begin_step(main);
    run.queue_made(queue::queue_kind::fifo, 0);
    EXPECT_FALSE(run.queue_raised(main, "consumer", -1, "RuntimeError: no"));  // not a call
    EXPECT_TRUE(run.queue_raised(main, "get_nowait", -1, "RuntimeError: queue is paused"));
    EXPECT_FALSE(run.end_step(0));
    run.finish(run_end::violation, {0, 0, false});
  };
  run_report const r = replay(python_program(), {}, with(program));
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->signature(), "task-error/queue-raised");
  EXPECT_NE(r.violation->message.find("main's get raised RuntimeError: queue is paused"),
            std::string::npos)
      << r.violation->message;
}

TEST(observed, a_runner_that_returns_without_finishing_is_refused) {
  EXPECT_THROW((void)replay(python_program(), {}, with([](observed_run&) {})), std::logic_error);
}

}  // namespace
}  // namespace chaosq::harness

#include "chaosq/sim/loop.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/sim/event.hpp"

namespace chaosq::sim {
namespace {

using namespace std::chrono_literals;

task<void> record_steps(std::vector<std::string>& log, std::string name, int yields) {
  for (int i = 0; i < yields; ++i) {
    log.push_back(name + std::to_string(i));
    co_await yield();
  }
  log.push_back(name + "-end");
}

TEST(loop, runs_ready_tasks_first_in_first_out) {
  loop l;
  std::vector<std::string> log;
  l.spawn(record_steps(log, "a", 2));
  l.spawn(record_steps(log, "b", 1));
  auto r = l.run();
  EXPECT_EQ(r.status, run_status::complete);
  EXPECT_EQ(r.steps, 5U);
  EXPECT_EQ(log, (std::vector<std::string>{"a0", "b0", "a1", "b-end", "a-end"}));
}

TEST(loop, a_task_is_lazy_until_spawned_or_awaited) {
  bool ran = false;
  auto body = [&]() -> task<void> {
    ran = true;
    co_return;
  };
  task<void> t = body();
  EXPECT_FALSE(ran);
  loop l;
  l.spawn(std::move(t));
  EXPECT_FALSE(ran) << "spawn only schedules";
  l.step();
  EXPECT_TRUE(ran);
}

task<int> answer() { co_return 42; }
task<int> fails() {
  throw std::runtime_error("boom");
  co_return 0;
}

TEST(loop, awaited_tasks_run_inline_and_rethrow) {
  loop l;
  auto h = l.spawn([]() -> task<std::string> {
    int const v = co_await answer();
    try {
      co_await fails();
    } catch (const std::runtime_error& e) {
      co_return std::to_string(v) + e.what();
    }
    co_return "not reached";
  }());
  auto r = l.run();
  EXPECT_EQ(r.steps, 1U) << "awaiting a coroutine does not give the loop a step";
  EXPECT_EQ(h.result(), "42boom");
}

TEST(loop, a_task_that_throws_is_failed_and_its_result_rethrows) {
  loop l;
  auto h = l.spawn(fails());
  l.run();
  EXPECT_EQ(h.outcome(), task_outcome::failed);
  EXPECT_THROW(h.result(), std::runtime_error);
  EXPECT_NE(h.exception(), nullptr);
}

task<void> exits_with(std::exception_ptr error, error_kind kind) {
  co_await exit_with(std::move(error), kind);
}

TEST(loop, exit_with_ends_a_task_as_if_it_had_thrown) {
  loop l;
  auto failed =
      l.spawn(exits_with(std::make_exception_ptr(injected_fault("quiet")), error_kind::failure));
  auto cancelled =
      l.spawn(exits_with(std::make_exception_ptr(cancelled_error{}), error_kind::cancellation));
  auto awaiting = l.spawn([]() -> task<std::string> {
    try {
      co_await exits_with(std::make_exception_ptr(injected_fault("inner")), error_kind::failure);
    } catch (const injected_fault& e) {
      co_return e.what();
    }
    co_return "not reached";
  }());
  l.run();
  EXPECT_EQ(failed.outcome(), task_outcome::failed);
  EXPECT_THROW(failed.result(), injected_fault);
  EXPECT_EQ(cancelled.outcome(), task_outcome::cancelled);
  EXPECT_EQ(awaiting.result(), "inner") << "an awaiter sees the exception rethrown";
}

TEST(loop, settled_hands_back_what_a_wait_would_raise_without_raising_it) {
  loop l;
  future crashed_on;
  future cancelled_on;
  future completed;
  auto settle = [](future& f) -> task<raised> { co_return co_await f.settled(); };
  auto crashed = l.spawn(settle(crashed_on));
  auto cancelled = l.spawn(settle(cancelled_on));
  auto fine = l.spawn(settle(completed));
  l.run();  // all three wait
  std::exception_ptr const fault = std::make_exception_ptr(injected_fault("struck"));
  EXPECT_TRUE(crashed.inject(fault));
  EXPECT_TRUE(cancelled.cancel());
  completed.set_result();
  l.run();
  ASSERT_EQ(crashed.outcome(), task_outcome::returned) << "the fault came back as a value";
  EXPECT_EQ(crashed.result().error, fault) << "the very exception injected";
  EXPECT_EQ(crashed.result().kind, error_kind::failure);
  ASSERT_EQ(cancelled.outcome(), task_outcome::returned);
  EXPECT_EQ(cancelled.result().kind, error_kind::cancellation);
  EXPECT_THROW(std::rethrow_exception(cancelled.result().error), cancelled_error);
  EXPECT_FALSE(fine.result()) << "a completed wait raises nothing";
}

TEST(loop, a_task_settled_gives_its_value_or_what_it_raised_told_or_not) {
  loop l;
  auto h = l.spawn([]() -> task<std::string> {
    std::string out;
    result<int> const value = co_await []() -> task<int> { co_return 7; }().settled();
    out += value.value ? std::to_string(*value.value) : "none";
    result<int> const thrown = co_await []() -> task<int> {
      throw cancelled_error{};
      co_return 0;
    }()
                                                    .settled();
    // Thrown out of a body: not told, found by rethrowing it.
    out += thrown.error.kind ? " told" : " untold";
    out += thrown.error.classify() == error_kind::cancellation ? " cancellation" : " failure";
    raised const told =
        co_await exits_with(std::make_exception_ptr(injected_fault("quiet")), error_kind::failure)
            .settled();
    out += told.kind == error_kind::failure ? " failure" : " other";
    co_return out;
  }());
  l.run();
  EXPECT_EQ(h.result(), "7 untold cancellation failure");
}

TEST(loop, cancelling_a_task_waiting_on_a_pending_future_cancels_the_future_at_once) {
  loop l;
  future f;
  auto h = l.spawn([](future& fut) -> task<void> { co_await fut; }(f));
  l.step();
  EXPECT_TRUE(h.waiting());
  EXPECT_TRUE(h.cancel());
  EXPECT_TRUE(f.cancelled()) << "the future is cancelled by cancel() itself";
  EXPECT_FALSE(h.done());
  l.run();
  EXPECT_TRUE(h.cancelled());
  EXPECT_FALSE(h.cancel()) << "a done task cannot be cancelled";
}

TEST(loop, a_task_woken_before_its_cancel_sees_it_at_the_next_resume) {
  loop l;
  future f;
  bool after_await = false;
  auto h = l.spawn([](future& fut, bool& after) -> task<void> {
    co_await fut;
    after = true;
  }(f, after_await));
  l.step();
  f.set_result();
  EXPECT_TRUE(h.cancel());
  EXPECT_FALSE(f.cancelled()) << "the future was already done: only a flag is set";
  l.run();
  EXPECT_FALSE(after_await);
  EXPECT_TRUE(h.cancelled());
}

TEST(loop, cancellation_can_be_caught_and_the_task_goes_on) {
  loop l;
  future f;
  auto h = l.spawn([](future& fut) -> task<int> {
    try {
      co_await fut;
    } catch (const cancelled_error&) {
      co_return 7;
    }
    co_return 0;
  }(f));
  l.step();
  h.cancel();
  l.run();
  EXPECT_EQ(h.outcome(), task_outcome::returned);
  EXPECT_EQ(h.result(), 7);
}

TEST(loop, a_task_cancelled_before_its_first_step_never_runs) {
  loop l;
  bool ran = false;
  auto h = l.spawn([](bool& r) -> task<void> {
    r = true;
    co_return;
  }(ran));
  h.cancel();
  auto res = l.run();
  EXPECT_EQ(res.steps, 1U);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(h.cancelled());
}

TEST(loop, injected_faults_are_their_own_exception_type) {
  loop l;
  future f;
  auto h = l.spawn([](future& fut) -> task<void> { co_await fut; }(f));
  l.step();
  EXPECT_TRUE(h.inject(std::make_exception_ptr(injected_fault("crash"))));
  l.run();
  EXPECT_EQ(h.outcome(), task_outcome::failed);
  EXPECT_THROW(std::rethrow_exception(h.exception()), injected_fault);
}

TEST(loop, quiescence_with_a_blocked_task_is_an_outcome_not_a_timeout) {
  loop l;
  future never;
  auto h = l.spawn([](future& fut) -> task<void> { co_await fut; }(never));
  auto r = l.run();
  EXPECT_EQ(r.status, run_status::quiescent);
  EXPECT_TRUE(h.waiting());
  EXPECT_EQ(l.live_tasks(), 1U);
}

TEST(loop, the_step_budget_bounds_a_livelock) {
  loop l;
  l.spawn([]() -> task<void> {
    for (;;) co_await yield();
  }());
  auto r = l.run(100);
  EXPECT_EQ(r.status, run_status::step_budget);
  EXPECT_EQ(r.steps, 100U);
}

TEST(loop, sleep_advances_virtual_time_only_when_nothing_is_ready) {
  loop l;
  std::vector<std::string> log;
  l.spawn([](std::vector<std::string>& out) -> task<void> {
    co_await sleep(20ms);
    out.push_back("slow@" + std::to_string(running_loop().now().count()));
  }(log));
  l.spawn([](std::vector<std::string>& out) -> task<void> {
    co_await sleep(10ms);
    out.push_back("fast@" + std::to_string(running_loop().now().count()));
  }(log));
  EXPECT_EQ(l.run().status, run_status::complete);
  EXPECT_EQ(log, (std::vector<std::string>{"fast@10000000", "slow@20000000"}));
}

// ---- timers join the ready queue as asyncio's BaseEventLoop._run_once moves them ------------
//
// Each expected log below was printed by CPython 3.13.0 running this program (the "main" task
// stands for the set-up the C++ tests do before their first step):
//
//   import asyncio
//   log = []
//   async def rec(name, yields, loop=None, timer_at=None):   # record_steps, plus case2's timer
//       for i in range(yields):
//           log.append(f"{name}{i}")
//           if timer_at == i:
//               loop.call_later(0, log.append, "T")
//           await asyncio.sleep(0)
//       log.append(f"{name}-end")
//   async def case1():
//       loop = asyncio.get_running_loop()
//       loop.call_later(0, log.append, "T")
//       await asyncio.gather(*[asyncio.create_task(rec(n, 1)) for n in "abc"])
//   async def case2():
//       loop = asyncio.get_running_loop()
//       await asyncio.gather(asyncio.create_task(rec("a", 3, loop, 0)),
//                            asyncio.create_task(rec("b", 3)))
//   async def waiter(fut):
//       await fut
//       log.append("w")
//   async def case3():
//       loop = asyncio.get_running_loop()
//       fut = loop.create_future()
//       w = asyncio.create_task(waiter(fut))
//       await asyncio.sleep(0)                                  # w waits on fut
//       loop.call_later(0, fut.set_result, None)
//       await asyncio.gather(w, *[asyncio.create_task(rec(n, 2)) for n in "abc"])
//   async def case4():
//       loop = asyncio.get_running_loop()
//       h = loop.call_later(0, log.append, "T")
//       async def canceller():
//           log.append("x"); h.cancel()
//       await asyncio.gather(asyncio.create_task(rec("a", 1)), asyncio.create_task(canceller()))
//   async def case5():                                          # as case3, plus timers
//       loop = asyncio.get_running_loop()
//       fut = loop.create_future()
//       w = asyncio.create_task(waiter(fut))
//       await asyncio.sleep(0)
//       loop.call_later(0, fut.set_result, None)
//       await asyncio.gather(w, *[asyncio.create_task(rec(n, 3, loop, 1)) for n in "abc"])
//   for c in (case1, case2, case3, case4, case5):
//       log.clear(); asyncio.run(c()); print(c.__name__, " ".join(log))
//
// prints
//   case1 a0 b0 c0 T a-end b-end c-end
//   case2 a0 b0 a1 b1 T a2 b2 a-end b-end
//   case3 a0 b0 c0 a1 b1 c1 w a-end b-end c-end
//   case4 a0 x a-end
//   case5 a0 b0 c0 a1 b1 c1 w a2 b2 c2 T T T a-end b-end c-end

using log_t = std::vector<std::string>;

// case1
TEST(loop, a_timer_due_now_runs_after_the_tasks_already_ready_and_before_what_they_schedule) {
  loop l;
  log_t log;
  l.call_later(0ns, [&log] { log.push_back("T"); });
  for (const char* n : {"a", "b", "c"}) l.spawn(record_steps(log, n, 1));
  EXPECT_EQ(l.run().status, run_status::complete);
  EXPECT_EQ(log, (log_t{"a0", "b0", "c0", "T", "a-end", "b-end", "c-end"}));
  EXPECT_EQ(l.now(), duration{0}) << "nothing waited, so no virtual time passed";
}

task<void> record_steps_setting_a_timer(log_t& log, std::string name, int yields, int timer_at) {
  for (int i = 0; i < yields; ++i) {
    log.push_back(name + std::to_string(i));
    if (i == timer_at) running_loop().call_later(0ns, [&log] { log.push_back("T"); });
    co_await yield();
  }
  log.push_back(name + "-end");
}

// case2
TEST(loop, a_zero_delay_timer_set_by_a_task_joins_the_queue_at_the_next_iteration) {
  loop l;
  log_t log;
  l.spawn(record_steps_setting_a_timer(log, "a", 3, 0));
  l.spawn(record_steps(log, "b", 3));
  l.run();
  EXPECT_EQ(log, (log_t{"a0", "b0", "a1", "b1", "T", "a2", "b2", "a-end", "b-end"}));
}

task<void> wait_then_log(future& f, log_t& log) {
  co_await f;
  log.push_back("w");
}

// case3
TEST(loop, a_task_woken_by_a_timer_queues_behind_the_tasks_ready_with_the_timer) {
  loop l;
  log_t log;
  future f;
  l.spawn(wait_then_log(f, log));
  l.step();  // w waits on f
  l.call_later(0ns, [&f] { f.set_result(); });
  for (const char* n : {"a", "b", "c"}) l.spawn(record_steps(log, n, 2));
  l.run();
  EXPECT_EQ(log, (log_t{"a0", "b0", "c0", "a1", "b1", "c1", "w", "a-end", "b-end", "c-end"}));
}

// case4
TEST(loop, a_timer_cancelled_while_in_the_ready_queue_never_runs) {
  loop l;
  log_t log;
  std::uint64_t const timer = l.call_later(0ns, [&log] { log.push_back("T"); });
  l.spawn(record_steps(log, "a", 1));
  l.spawn([](loop& lp, log_t& out, std::uint64_t id) -> task<void> {
    out.push_back("x");
    lp.cancel_timer(id);
    co_return;
  }(l, log, timer));
  l.step();  // a0: the timer is now in the ready queue, behind x
  EXPECT_TRUE(l.has_timers());
  l.run();
  EXPECT_EQ(log, (log_t{"a0", "x", "a-end"}));
  EXPECT_FALSE(l.has_timers());
}

TEST(loop, virtual_time_waits_for_the_ready_queue_to_empty) {
  loop l;
  log_t log;
  l.call_later(1ms, [&log, &l] { log.push_back("T@" + std::to_string(l.now().count())); });
  l.spawn(record_steps(log, "a", 2));
  l.spawn([](log_t& out) -> task<void> {  // keeps the loop running past the timer
    co_await sleep(2ms);
    out.push_back("s@" + std::to_string(running_loop().now().count()));
  }(log));
  l.run();
  EXPECT_EQ(log, (log_t{"a0", "a1", "a-end", "T@1000000", "s@2000000"}));
}

TEST(loop, decided_picks_choose_among_tasks_only_and_a_timer_keeps_its_place_in_line) {
  // As case1, but the stream picks c (of a, b, c: a timer is never a choice), leaving the line
  // [a, b, T, c]; c again (passing T, as it passes a and b); then b, leaving [a, T, b]; the
  // exhausted stream then reads 0: a, then T at the front runs, then b and a.
  std::vector<std::uint32_t> const picks{2, 2, 1};
  replay_decisions decisions(picks);
  loop l(decisions);
  log_t log;
  l.call_later(0ns, [&log] { log.push_back("T"); });
  for (const char* n : {"a", "b", "c"}) l.spawn(record_steps(log, n, 1));
  l.run();
  EXPECT_EQ(log, (log_t{"c0", "c-end", "b0", "a0", "T", "b-end", "a-end"}));
  EXPECT_EQ(decisions.bounds(), (std::vector<std::uint32_t>{3, 3, 2, 2, 2}))
      << "a pick never counts a timer as an alternative";
}

TEST(loop, an_exhausted_stream_is_asyncio_order_with_timers_too) {
  replay_decisions none({});
  loop decided(none);
  loop fifo;
  log_t a;
  log_t b;
  future fa;
  future fb;
  decided.spawn(wait_then_log(fa, a));
  fifo.spawn(wait_then_log(fb, b));
  decided.step();
  fifo.step();
  decided.call_later(0ns, [&fa] { fa.set_result(); });
  fifo.call_later(0ns, [&fb] { fb.set_result(); });
  for (const char* n : {"a", "b", "c"}) {
    decided.spawn(record_steps_setting_a_timer(a, n, 3, 1));
    fifo.spawn(record_steps_setting_a_timer(b, n, 3, 1));
  }
  decided.run();
  fifo.run();
  EXPECT_EQ(a, b);
  // case5 in the program above: as case3, each task also setting a timer on its second step.
  EXPECT_EQ(a, (log_t{"a0", "b0", "c0", "a1", "b1", "c1", "w", "a2", "b2", "c2", "T", "T", "T",
                      "a-end", "b-end", "c-end"}));
}

TEST(loop, wait_for_turns_its_deadline_into_timeout_error) {
  loop l;
  future never;
  auto h = l.spawn([](future& fut) -> task<void> {
    co_await wait_for([](future& f) -> task<void> { co_await f; }(fut), 100ms);
  }(never));
  l.run();
  EXPECT_THROW(h.result(), timeout_error);
  EXPECT_FALSE(l.has_timers());
}

TEST(loop, wait_for_with_a_zero_timeout_never_runs_the_operation) {
  loop l;
  bool ran = false;
  auto h = l.spawn([](bool& r) -> task<void> {
    co_await wait_for(
        [](bool& r2) -> task<void> {
          r2 = true;
          co_return;
        }(r),
        0ms);
  }(ran));
  l.run();
  EXPECT_THROW(h.result(), timeout_error);
  EXPECT_FALSE(ran) << "asyncio cancels the wrapping task before its first step";
}

TEST(loop, wait_for_returns_the_value_when_in_time) {
  loop l;
  auto h = l.spawn([]() -> task<int> { co_return co_await wait_for(answer(), 1ms); }());
  l.run();
  EXPECT_EQ(h.result(), 42);
  EXPECT_FALSE(l.has_timers()) << "the deadline timer is cancelled when the operation ends";
}

TEST(loop, awaiting_a_task_waits_for_its_result) {
  loop l;
  future gate;
  auto worker = l.spawn([](future& g) -> task<int> {
    co_await g;
    co_return 5;
  }(gate));
  auto boss = l.spawn([](task_handle<int> w) -> task<int> { co_return co_await w + 1; }(worker));
  l.run();
  EXPECT_EQ(l.live_tasks(), 2U);
  gate.set_result();
  l.run();
  EXPECT_EQ(boss.result(), 6);
}

TEST(loop, cancelling_a_task_that_awaits_another_cancels_the_other) {
  loop l;
  future gate;
  auto worker = l.spawn([](future& g) -> task<void> { co_await g; }(gate));
  auto boss = l.spawn([](task_handle<void> w) -> task<void> { co_await w; }(worker));
  l.run();
  EXPECT_TRUE(boss.cancel());
  EXPECT_TRUE(gate.cancelled());
  l.run();
  EXPECT_TRUE(worker.cancelled());
  EXPECT_TRUE(boss.cancelled());
}

TEST(event, set_wakes_every_waiter_and_clear_does_not_unwake) {
  loop l;
  event e;
  int woke = 0;
  auto waiter = [](event& ev, int& n) -> task<void> {
    co_await ev.wait();
    ++n;
  };
  l.spawn(waiter(e, woke));
  l.spawn(waiter(e, woke));
  l.run();
  EXPECT_EQ(e.waiter_count(), 2U);
  e.set();
  e.clear();
  l.run();
  EXPECT_EQ(woke, 2);
  EXPECT_EQ(e.waiter_count(), 0U);
}

TEST(loop, decided_order_picks_the_ready_task_the_stream_names) {
  std::vector<std::uint32_t> const picks{1, 0};
  replay_decisions decisions(picks);
  loop l(decisions);
  std::vector<std::string> log;
  l.spawn(record_steps(log, "a", 0));
  l.spawn(record_steps(log, "b", 0));
  l.spawn(record_steps(log, "c", 0));
  l.run();
  EXPECT_EQ(log, (std::vector<std::string>{"b-end", "a-end", "c-end"}));
  EXPECT_EQ(decisions.record(), (std::vector<std::uint32_t>{1, 0}))
      << "the last choice had one option and reads nothing";
}

TEST(loop, an_exhausted_stream_is_asyncio_order) {
  replay_decisions none({});
  loop decided(none);
  loop fifo;
  std::vector<std::string> a;
  std::vector<std::string> b;
  for (const char* n : {"x", "y", "z"}) {
    decided.spawn(record_steps(a, n, 2));
    fifo.spawn(record_steps(b, n, 2));
  }
  decided.run();
  fifo.run();
  EXPECT_EQ(a, b);
  EXPECT_TRUE(none.exhausted());
  EXPECT_EQ(none.record(), std::vector<std::uint32_t>(none.record().size(), 0U));
}

TEST(loop, use_asyncio_order_stops_drawing_scheduling_decisions) {
  // A stream that always passes over the front task, then asyncio's order from the third step.
  std::vector<std::uint32_t> const ones(100, 1);
  replay_decisions decisions(ones);
  loop l(decisions);
  std::vector<std::string> log;
  for (const char* n : {"a", "b", "c"}) l.spawn(record_steps(log, n, 1));
  l.step();  // [a b c]: b, which goes to the back
  l.step();  // [a c b]: c
  l.use_asyncio_order();
  l.run();  // [a b c] in line, first in first out
  EXPECT_EQ(log, (std::vector<std::string>{"b0", "c0", "a0", "b-end", "c-end", "a-end"}));
  EXPECT_EQ(decisions.record(), (std::vector<std::uint32_t>{1, 1}))
      << "no decision is drawn once in asyncio's order";
}

TEST(loop, destroying_the_loop_destroys_suspended_frames) {
  int alive = 0;
  struct tracker {
    int* n;
    explicit tracker(int* c) : n(c) { ++*n; }
    ~tracker() { --*n; }
    tracker(const tracker&) = delete;
    tracker& operator=(const tracker&) = delete;
  };
  {
    future never;
    loop l;
    l.spawn([](future& f, int* n) -> task<void> {
      tracker const t(n);
      co_await f;
    }(never, &alive));
    l.run();
    EXPECT_EQ(alive, 1);
  }
  EXPECT_EQ(alive, 0);
}

}  // namespace
}  // namespace chaosq::sim

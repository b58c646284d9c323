#include "chaosq/sync/sync.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/sim/decision.hpp"
#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/loop.hpp"

namespace {

using namespace std::chrono_literals;
namespace sync = chaosq::sync;
using chaosq::sim::random_decisions;
using chaosq::sim::replay_decisions;

// Two threads increment a counter with a load and a store each: an update is lost exactly
// when both load before either stores.
void racy_counter(int& result) {
  sync::atomic<int> counter{0};
  auto bump = [&counter] {
    int const seen = counter.load();
    counter.store(seen + 1);
  };
  sync::thread a(bump);
  sync::thread b(bump);
  a.join();
  b.join();
  result = counter.load();
}

TEST(sync, a_run_in_fifo_order_is_the_same_every_time) {
  int first = 0;
  sync::run_result const r = sync::run([&first] { racy_counter(first); });
  EXPECT_EQ(r.status, sync::run_status::complete) << r.describe();
  EXPECT_TRUE(r.decisions.empty());
  for (int i = 0; i < 3; ++i) {
    int again = 0;
    sync::run_result const r2 = sync::run([&again] { racy_counter(again); });
    EXPECT_EQ(again, first);
    EXPECT_EQ(r2.steps, r.steps);
  }
}

TEST(sync, the_decision_stream_finds_both_outcomes_of_a_race_and_replays_each) {
  std::set<int> seen;
  std::vector<std::uint32_t> lost_update;
  for (std::uint64_t seed = 0; seed < 200 && seen.size() < 2; ++seed) {
    int result = 0;
    random_decisions d(seed);
    sync::run_result const r = sync::run([&result] { racy_counter(result); }, d);
    ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
    seen.insert(result);
    if (result == 1 && lost_update.empty()) lost_update = r.decisions;
  }
  EXPECT_EQ(seen, (std::set<int>{1, 2}));
  ASSERT_FALSE(lost_update.empty());
  for (int i = 0; i < 3; ++i) {
    int result = 0;
    replay_decisions d(lost_update);
    sync::run_result const r = sync::run([&result] { racy_counter(result); }, d);
    EXPECT_EQ(result, 1);
    EXPECT_EQ(r.decisions, lost_update);
  }
}

TEST(sync, a_mutex_makes_the_increment_atomic_under_every_schedule) {
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    int result = 0;
    random_decisions d(seed);
    sync::run_result const r = sync::run(
        [&result] {
          sync::mutex m;
          int counter = 0;
          auto bump = [&] {
            for (int i = 0; i < 3; ++i) {
              sync::lock_guard<sync::mutex> const g(m);
              int const seen = counter;
              sync::this_thread::yield();  // a scheduling point inside the critical section
              counter = seen + 1;
            }
          };
          sync::thread a(bump);
          sync::thread b(bump);
          bump();
          a.join();
          b.join();
          result = counter;
        },
        d);
    ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
    ASSERT_EQ(result, 9) << "seed " << seed;
  }
}

TEST(sync, locking_in_opposite_orders_deadlocks_under_some_schedule_and_says_where) {
  bool found = false;
  for (std::uint64_t seed = 0; seed < 200 && !found; ++seed) {
    random_decisions d(seed);
    sync::run_result const r = sync::run(
        [] {
          sync::mutex a;
          sync::mutex b;
          sync::thread t([&] {
            sync::scoped_lock<sync::mutex> const l1(b);
            sync::lock_guard<sync::mutex> const l2(a);
          });
          {
            sync::lock_guard<sync::mutex> const l1(a);
            sync::lock_guard<sync::mutex> const l2(b);
          }
          t.join();
        },
        d);
    if (r.status != sync::run_status::deadlock) {
      ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
      continue;
    }
    found = true;
    ASSERT_EQ(r.blocked.size(), 2U) << r.describe();
    EXPECT_EQ(r.blocked[0].name, "main");
    EXPECT_EQ(r.blocked[0].where, "mutex::lock");
    EXPECT_EQ(r.blocked[1].where, "mutex::lock");
    EXPECT_NE(r.describe().find("deadlock after"), std::string::npos);
  }
  EXPECT_TRUE(found);
}

TEST(sync, a_wait_without_a_predicate_loop_breaks_only_when_wake_ups_may_be_spurious) {
  auto program = [](bool& saw_unset) {
    return [&saw_unset] {
      sync::mutex m;
      sync::condition_variable cv;
      bool ready = false;
      sync::thread t([&] {
        sync::lock_guard<sync::mutex> const g(m);
        ready = true;
        cv.notify_one();
      });
      {
        sync::unique_lock<sync::mutex> lock(m);
        if (!ready) cv.wait(lock);  // the bug: `if`, not `while`
        saw_unset = !ready;
      }
      t.join();
    };
  };
  for (bool const spurious : {false, true}) {
    bool broke = false;
    for (std::uint64_t seed = 0; seed < 300 && !broke; ++seed) {
      bool saw_unset = false;
      random_decisions d(seed);
      sync::run_options opts;
      opts.threads.spurious_wakeups = spurious;
      sync::run_result const r = sync::run(program(saw_unset), d, opts);
      ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
      broke = saw_unset;
    }
    EXPECT_EQ(broke, spurious);
  }
}

TEST(sync, a_notification_sent_before_the_wait_is_lost_and_the_waiter_hangs) {
  // The classic lost wake-up: the waiter checks nothing before it waits.
  bool hung = false;
  bool completed = false;
  for (std::uint64_t seed = 0; seed < 200 && !(hung && completed); ++seed) {
    random_decisions d(seed);
    sync::run_result const r = sync::run(
        [] {
          sync::mutex m;
          sync::condition_variable cv;
          sync::thread t([&] {
            sync::lock_guard<sync::mutex> const g(m);
            cv.notify_one();
          });
          {
            sync::unique_lock<sync::mutex> lock(m);
            cv.wait(lock);
          }
          t.join();
        },
        d);
    if (r.status == sync::run_status::deadlock) {
      hung = true;
      ASSERT_EQ(r.blocked.size(), 1U) << r.describe();
      EXPECT_EQ(r.blocked[0].where, "condition_variable::wait");
    } else {
      ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
      completed = true;
    }
  }
  EXPECT_TRUE(hung);
  EXPECT_TRUE(completed);
}

TEST(sync, notify_one_wakes_the_waiter_the_decisions_pick) {
  std::set<int> first_woken;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    random_decisions d(seed);
    int woken = -1;
    sync::run_result const r = sync::run(
        [&woken] {
          sync::mutex m;
          sync::condition_variable cv;
          int waiting = 0;
          int go = 0;
          auto waiter = [&](int me) {
            sync::unique_lock<sync::mutex> lock(m);
            ++waiting;
            cv.wait(lock, [&] { return go > 0; });
            --go;
            if (woken < 0) woken = me;
          };
          sync::thread a(waiter, 0);
          sync::thread b(waiter, 1);
          for (;;) {
            sync::unique_lock<sync::mutex> lock(m);
            if (waiting == 2) break;
            lock.unlock();
            sync::this_thread::yield();
          }
          {
            sync::lock_guard<sync::mutex> const g(m);
            go = 2;
            cv.notify_one();
          }
          {
            sync::lock_guard<sync::mutex> const g(m);
            cv.notify_one();
          }
          a.join();
          b.join();
        },
        d);
    ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
    first_woken.insert(woken);
  }
  EXPECT_EQ(first_woken, (std::set<int>{0, 1}));
}

TEST(sync, timed_waits_pass_in_virtual_time_without_waiting) {
  sync::run_result const r = sync::run([] {
    sync::mutex m;
    sync::condition_variable cv;
    sync::unique_lock<sync::mutex> lock(m);
    auto const start = chaosq::sim::running_loop().now();
    EXPECT_EQ(cv.wait_for(lock, 5s), sync::cv_status::timeout);
    EXPECT_FALSE(cv.wait_for(lock, 2s, [] { return false; }));
    lock.unlock();
    sync::this_thread::sleep_for(1h);
    sync::counting_semaphore<4> sem(0);
    EXPECT_FALSE(sem.try_acquire_for(10ms));
    EXPECT_EQ(chaosq::sim::running_loop().now() - start, 5s + 2s + 1h + 10ms);
  });
  EXPECT_EQ(r.status, sync::run_status::complete) << r.describe();
}

TEST(sync, a_latch_and_a_semaphore_block_until_released) {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    random_decisions d(seed);
    std::vector<int> order;
    sync::run_result const r = sync::run(
        [&order] {
          sync::latch started(2);
          sync::binary_semaphore turn(0);
          sync::thread a([&] {
            started.count_down();
            turn.acquire();
            order.push_back(2);
          });
          sync::thread b([&] {
            started.arrive_and_wait();
            order.push_back(1);
            turn.release();
          });
          a.join();
          b.join();
        },
        d);
    ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
    ASSERT_EQ(order, (std::vector<int>{1, 2})) << "seed " << seed;
  }
}

TEST(sync, an_exception_that_ends_a_thread_fails_the_run_and_names_the_thread) {
  sync::run_result const r = sync::run([] {
    sync::thread t([] { throw std::runtime_error("worker blew up"); });
    t.join();
  });
  ASSERT_EQ(r.status, sync::run_status::failed);
  EXPECT_EQ(r.failed_thread, "t1");
  EXPECT_NE(r.describe().find("thread t1 ended with: worker blew up"), std::string::npos)
      << r.describe();
}

TEST(sync, misuse_the_standard_would_terminate_on_is_reported) {
  sync::run_result const r = sync::run([] {
    sync::thread t([] {});
    // destroyed while joinable
  });
  ASSERT_EQ(r.status, sync::run_status::failed) << r.describe();
  ASSERT_EQ(r.misuse.size(), 1U);
  EXPECT_NE(r.misuse[0].find("destroyed while joinable"), std::string::npos);

  sync::run_result const twice = sync::run([] {
    sync::mutex m;
    sync::lock_guard<sync::mutex> const g(m);
    m.lock();
  });
  ASSERT_EQ(twice.status, sync::run_status::failed);
  EXPECT_NE(twice.describe().find("already holds this mutex"), std::string::npos)
      << twice.describe();
}

TEST(sync, waiting_outside_every_thread_is_an_error_not_a_hang) {
  sync::mutex m;
  m.lock();  // outside every thread, free: taken without a scheduling point
  EXPECT_THROW(m.lock(), std::logic_error);
  m.unlock();
  sync::latch l(1);
  EXPECT_THROW(l.wait(), std::logic_error);
  EXPECT_THROW(sync::thread([] {}), std::logic_error);
}

TEST(sync, threads_blocked_at_the_end_are_unwound_and_their_objects_destroyed) {
  static int alive = 0;
  struct counted {
    counted() { ++alive; }
    counted(const counted&) = delete;
    counted& operator=(const counted&) = delete;
    ~counted() { --alive; }
  };
  sync::run_result const r = sync::run([] {
    counted const here;
    sync::mutex m;
    sync::condition_variable cv;
    sync::thread t([&] {
      counted const there;
      sync::unique_lock<sync::mutex> lock(m);
      cv.wait(lock);  // never notified
    });
    t.join();
  });
  EXPECT_EQ(r.status, sync::run_status::deadlock) << r.describe();
  EXPECT_EQ(alive, 0);
}

TEST(sync, an_exception_being_handled_in_one_thread_is_invisible_to_the_others) {
  sync::run_result const r = sync::run([] {
    sync::mutex m;
    auto handler = [&m](int me) {
      try {
        throw me;
      } catch (int caught) {
        for (int i = 0; i < 3; ++i) {
          sync::lock_guard<sync::mutex> const g(m);  // switches threads inside the handler
          EXPECT_EQ(std::uncaught_exceptions(), 0);
        }
        try {
          throw;
        } catch (int again) {
          EXPECT_EQ(again, caught);
        }
      }
    };
    sync::thread a(handler, 1);
    sync::thread b(handler, 2);
    handler(0);
    a.join();
    b.join();
  });
  EXPECT_EQ(r.status, sync::run_status::complete) << r.describe();
}

// A cancellation or an injected fault aimed at the task raises at the thread's next operation
// that may wait, never at one that must not raise.
TEST(sync, a_fault_aimed_at_a_task_raises_in_its_blocking_call_at_the_next_wait) {
  chaosq::sim::loop l;
  sync::runtime const rt(nullptr);
  sync::mutex m;
  sync::condition_variable cv;
  std::vector<std::string> seen;
  auto worker = [&]() -> chaosq::sim::task<void> {
    try {
      co_await sync::blocking_call([&] {
        sync::unique_lock<sync::mutex> lock(m);
        cv.wait(lock);
        seen.emplace_back("notified");
      });
    } catch (const chaosq::sim::injected_fault& f) {
      seen.emplace_back(std::string("fault: ") + f.what());
    }
    co_return;
  };
  auto t = l.spawn(worker(), "worker");
  l.run();
  ASSERT_TRUE(t.waiting());
  t.inject(std::make_exception_ptr(chaosq::sim::injected_fault("crash while waiting")));
  l.run();
  EXPECT_TRUE(t.done());
  EXPECT_EQ(seen, (std::vector<std::string>{"fault: crash while waiting"}));
  EXPECT_FALSE(m.locked()) << "the wait took the lock again before the fault escaped it";
}

TEST(sync, blocking_call_returns_what_the_call_returns) {
  chaosq::sim::loop l;
  sync::runtime const rt(nullptr);
  sync::counting_semaphore<8> items(0);
  int got = 0;
  auto consumer = [&]() -> chaosq::sim::task<void> {
    got = co_await sync::blocking_call([&] {
      items.acquire();
      return 42;
    });
  };
  auto producer = [&]() -> chaosq::sim::task<void> {
    co_await sync::blocking_call([&] { items.release(); });
  };
  l.spawn(consumer());
  l.spawn(producer());
  EXPECT_EQ(l.run().status, chaosq::sim::run_status::complete);
  EXPECT_EQ(got, 42);
}

TEST(sync, hardware_concurrency_is_the_runs_not_the_machines) {
  sync::run_options opts;
  opts.threads.hardware_concurrency = 7;
  unsigned seen = 0;
  sync::run_result const r =
      sync::run([&seen] { seen = sync::thread::hardware_concurrency(); }, opts);
  EXPECT_EQ(r.status, sync::run_status::complete);
  EXPECT_EQ(seen, 7U);
}

TEST(sync, a_thread_that_spins_runs_out_the_step_budget) {
  sync::run_options opts;
  opts.step_budget = 1000;
  sync::run_result const r = sync::run(
      [] {
        sync::atomic<bool> never{false};
        while (!never.load()) {
        }
      },
      opts);
  EXPECT_EQ(r.status, sync::run_status::step_budget);
  EXPECT_EQ(r.steps, 1000U);
}

}  // namespace

namespace {
TEST(sync, a_fault_that_ends_a_blocking_call_is_handed_back_as_a_value_with_its_kind) {
  chaosq::sim::loop l;
  sync::runtime const rt(nullptr);
  sync::mutex m;
  sync::condition_variable cv;
  chaosq::sim::raised seen;
  auto worker = [&]() -> chaosq::sim::task<void> {
    seen = co_await sync::blocking_call([&] {
             sync::unique_lock<sync::mutex> lock(m);
             cv.wait(lock);
           }).settled();
  };
  auto t = l.spawn(worker(), "worker");
  l.run();
  ASSERT_TRUE(t.waiting());
  t.inject(std::make_exception_ptr(chaosq::sim::injected_fault("crash while waiting")));
  l.run();
  ASSERT_TRUE(seen);
  ASSERT_TRUE(seen.kind.has_value());
  EXPECT_EQ(*seen.kind, chaosq::sim::error_kind::failure);
}
}  // namespace

namespace {
TEST(sync, a_dropped_call_leaves_its_line_without_unwinding_its_stack) {
  sync::mutex m;
  sync::condition_variable cv;
  int destroyed = 0;
  struct counted {
    int* n;
    ~counted() { ++*n; }
  };
  {
    chaosq::sim::loop l;
    sync::runtime const rt(nullptr);
    auto call = [&](sync::call_end end) -> chaosq::sim::task<void> {
      co_await sync::blocking_call(
          [&] {
            counted const c{&destroyed};
            sync::unique_lock<sync::mutex> lock(m);
            cv.wait(lock);
          },
          sync::call_faults::raise, end);
    };
    l.spawn(call(sync::call_end::drop));
    l.spawn(call(sync::call_end::unwind));
    l.run();
    EXPECT_EQ(cv.waiting(), 2U);
  }
  EXPECT_EQ(cv.waiting(), 0U) << "both left the line";
  EXPECT_EQ(destroyed, 1) << "only the unwound call ran its destructors";
}
}  // namespace

namespace {
TEST(sync, a_thread_that_swallows_the_end_of_the_run_is_abandoned_and_reported) {
  sync::run_result const r = sync::run([] {
    sync::mutex m;
    sync::condition_variable cv;
    sync::thread t([&] {
      for (;;) {
        try {
          sync::unique_lock<sync::mutex> lock(m);
          cv.wait(lock);
        } catch (...) {  // swallows everything, the end of the run too
        }
      }
    });
    t.join();
  });
  EXPECT_EQ(r.status, sync::run_status::deadlock);
  EXPECT_EQ(r.abandoned, 1U);
  EXPECT_NE(r.describe().find("1 thread(s) kept running after the run ended"), std::string::npos)
      << r.describe();
}
}  // namespace

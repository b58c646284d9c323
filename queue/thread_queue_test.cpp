// The reference thread-safe queue (Python 3.13's queue.Queue) under controlled threads, and the
// port of CPython 3.13's Lib/test/test_queue.py, test by test under the Python names.
//
// How the port maps the Python tests:
// - The mixin tests (BaseQueueTestMixin, run by Python for Queue, LifoQueue and PriorityQueue)
//   run here once per kind, in a loop (a failure names the kind in its trace).
// - Real threads become chaosq::sync threads inside sync::run, and wall-clock sleeps virtual
//   ones. do_blocking_test's trigger thread sleeps 100 ms of virtual time before it unclogs the
//   queue; the port asserts what Python asserts (the trigger ran before the blocking call
//   returned) and that the call returned no earlier than the trigger, in virtual time.
// - Every test with more than one thread runs under 50 seeds of random_decisions (Python's
//   runs depend on how its threads interleave), and every run must complete (no deadlock, no
//   thread ending in an error).
// - Python's string items stay strings; `q.is_shutdown` is `is_shut_down()` and
//   `q.unfinished_tasks` is `unfinished()`.
//
// Ported in part:
// - test_shrinking_queue: the C++ queue's maxsize is fixed at construction (no `q.maxsize = 2`),
//   so only the part before the shrink is ported (Full at maxsize, qsize unchanged).
// - test_failing_queue (FailingQueueTest, Queue only): Python's FailingQueue raises from `_put`
//   and `_get`. A put fails here the same way, from an item whose move throws when it is stored
//   (after the wait, before the count goes up: where `_put` raises). The get half is not ported:
//   the C++ queue has no `_get` hook, and a throwing move out of the container fires after the
//   item has left it, while Python's injected failure fires before `_get` touches the deque.
//
// Not ported (they test no behaviour of queue.Queue that the C++ thread_queue has):
// - the C-accelerated variants (CQueueTest, CLifoQueueTest, CPriorityQueueTest,
//   CFailingQueueTest): the same tests against `_queue`; there is one implementation here.
// - BaseSimpleQueueTest (PySimpleQueueTest, CSimpleQueueTest): test_basic,
//   test_negative_timeout_raises_exception, test_order, test_many_threads,
//   test_many_threads_nonblock, test_many_threads_timeout, test_references: they test
//   queue.SimpleQueue, a different class with no maxsize, task_done, join or shutdown, which
//   chaosq does not provide.
// - CSimpleQueueTest.test_is_default: checks which Python class `queue.SimpleQueue` names.
// - CSimpleQueueTest.test_reentrancy: put() called re-entrantly from a `__del__` run by the
//   garbage collector; C++ has no collector that runs code inside a put.
// - test_references (above) also relies on weakrefs and the garbage collector.

#include "chaosq/queue/thread_queue.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/queue/format.hpp"
#include "chaosq/sim/decision.hpp"
#include "chaosq/sim/loop.hpp"
#include "chaosq/sync/sync.hpp"

namespace {

using namespace std::chrono_literals;
using chaosq::queue::queue_empty;
using chaosq::queue::queue_full;
using chaosq::queue::queue_kind;
using chaosq::queue::queue_shut_down;
using chaosq::queue::task_done_error;
using chaosq::queue::thread_queue;
namespace sim = chaosq::sim;
namespace sync = chaosq::sync;

constexpr int k_queue_size = 5;  // QUEUE_SIZE
constexpr int k_seeds = 50;      // runs of each randomised test
constexpr std::array k_kinds{queue_kind::fifo, queue_kind::lifo, queue_kind::priority};

sim::time_point now() { return sim::running_loop().now(); }

/// Runs `test(kind)` for each of Python's three queue classes.
template <class F>
void for_each_kind(F test) {
  for (queue_kind const k : k_kinds) {
    SCOPED_TRACE(chaosq::queue::python_name(k));
    test(k);
  }
}

/// Runs `main` as the main thread of one run in FIFO order; the run must complete.
void run_threads(const std::function<void()>& main) {
  sync::run_result const r = sync::run(main);
  ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
}

/// Runs `main` under k_seeds seeds of random decisions; every run must complete.
void run_threads_seeded(const std::function<void()>& main) {
  for (std::uint64_t seed = 0; seed < k_seeds; ++seed) {
    sim::random_decisions d(seed);
    sync::run_result const r = sync::run(main, d);
    ASSERT_EQ(r.status, sync::run_status::complete) << "seed " << seed << ": " << r.describe();
  }
}

/// threading.Event.
class event {
 public:
  void set() {
    sync::lock_guard<sync::mutex> const g(m_);
    set_ = true;
    cv_.notify_all();
  }
  [[nodiscard]] bool is_set() {
    sync::lock_guard<sync::mutex> const g(m_);
    return set_;
  }
  void wait() {
    sync::unique_lock<sync::mutex> lock(m_);
    cv_.wait(lock, [this] { return set_; });
  }

 private:
  sync::mutex m_;
  sync::condition_variable cv_;
  bool set_ = false;
};

/// _TriggerThread: sleeps (virtual) 100 ms, then records that and when it triggered and runs
/// `trigger`.
struct trigger_thread {
  explicit trigger_thread(std::function<void()> trigger)
      : thread([this, t = std::move(trigger)] {
          sync::this_thread::sleep_for(100ms);
          started = true;
          started_at = now();
          t();
        }) {}
  bool started = false;
  sim::time_point started_at{};
  sync::thread thread;
};

/// do_blocking_test: `block()` must wait until the trigger thread ran `trigger()`. Returns what
/// `block()` returns; what it raises propagates once the trigger thread is joined.
template <class Block>
std::invoke_result_t<Block&> do_blocking_test(Block block, std::function<void()> trigger) {
  trigger_thread t(std::move(trigger));
  auto check = [&t] {
    EXPECT_TRUE(t.started) << "blocking function appeared not to block";
    EXPECT_GE(now(), t.started_at) << "returned before the trigger";
  };
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<Block&>>) {
      block();
      check();
      t.thread.join();
    } else {
      auto result = block();
      check();
      t.thread.join();
      return result;
    }
  } catch (...) {
    t.thread.join();
    throw;
  }
}

/// do_exceptional_blocking_test: `block()` must raise E, and the trigger must have run.
template <class E, class Block>
void do_exceptional_blocking_test(Block block, std::function<void()> trigger) {
  trigger_thread t(std::move(trigger));
  EXPECT_THROW(block(), E) << "expected exception";
  t.thread.join();
  EXPECT_TRUE(t.started) << "trigger thread ended but event never set";
}

/// qfull(q).
template <class T>
bool qfull(thread_queue<T>& q) {
  return q.maxsize() > 0 && q.qsize() == static_cast<std::size_t>(q.maxsize());
}

TEST(thread_queue, producers_and_consumers_hand_over_every_item_and_join_returns) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    chaosq::sim::random_decisions d(seed);
    std::vector<int> got;
    sync::run_result const r = sync::run(
        [&got] {
          thread_queue<int> q(queue_kind::fifo, 1);
          sync::thread consumer([&] {
            for (;;) {
              int const item = q.get();
              if (item < 0) {
                q.task_done();
                return;
              }
              got.push_back(item);
              q.task_done();
            }
          });
          for (int i = 0; i < 4; ++i) q.put(i);
          q.put(-1);
          q.join();
          EXPECT_EQ(q.unfinished(), 0);
          consumer.join();
        },
        d);
    ASSERT_EQ(r.status, sync::run_status::complete) << r.describe();
    ASSERT_EQ(got, (std::vector<int>{0, 1, 2, 3})) << "seed " << seed;
  }
}

// ---- BaseQueueTestMixin ----

void basic_queue_test(thread_queue<int>& q, queue_kind k) {
  ASSERT_EQ(q.qsize(), 0U) << "Call this function with an empty queue";
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.full());
  q.put(111);
  q.put(333);
  q.put(222);
  std::vector<int> const target_order = k == queue_kind::fifo   ? std::vector<int>{111, 333, 222}
                                        : k == queue_kind::lifo ? std::vector<int>{222, 333, 111}
                                                                : std::vector<int>{111, 222, 333};
  std::vector<int> actual_order;
  for (int i = 0; i < 3; ++i) actual_order.push_back(q.get());
  EXPECT_EQ(actual_order, target_order) << "Didn't seem to queue the correct data!";
  for (int i = 0; i < k_queue_size - 1; ++i) {
    q.put(i);
    EXPECT_NE(q.qsize(), 0U) << "Queue should not be empty";
  }
  EXPECT_FALSE(qfull(q)) << "Queue should not be full";
  int const last = 2 * k_queue_size;
  int const full = 3 * 2 * k_queue_size;
  q.put(last);
  EXPECT_TRUE(qfull(q)) << "Queue should be full";
  EXPECT_FALSE(q.empty());
  EXPECT_TRUE(q.full());
  EXPECT_THROW(q.put(full, false), queue_full) << "Didn't appear to block with a full queue";
  sim::time_point const before_put = now();
  EXPECT_THROW(q.put(full, true, 10ms), queue_full)
      << "Didn't appear to time-out with a full queue";
  EXPECT_EQ(now() - before_put, 10ms);
  // Test a blocking put.
  do_blocking_test([&] { q.put(full); }, [&] { (void)q.get(); });
  do_blocking_test([&] { q.put(full, true, 10s); }, [&] { (void)q.get(); });
  // Empty it.
  for (int i = 0; i < k_queue_size; ++i) (void)q.get();
  EXPECT_EQ(q.qsize(), 0U) << "Queue should be empty";
  EXPECT_THROW((void)q.get(false), queue_empty) << "Didn't appear to block with an empty queue";
  sim::time_point const before_get = now();
  EXPECT_THROW((void)q.get(true, 10ms), queue_empty)
      << "Didn't appear to time-out with an empty queue";
  EXPECT_EQ(now() - before_get, 10ms);
  // Test a blocking get ('empty' in Python: any item the queue did not hold).
  int const empty = -7;
  EXPECT_EQ(do_blocking_test([&] { return q.get(); }, [&] { q.put(empty); }), empty);
  EXPECT_EQ(do_blocking_test([&] { return q.get(true, 10s); }, [&] { q.put(empty); }), empty);
}

/// queue_join_test: two workers sum the items; join returns only once every item was summed.
void queue_join_test(thread_queue<int>& q) {
  int cum = 0;
  sync::mutex cumlock;
  auto worker = [&] {
    for (;;) {
      int const x = q.get();
      if (x < 0) {
        q.task_done();
        return;
      }
      {
        sync::lock_guard<sync::mutex> const g(cumlock);
        cum += x;
      }
      q.task_done();
    }
  };
  std::vector<sync::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back(worker);
  for (int i = 0; i < 100; ++i) q.put(i);
  q.join();
  EXPECT_EQ(cum, 99 * 100 / 2) << "q.join() did not block until all tasks were done";
  for (int i = 0; i < 2; ++i) q.put(-1);  // instruct the threads to close
  q.join();                               // verify that you can join twice
  for (sync::thread& t : threads) t.join();
}

TEST(thread_queue, test_queue_task_done) {
  for_each_kind([](queue_kind k) {
    thread_queue<int> q(k);
    EXPECT_THROW(q.task_done(), task_done_error) << "Did not detect task count going negative";
  });
}

TEST(thread_queue, test_queue_join) {
  for_each_kind([](queue_kind k) {
    run_threads_seeded([k] {
      thread_queue<int> q(k);
      queue_join_test(q);
      queue_join_test(q);
      EXPECT_THROW(q.task_done(), task_done_error) << "Did not detect task count going negative";
    });
  });
}

TEST(thread_queue, test_basic) {
  for_each_kind([](queue_kind k) {
    run_threads_seeded([k] {
      // Twice, to make sure it works with the same instance reused.
      thread_queue<int> q(k, k_queue_size);
      basic_queue_test(q, k);
      basic_queue_test(q, k);
    });
  });
}

TEST(thread_queue, test_negative_timeout_raises_exception) {
  for_each_kind([](queue_kind k) {
    thread_queue<int> q(k, k_queue_size);
    EXPECT_THROW(q.put(1, true, -1s), std::invalid_argument);
    EXPECT_THROW((void)q.get(true, -1s), std::invalid_argument);
  });
}

TEST(thread_queue, test_nowait) {
  for_each_kind([](queue_kind k) {
    thread_queue<int> q(k, k_queue_size);
    for (int i = 0; i < k_queue_size; ++i) q.put_nowait(1);
    EXPECT_THROW(q.put_nowait(1), queue_full);
    for (int i = 0; i < k_queue_size; ++i) EXPECT_EQ(q.get_nowait(), 1);
    EXPECT_THROW((void)q.get_nowait(), queue_empty);
  });
}

TEST(thread_queue, test_shrinking_queue) {
  // issue 10110; the shrink itself is not portable (see the top of the file).
  for_each_kind([](queue_kind k) {
    thread_queue<int> q(k, 3);
    q.put(1);
    q.put(2);
    q.put(3);
    EXPECT_THROW(q.put_nowait(4), queue_full);
    EXPECT_EQ(q.qsize(), 3U);
  });
}

TEST(thread_queue, test_shutdown_empty) {
  for_each_kind([](queue_kind k) {
    thread_queue<std::string> q(k);
    q.shutdown();
    EXPECT_THROW(q.put("data"), queue_shut_down);
    EXPECT_THROW((void)q.get(), queue_shut_down);
  });
}

TEST(thread_queue, test_shutdown_nonempty) {
  for_each_kind([](queue_kind k) {
    thread_queue<std::string> q(k);
    q.put("data");
    q.shutdown();
    EXPECT_EQ(q.get(), "data");
    EXPECT_THROW((void)q.get(), queue_shut_down);
  });
}

TEST(thread_queue, test_shutdown_immediate) {
  for_each_kind([](queue_kind k) {
    thread_queue<std::string> q(k);
    q.put("data");
    q.shutdown(true);
    EXPECT_THROW((void)q.get(), queue_shut_down);
  });
}

TEST(thread_queue, test_shutdown_allowed_transitions) {
  // Allowed: from alive via shutdown to immediate.
  for_each_kind([](queue_kind k) {
    thread_queue<std::string> q(k);
    EXPECT_FALSE(q.is_shut_down());
    q.shutdown();
    EXPECT_TRUE(q.is_shut_down());
    q.shutdown(true);
    EXPECT_TRUE(q.is_shut_down());
    q.shutdown(false);
    EXPECT_TRUE(q.is_shut_down());
  });
}

void shutdown_all_methods_in_one_thread(queue_kind k, bool immediate) {
  run_threads([k, immediate] {
    thread_queue<std::string> q(k, 2);
    q.put("L");
    q.put_nowait("O");
    q.shutdown(immediate);
    EXPECT_THROW(q.put("E"), queue_shut_down);
    EXPECT_THROW(q.put_nowait("W"), queue_shut_down);
    if (immediate) {
      EXPECT_THROW((void)q.get(), queue_shut_down);
      EXPECT_THROW((void)q.get_nowait(), queue_shut_down);
      EXPECT_THROW(q.task_done(), task_done_error);
      q.join();
    } else {
      std::vector<std::string> got;
      got.push_back(q.get());
      q.task_done();
      got.push_back(q.get());
      q.task_done();
      q.join();
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, (std::vector<std::string>{"L", "O"}));
      // Shut down (not immediately) and empty: every get raises ShutDown, without waiting.
      sim::time_point const before = now();
      EXPECT_THROW((void)q.get(), queue_shut_down);
      EXPECT_THROW((void)q.get_nowait(), queue_shut_down);
      EXPECT_THROW((void)q.get(true, 1s), queue_shut_down);
      EXPECT_EQ(now(), before);
    }
  });
}

TEST(thread_queue, test_shutdown_all_methods_in_one_thread) {
  for_each_kind([](queue_kind k) { shutdown_all_methods_in_one_thread(k, false); });
}

TEST(thread_queue, test_shutdown_immediate_all_methods_in_one_thread) {
  for_each_kind([](queue_kind k) { shutdown_all_methods_in_one_thread(k, true); });
}

/// _shutdown_all_methods_in_many_threads, with 128 messages instead of 65536 (each seed's run
/// explores one interleaving; the seeds give the breadth that the size gives in Python).
void shutdown_all_methods_in_many_threads(queue_kind k, bool immediate) {
  run_threads_seeded([k, immediate] {
    using message = std::pair<int, std::string>;
    thread_queue<message> q(k);
    std::vector<bool> res_puts;
    std::vector<bool> res_gets;
    std::vector<bool> res_shutdown;
    int const write_threads = 4;
    int const read_threads = 6;
    int const join_threads = 2;
    int const nb_msgs = 128;
    int const nb_msgs_w = nb_msgs / write_threads;
    int const when_exec_shutdown = nb_msgs_w / 2;
    // The barrier: every writer has put its first items, every reader has got one.
    sync::latch barrier_start(write_threads + read_threads + (immediate ? join_threads : 0));
    event ev_exec_shutdown;

    auto write_msg_thread = [&] {
      for (int i = 0; i < when_exec_shutdown / 2; ++i) q.put({i, "LOYD"});
      barrier_start.arrive_and_wait();
      for (int i = when_exec_shutdown / 2; i < nb_msgs_w; ++i) {
        try {
          q.put({i, "YDLO"});
        } catch (const queue_shut_down&) {
          res_puts.push_back(false);
          break;
        }
        // Only one thread should call shutdown().
        if (i == when_exec_shutdown && !ev_exec_shutdown.is_set()) {
          ev_exec_shutdown.set();
          res_puts.push_back(true);
        }
      }
    };
    auto read_msg_thread = [&] {
      (void)q.get(true);
      q.task_done();
      barrier_start.arrive_and_wait();
      for (;;) {
        try {
          (void)q.get(false);
          q.task_done();
        } catch (const queue_shut_down&) {
          res_gets.push_back(true);
          break;
        } catch (const queue_empty&) {
        }
      }
    };
    auto shutdown_thread = [&] {
      ev_exec_shutdown.wait();
      q.shutdown(immediate);
      res_shutdown.push_back(q.qsize() == 0);
    };
    auto join_thread = [&] {
      barrier_start.arrive_and_wait();
      q.join();
    };

    std::vector<sync::thread> ps;
    for (int i = 0; i < write_threads; ++i) ps.emplace_back(write_msg_thread);
    for (int i = 0; i < read_threads; ++i) ps.emplace_back(read_msg_thread);
    ps.emplace_back(shutdown_thread);
    if (immediate) {
      for (int i = 0; i < join_threads; ++i) ps.emplace_back(join_thread);
    }
    for (sync::thread& t : ps) t.join();

    EXPECT_NE(std::find(res_puts.begin(), res_puts.end(), true), res_puts.end());
    EXPECT_EQ(std::count(res_gets.begin(), res_gets.end(), true), read_threads);
    if (immediate) {
      EXPECT_EQ(res_shutdown, std::vector<bool>{true});
      EXPECT_TRUE(q.empty());
    }
  });
}

TEST(thread_queue, test_shutdown_all_methods_in_many_threads) {
  for_each_kind([](queue_kind k) { shutdown_all_methods_in_many_threads(k, false); });
}

TEST(thread_queue, test_shutdown_immediate_all_methods_in_many_threads) {
  for_each_kind([](queue_kind k) { shutdown_all_methods_in_many_threads(k, true); });
}

// The thread bodies of the shutdown tests: each appends whether it saw what it expected.

/// _get (and _get_shutdown with `shutdown`).
void get_body(thread_queue<std::string>& q, event& go, std::vector<bool>& results,
              bool shutdown = false) {
  go.wait();
  try {
    (void)q.get();
    results.push_back(!shutdown);
  } catch (const queue_shut_down&) {
    results.push_back(shutdown);
  }
}

/// _get_task_done.
void get_task_done_body(thread_queue<std::string>& q, event& go, std::vector<bool>& results) {
  go.wait();
  try {
    (void)q.get();
    q.task_done();
    results.push_back(true);
  } catch (const queue_shut_down&) {
    results.push_back(false);
  }
}

/// _put (and _put_shutdown with `shutdown`).
void put_body(thread_queue<std::string>& q, const std::string& msg, event& go,
              std::vector<bool>& results, bool shutdown = false) {
  go.wait();
  try {
    q.put(msg);
    results.push_back(!shutdown);
  } catch (const queue_shut_down&) {
    results.push_back(shutdown);
  }
}

/// _join.
void join_body(thread_queue<std::string>& q, std::vector<bool>& results) {
  try {
    q.join();
    results.push_back(true);
  } catch (const queue_shut_down&) {
    results.push_back(false);
  }
}

void shutdown_get(queue_kind k, bool immediate) {
  run_threads_seeded([k, immediate] {
    thread_queue<std::string> q(k, 2);
    std::vector<bool> results;
    event go;
    q.put("Y");
    q.put("D");
    // Full. Immediate: both getters raise; otherwise one of three does.
    std::vector<sync::thread> threads;
    int const getters = immediate ? 2 : 3;
    for (int i = 0; i < getters; ++i) {
      threads.emplace_back([&] { get_body(q, go, results, immediate); });
    }
    q.shutdown(immediate);
    go.set();
    for (sync::thread& t : threads) t.join();
    if (immediate) {
      EXPECT_EQ(results, (std::vector<bool>{true, true}));
    } else {
      std::sort(results.begin(), results.end());
      EXPECT_EQ(results, (std::vector<bool>{false, true, true}));
    }
  });
}

TEST(thread_queue, test_shutdown_get) {
  for_each_kind([](queue_kind k) { shutdown_get(k, false); });
}

TEST(thread_queue, test_shutdown_immediate_get) {
  for_each_kind([](queue_kind k) { shutdown_get(k, true); });
}

void shutdown_put(queue_kind k, bool /*immediate*/) {
  run_threads_seeded([k] {
    thread_queue<std::string> q(k, 2);
    std::vector<bool> results;
    event go;
    q.put("Y");
    q.put("D");
    std::vector<sync::thread> threads;
    threads.emplace_back([&] { put_body(q, "E", go, results, true); });
    threads.emplace_back([&] { put_body(q, "W", go, results, true); });
    // Python's _shutdown_put calls shutdown() without `immediate` in both variants; so here.
    q.shutdown();
    go.set();
    for (sync::thread& t : threads) t.join();
    EXPECT_EQ(results, (std::vector<bool>{true, true}));
  });
}

TEST(thread_queue, test_shutdown_put) {
  for_each_kind([](queue_kind k) { shutdown_put(k, false); });
}

TEST(thread_queue, test_shutdown_immediate_put) {
  for_each_kind([](queue_kind k) { shutdown_put(k, true); });
}

void shutdown_join(queue_kind k, bool immediate) {
  run_threads_seeded([k, immediate] {
    thread_queue<std::string> q(k);
    std::vector<bool> results;
    q.put("Y");
    event go;
    std::size_t const nb = q.qsize();
    std::vector<sync::thread> threads;
    for (int i = 0; i < 2; ++i) threads.emplace_back([&] { join_body(q, results); });
    std::vector<bool> res;
    if (!immediate) {
      for (std::size_t i = 0; i < nb; ++i) {
        threads.emplace_back([&] { get_task_done_body(q, go, res); });
      }
    }
    q.shutdown(immediate);
    go.set();
    for (sync::thread& t : threads) t.join();
    EXPECT_EQ(results, (std::vector<bool>{true, true}));
  });
}

TEST(thread_queue, test_shutdown_immediate_join) {
  for_each_kind([](queue_kind k) { shutdown_join(k, true); });
}

TEST(thread_queue, test_shutdown_join) {
  for_each_kind([](queue_kind k) { shutdown_join(k, false); });
}

void shutdown_put_join(queue_kind k, bool immediate) {
  run_threads_seeded([k, immediate] {
    thread_queue<std::string> q(k, 2);
    std::vector<bool> results;
    event go;
    q.put("Y");
    // Not full.
    std::vector<sync::thread> threads;
    threads.emplace_back([&] { put_body(q, "E", go, results, true); });
    threads.emplace_back([&] { join_body(q, results); });
    EXPECT_EQ(q.unfinished(), 1);
    q.shutdown(immediate);
    go.set();
    if (immediate) {
      EXPECT_THROW((void)q.get_nowait(), queue_shut_down);
    } else {
      EXPECT_EQ(q.get(), "Y");
      q.task_done();
    }
    for (sync::thread& t : threads) t.join();
    EXPECT_EQ(results, (std::vector<bool>{true, true}));
  });
}

TEST(thread_queue, test_shutdown_immediate_put_join) {
  for_each_kind([](queue_kind k) { shutdown_put_join(k, true); });
}

TEST(thread_queue, test_shutdown_put_join) {
  for_each_kind([](queue_kind k) { shutdown_put_join(k, false); });
}

TEST(thread_queue, test_shutdown_get_task_done_join) {
  for_each_kind([](queue_kind k) {
    run_threads_seeded([k] {
      thread_queue<std::string> q(k, 2);
      std::vector<bool> results;
      event go;
      q.put("Y");
      q.put("D");
      EXPECT_EQ(static_cast<std::size_t>(q.unfinished()), q.qsize());
      std::vector<sync::thread> threads;
      for (int i = 0; i < 2; ++i) {
        threads.emplace_back([&] { get_task_done_body(q, go, results); });
      }
      for (int i = 0; i < 2; ++i) threads.emplace_back([&] { join_body(q, results); });
      go.set();
      q.shutdown(false);
      for (sync::thread& t : threads) t.join();
      EXPECT_EQ(results, (std::vector<bool>{true, true, true, true}));
    });
  });
}

TEST(thread_queue, test_shutdown_pending_get) {
  for_each_kind([](queue_kind k) {
    run_threads_seeded([k] {
      thread_queue<std::string> q(k);
      int results = 0;
      bool raised_shut_down = false;
      sync::thread get_thread([&] {
        try {
          (void)q.get();
        } catch (const queue_shut_down&) {
          raised_shut_down = true;
        }
        ++results;
      });
      q.shutdown(false);
      get_thread.join();  // a get left waiting ends the run as a deadlock
      EXPECT_EQ(results, 1);
      EXPECT_TRUE(raised_shut_down);
    });
  });
}

// ---- FailingQueueTest ----

struct failing_queue_exception : std::runtime_error {
  failing_queue_exception() : std::runtime_error("You Lose") {}
};

/// An item whose move throws when `fail` is set: a put of such an item (passed as an lvalue,
/// so copied into put) fails where FailingQueue._put raises, after any wait and before the
/// unfinished count goes up. Copies are what a vector uses to grow (the move may throw). The
/// default constructor and `<` are only what every queue kind's storage asks of T.
struct failing_item {
  failing_item() = default;
  explicit failing_item(const char* v, bool f = false) : value(v), fail(f) {}
  failing_item(const failing_item&) = default;
  failing_item(failing_item&& other) : value(std::move(other.value)), fail(other.fail) {
    if (fail) throw failing_queue_exception{};
  }
  failing_item& operator=(const failing_item&) = default;
  failing_item& operator=(failing_item&&) = default;
  ~failing_item() = default;

  friend bool operator<(const failing_item& a, const failing_item& b) { return a.value < b.value; }

  std::string value;
  bool fail = false;
};

void failing_queue_test(thread_queue<failing_item>& q) {
  ASSERT_EQ(q.qsize(), 0U) << "Call this function with an empty queue";
  std::int64_t const unfinished_before = q.unfinished();
  for (int i = 0; i < k_queue_size - 1; ++i) q.put(failing_item("item"));
  failing_item const oops("oops", true);
  failing_item const full("full", true);
  // A failing non-blocking put, and one with a timeout.
  EXPECT_THROW(q.put(oops, false), failing_queue_exception);
  EXPECT_THROW(q.put(oops, true, 100ms), failing_queue_exception);
  EXPECT_EQ(q.unfinished(), unfinished_before + k_queue_size - 1);
  q.put(failing_item("last"));
  EXPECT_TRUE(qfull(q)) << "Queue should be full";
  // A failing blocking put: it waits for the trigger's get, then fails.
  EXPECT_THROW(do_blocking_test([&] { q.put(full); }, [&] { (void)q.get(); }),
               failing_queue_exception);
  // The queue isn't damaged: the put failed, the get succeeded; re-add.
  q.put(failing_item("last"));
  // A failing timeout put.
  do_exceptional_blocking_test<failing_queue_exception>([&] { q.put(full, true, 10s); },
                                                        [&] { (void)q.get(); });
  q.put(failing_item("last"));
  EXPECT_TRUE(qfull(q)) << "Queue should be full";
  (void)q.get();
  EXPECT_FALSE(qfull(q)) << "Queue should not be full";
  q.put(failing_item("last"));
  EXPECT_TRUE(qfull(q)) << "Queue should be full";
  // A blocking put that succeeds.
  do_blocking_test([&] { q.put(failing_item("full")); }, [&] { (void)q.get(); });
  // Empty it.
  for (int i = 0; i < k_queue_size; ++i) EXPECT_FALSE(q.get().fail);
  EXPECT_EQ(q.qsize(), 0U) << "Queue should be empty";
  // Every successful put counted once, every failed one not at all.
  EXPECT_EQ(q.unfinished(), unfinished_before + k_queue_size - 1 + 5);
}

TEST(thread_queue, test_failing_queue) {
  // FailingQueueTest runs on Queue only; done twice to the same instance.
  run_threads_seeded([] {
    thread_queue<failing_item> q(queue_kind::fifo, k_queue_size);
    failing_queue_test(q);
    failing_queue_test(q);
  });
}

}  // namespace

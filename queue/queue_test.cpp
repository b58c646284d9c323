// A GoogleTest port of every test in CPython 3.13's Lib/test/test_asyncio/test_queues.py, each
// named as its Python method without `test_`, in a suite named after its Python class. The Join
// and Shutdown mixins, which Python runs once per queue class (`q_class`), are TYPED_TESTs over
// the three kinds, so one test name runs for queue, lifo_queue and priority_queue.
//
// Two tests are left out on purpose, because what they check exists only in Python:
//   - QueueBasicTests.test_generic_alias: `asyncio.Queue[int]` must be a types.GenericAlias.
//     A C++ class template is generic at compile time; there is no runtime alias object to check.
//   - QueuePutTests.test_float_maxsize: Python accepts `maxsize=1.3`. Here maxsize is an integer
//     (std::ptrdiff_t), so a fractional bound cannot even be written.
//
// How the port reads: an `async def test_*` body is a `sim::task<void>` run as the main task of
// a fresh `sim::loop` (IsolatedAsyncioTestCase); a plain `def test_*` runs with no loop, as
// IsolatedAsyncioTestCase also runs it outside its loop. `await asyncio.sleep(0)` is
// `co_await sim::yield()`, `create_task` is `spawn`, and leaving a TaskGroup is awaiting each of
// its tasks in turn. Inside coroutines only EXPECT_* is used (ASSERT_* returns, which a coroutine
// cannot), and every awaited value is stored in a local before a macro checks it, so no
// `co_await` sits inside a gtest macro.

#include "chaosq/queue/queue.hpp"

#include <chrono>
#include <cstdint>
#include <exception>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/queue/errors.hpp"
#include "chaosq/queue/format.hpp"
#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/event.hpp"
#include "chaosq/sim/loop.hpp"
#include "chaosq/sim/task.hpp"

namespace chaosq::queue {
namespace {

using namespace std::chrono_literals;

/// IsolatedAsyncioTestCase running one `async def` test: `body` is the main task of a fresh
/// loop, run until it ends. The test fails if it never ends or ends with an exception.
void run_async_test(sim::task<void> body) {
  sim::loop loop;
  sim::task_handle<void> const main_task = loop.spawn(std::move(body), "main");
  sim::run_result const run = loop.run_until(main_task);
  ASSERT_TRUE(main_task.done()) << "the test body never finished (run status "
                                << static_cast<int>(run.status) << ")";
  try {
    main_task.result();
  } catch (const std::exception& e) {
    FAIL() << "the test body raised: " << e.what();
  } catch (const sim::cancelled_error&) {
    FAIL() << "the test body was cancelled";
  }
}

/// `with self.assertRaises(E): await op`: whether awaiting `op` raised an `E`. Any other
/// exception propagates, as it does through assertRaises.
template <class E, class Awaitable>
sim::task<bool> raises(Awaitable op) {
  try {
    co_await std::move(op);
  } catch (const E&) {
    co_return true;
  }
  co_return false;
}

/// Python's `hex(id(q))`: the address `repr` prints.
std::string hex_id(const basic_queue<int>& q) {
  std::ostringstream out;
  out << "0x" << std::hex << reinterpret_cast<std::uintptr_t>(&q);
  return out.str();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// ---- QueueBasicTests --------------------------------------------------------------------------

using formatter = std::string (*)(const basic_queue<int>&);

/// QueueBasicTests._test_repr_or_str: `fn` is `repr` or `to_string` (Python's `str`);
/// `expect_id` says whether the queue's address should appear in `fn(q)`. Python rebinds `q`
/// for each part; a queue cannot be reassigned, so each part has its own.
sim::task<void> repr_or_str(formatter fn, bool expect_id) {
  queue<int> const q;
  EXPECT_TRUE(fn(q).starts_with("<Queue")) << fn(q);
  bool const id_is_present = contains(fn(q), hex_id(q));
  EXPECT_EQ(expect_id, id_is_present) << fn(q);

  // getters
  queue<int> with_getter;
  sim::task_handle<int> const getter = sim::running_loop().spawn(with_getter.get());
  co_await sim::yield();  // let it start waiting
  EXPECT_TRUE(contains(fn(with_getter), "_getters[1]")) << fn(with_getter);
  with_getter.put_nowait(0);  // resume the get
  co_await getter;            // leaving the TaskGroup
  int const got = co_await getter;
  EXPECT_EQ(0, got);

  // putters
  queue<int> with_putter(1);
  with_putter.put_nowait(1);
  sim::task_handle<void> const putter = sim::running_loop().spawn(with_putter.put(2));
  co_await sim::yield();  // let it start waiting
  EXPECT_TRUE(contains(fn(with_putter), "_putters[1]")) << fn(with_putter);
  with_putter.get_nowait();  // resume the put
  co_await putter;           // leaving the TaskGroup
  EXPECT_TRUE(putter.done());

  queue<int> with_item;
  with_item.put_nowait(1);
  EXPECT_TRUE(contains(fn(with_item), "_queue=[1]")) << fn(with_item);
}

TEST(queue_basic, repr) { run_async_test(repr_or_str(&repr<int>, true)); }

TEST(queue_basic, str) { run_async_test(repr_or_str(&to_string<int>, false)); }

TEST(queue_basic, empty) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q;
    EXPECT_TRUE(q.empty());
    co_await q.put(1);
    EXPECT_FALSE(q.empty());
    int const got = co_await q.get();
    EXPECT_EQ(1, got);
    EXPECT_TRUE(q.empty());
  }());
}

TEST(queue_basic, full) {
  run_async_test([]() -> sim::task<void> {
    queue<int> const unbounded;
    EXPECT_FALSE(unbounded.full());

    queue<int> q(1);
    co_await q.put(1);
    EXPECT_TRUE(q.full());
  }());
}

TEST(queue_basic, order) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q;
    for (int const i : {1, 3, 2}) co_await q.put(i);
    std::vector<int> items;
    for (int i = 0; i < 3; ++i) items.push_back(co_await q.get());
    EXPECT_EQ((std::vector<int>{1, 3, 2}), items);
  }());
}

TEST(queue_basic, maxsize) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q(2);
    EXPECT_EQ(2, q.maxsize());
    std::vector<int> have_been_put;

    auto putter = [](queue<int>& into, std::vector<int>& log) -> sim::task<bool> {
      for (int i = 0; i < 3; ++i) {
        co_await into.put(i);
        log.push_back(i);
      }
      co_return true;
    };

    sim::task_handle<bool> const t = sim::running_loop().spawn(putter(q, have_been_put));
    for (int i = 0; i < 2; ++i) co_await sim::yield();

    // The putter is blocked after putting two items.
    EXPECT_EQ((std::vector<int>{0, 1}), have_been_put);
    int const first = co_await q.get();
    EXPECT_EQ(0, first);

    // Let the putter resume and put the last item.
    co_await sim::yield();
    EXPECT_EQ((std::vector<int>{0, 1, 2}), have_been_put);
    int const second = co_await q.get();
    EXPECT_EQ(1, second);
    int const third = co_await q.get();
    EXPECT_EQ(2, third);

    EXPECT_TRUE(t.done());
    EXPECT_TRUE(t.result());
  }());
}

// ---- QueueGetTests ----------------------------------------------------------------------------

TEST(queue_get, blocking_get) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q;
    q.put_nowait(1);
    int const got = co_await q.get();
    EXPECT_EQ(1, got);
  }());
}

// Python appends a bare future to the private `q._putters` and checks that get() completes it
// with None. The putter line is not reachable here, so a real putter task, blocked on the full
// queue of maxsize 1, stands in for that future: get() must wake it (it leaves the line and is
// scheduled: `waiter.done()`), and it then completes without raising (`waiter.result()` is None).
TEST(queue_get, get_with_putters) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q(1);
    co_await q.put(1);

    sim::task_handle<void> const waiter = sim::running_loop().spawn(q.put(2));
    co_await sim::yield();
    EXPECT_TRUE(waiter.waiting());
    EXPECT_EQ(1U, q.putter_count()) << "the putter is in the line, as after _putters.append";

    int const got = co_await q.get();
    EXPECT_EQ(1, got);
    EXPECT_EQ(0U, q.putter_count()) << "get() took the putter off the line";
    EXPECT_FALSE(waiter.waiting()) << "get() woke the putter";
    EXPECT_FALSE(waiter.done()) << "waking only schedules; the putter has not run yet";
    co_await waiter;  // rethrows if the woken put raised
    EXPECT_EQ(2, q.get_nowait()) << "the woken putter put its item";
  }());
}

TEST(queue_get, blocking_get_wait) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q;
    sim::event started;
    bool finished = false;

    auto queue_get = [](queue<int>& from, sim::event& start, bool& done) -> sim::task<int> {
      start.set();
      int const res = co_await from.get();
      done = true;
      co_return res;
    };

    sim::task_handle<int> const queue_get_task =
        sim::running_loop().spawn(queue_get(q, started, finished));
    co_await started.wait();
    EXPECT_FALSE(finished);
    sim::running_loop().call_later(10ms, [&q] { q.put_nowait(1); });
    int const res = co_await queue_get_task;
    EXPECT_TRUE(finished);
    EXPECT_EQ(1, res);
  }());
}

TEST(queue_get, nonblocking_get) {
  queue<int> q;
  q.put_nowait(1);
  EXPECT_EQ(1, q.get_nowait());
}

TEST(queue_get, nonblocking_get_exception) {
  queue<int> q;
  EXPECT_THROW(q.get_nowait(), queue_empty);
}

TEST(queue_get, get_cancelled_race) {
  run_async_test([]() -> sim::task<void> {
    queue<std::string> q;

    sim::task_handle<std::string> const t1 = sim::running_loop().spawn(q.get());
    sim::task_handle<std::string> const t2 = sim::running_loop().spawn(q.get());

    co_await sim::yield();
    t1.cancel();
    co_await sim::yield();
    EXPECT_TRUE(t1.done());
    co_await q.put("a");
    co_await sim::yield();
    std::string const got = co_await t2;
    EXPECT_EQ("a", got);
  }());
}

TEST(queue_get, get_with_waiting_putters) {
  run_async_test([]() -> sim::task<void> {
    queue<std::string> q(1);
    sim::running_loop().spawn(q.put("a"));
    sim::running_loop().spawn(q.put("b"));
    std::string const first = co_await q.get();
    EXPECT_EQ(first, "a");
    std::string const second = co_await q.get();
    EXPECT_EQ(second, "b");
  }());
}

TEST(queue_get, why_are_getters_waiting) {
  run_async_test([]() -> sim::task<void> {
    auto consumer = [](queue<int>& from, int num_expected) -> sim::task<void> {
      for (int i = 0; i < num_expected; ++i) co_await from.get();
    };
    auto producer = [](queue<int>& into, int num_items) -> sim::task<void> {
      for (int i = 0; i < num_items; ++i) co_await into.put(i);
    };

    int const producer_num_items = 5;

    queue<int> q(1);
    sim::task_handle<void> const p = sim::running_loop().spawn(producer(q, producer_num_items));
    sim::task_handle<void> const c = sim::running_loop().spawn(consumer(q, producer_num_items));
    co_await p;  // leaving the TaskGroup
    co_await c;
  }());
}

TEST(queue_get, cancelled_getters_not_being_held_in_self_getters) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q(5);

    bool const timed_out = co_await raises<sim::timeout_error>(sim::wait_for(q.get(), 100ms));
    EXPECT_TRUE(timed_out);

    EXPECT_EQ(0U, q.getter_count());
  }());
}

// ---- QueuePutTests ----------------------------------------------------------------------------

TEST(queue_put, blocking_put) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q;

    // No maxsize, won't block.
    co_await q.put(1);
    int const got = co_await q.get();
    EXPECT_EQ(1, got);
  }());
}

TEST(queue_put, blocking_put_wait) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q(1);
    sim::event started;
    bool finished = false;

    auto queue_put = [](queue<int>& into, sim::event& start, bool& done) -> sim::task<void> {
      start.set();
      co_await into.put(1);
      co_await into.put(2);
      done = true;
    };

    sim::running_loop().call_later(10ms, [&q] { q.get_nowait(); });
    sim::task_handle<void> const queue_put_task =
        sim::running_loop().spawn(queue_put(q, started, finished));
    co_await started.wait();
    EXPECT_FALSE(finished);
    co_await queue_put_task;
    EXPECT_TRUE(finished);
  }());
}

TEST(queue_put, nonblocking_put) {
  queue<int> q;
  q.put_nowait(1);
  EXPECT_EQ(1, q.get_nowait());
}

TEST(queue_put, get_cancel_drop_one_pending_reader) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q;

    sim::task_handle<int> reader = sim::running_loop().spawn(q.get());

    co_await sim::yield();

    q.put_nowait(1);
    q.put_nowait(2);
    reader.cancel();

    bool cancelled = false;
    try {
      co_await reader;
    } catch (const sim::cancelled_error&) {
      cancelled = true;  // a handler cannot co_await: the retry follows it
    }
    if (cancelled) {
      // try again
      reader = sim::running_loop().spawn(q.get());
      co_await reader;
    }

    int const result = reader.result();
    EXPECT_EQ(1, result) << "if we get 2, it means 1 got dropped!";
  }());
}

TEST(queue_put, get_cancel_drop_many_pending_readers) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q;

    sim::task_handle<int> const reader1 = sim::running_loop().spawn(q.get());
    sim::task_handle<int> const reader2 = sim::running_loop().spawn(q.get());
    sim::task_handle<int> const reader3 = sim::running_loop().spawn(q.get());

    co_await sim::yield();

    q.put_nowait(1);
    q.put_nowait(2);
    reader1.cancel();

    bool const raised = co_await raises<sim::cancelled_error>(reader1);
    EXPECT_TRUE(raised);

    co_await reader3;

    // Leaving the TaskGroup, which ignores its cancelled reader1.
    co_await reader2;
    co_await reader3;

    // It is undefined in which order concurrent readers receive results.
    EXPECT_EQ((std::set<int>{reader2.result(), reader3.result()}), (std::set<int>{1, 2}));
  }());
}

TEST(queue_put, put_cancel_drop) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q(1);

    q.put_nowait(1);

    // putting a second item in the queue has to block (qsize=1)
    sim::task_handle<void> writer = sim::running_loop().spawn(q.put(2));
    co_await sim::yield();

    int const value1 = q.get_nowait();
    EXPECT_EQ(value1, 1);

    writer.cancel();
    bool cancelled = false;
    try {
      co_await writer;
    } catch (const sim::cancelled_error&) {
      cancelled = true;  // a handler cannot co_await: the retry follows it
    }
    if (cancelled) {
      // try again
      writer = sim::running_loop().spawn(q.put(2));
      co_await writer;
    }

    int const value2 = q.get_nowait();
    EXPECT_EQ(value2, 2);
    EXPECT_EQ(q.qsize(), 0U);
  }());
}

TEST(queue_put, nonblocking_put_exception) {
  queue<int> q(1);
  q.put_nowait(1);
  EXPECT_THROW(q.put_nowait(2), queue_full);
}

TEST(queue_put, put_cancelled) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q;

    auto queue_put = [](queue<int>& into) -> sim::task<bool> {
      co_await into.put(1);
      co_return true;
    };

    sim::task_handle<bool> const t = sim::running_loop().spawn(queue_put(q));

    int const got = co_await q.get();
    EXPECT_EQ(1, got);
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(t.result());
  }());
}

TEST(queue_put, put_cancelled_race) {
  run_async_test([]() -> sim::task<void> {
    queue<std::string> q(1);

    sim::task_handle<void> const put_a = sim::running_loop().spawn(q.put("a"));
    sim::task_handle<void> const put_b = sim::running_loop().spawn(q.put("b"));
    sim::task_handle<void> const put_c = sim::running_loop().spawn(q.put("X"));

    co_await sim::yield();
    EXPECT_TRUE(put_a.done());
    EXPECT_FALSE(put_b.done());

    put_c.cancel();
    co_await sim::yield();
    EXPECT_TRUE(put_c.done());
    EXPECT_EQ(q.get_nowait(), "a");
    co_await sim::yield();
    EXPECT_EQ(q.get_nowait(), "b");

    co_await put_b;
  }());
}

TEST(queue_put, put_with_waiting_getters) {
  run_async_test([]() -> sim::task<void> {
    queue<std::string> q;
    sim::task_handle<std::string> const t = sim::running_loop().spawn(q.get());
    co_await sim::yield();
    co_await q.put("a");
    std::string const got = co_await t;
    EXPECT_EQ(got, "a");
  }());
}

TEST(queue_put, why_are_putters_waiting) {
  run_async_test([]() -> sim::task<void> {
    queue<int> q(2);

    auto putter = [](queue<int>& into, int item) -> sim::task<void> { co_await into.put(item); };
    auto getter = [](queue<int>& from) -> sim::task<void> {
      co_await sim::yield();
      std::size_t const num = from.qsize();
      for (std::size_t i = 0; i < num; ++i) from.get_nowait();
    };

    std::vector<sim::task_handle<void>> group;
    group.push_back(sim::running_loop().spawn(getter(q)));
    for (int item = 0; item < 4; ++item) {
      group.push_back(sim::running_loop().spawn(putter(q, item)));
    }
    for (const sim::task_handle<void>& t : group) co_await t;  // leaving the TaskGroup
  }());
}

TEST(queue_put, cancelled_puts_not_being_held_in_self_putters) {
  run_async_test([]() -> sim::task<void> {
    // Full queue.
    queue<int> q(1);
    q.put_nowait(1);

    // Task waiting for space to put an item in the queue.
    sim::task_handle<void> const put_task = sim::running_loop().spawn(q.put(1));
    co_await sim::yield();

    // Check that the putter is correctly removed from the putter line when the task is
    // cancelled.
    EXPECT_EQ(q.putter_count(), 1U);
    put_task.cancel();
    bool const raised = co_await raises<sim::cancelled_error>(put_task);
    EXPECT_TRUE(raised);
    EXPECT_EQ(q.putter_count(), 0U);
  }());
}

TEST(queue_put, cancelled_put_silence_value_error_exception) {
  run_async_test([]() -> sim::task<void> {
    // Full queue.
    queue<int> q(1);
    q.put_nowait(1);

    // Task waiting for space to put an item in the queue.
    sim::task_handle<void> const put_task = sim::running_loop().spawn(q.put(1));
    co_await sim::yield();

    // get_nowait() removes the putter's future from the putter line.
    q.get_nowait();
    // When cancelled, put() removes its future from the line, but get_nowait() already did.
    put_task.cancel();

    // That second removal must be silent: what the awaiter sees is the cancellation.
    bool const raised = co_await raises<sim::cancelled_error>(put_task);
    EXPECT_TRUE(raised);
  }());
}

// ---- LifoQueueTests, PriorityQueueTests -------------------------------------------------------

TEST(lifo_queue, order) {
  run_async_test([]() -> sim::task<void> {
    lifo_queue<int> q;
    for (int const i : {1, 3, 2}) co_await q.put(i);
    std::vector<int> items;
    for (int i = 0; i < 3; ++i) items.push_back(co_await q.get());
    EXPECT_EQ((std::vector<int>{2, 3, 1}), items);
  }());
}

TEST(priority_queue, order) {
  run_async_test([]() -> sim::task<void> {
    priority_queue<int> q;
    for (int const i : {1, 3, 2}) co_await q.put(i);
    std::vector<int> items;
    for (int i = 0; i < 3; ++i) items.push_back(co_await q.get());
    EXPECT_EQ((std::vector<int>{1, 2, 3}), items);
  }());
}

// ---- The mixins, once per kind ----------------------------------------------------------------

/// One queue class for the mixin tests (Python's `q_class`).
template <template <class> class Q>
struct kind {
  template <class T>
  using queue_type = Q<T>;
};

template <class Kind, class T>
using queue_of = typename Kind::template queue_type<T>;

using kinds = ::testing::Types<kind<queue>, kind<lifo_queue>, kind<priority_queue>>;

/// Names each typed instance after the Python class: queue_join/LifoQueue.task_done.
struct kind_name {
  template <class Kind>
  static std::string GetName(int /*index*/) {
    queue_of<Kind, int> const q;
    return std::string(python_name(q.kind()));
  }
};

// Note for the `format` tests below: inside TYPED_TEST(suite, format) the name `format` is the
// test's own class template, so the queue's format is called fully qualified.

// ---- _QueueJoinTestMixin ----------------------------------------------------------------------

template <class Kind>
class queue_join : public ::testing::Test {};
TYPED_TEST_SUITE(queue_join, kinds, kind_name);

TYPED_TEST(queue_join, task_done_underflow) {
  queue_of<TypeParam, int> q;
  EXPECT_THROW(q.task_done(), task_done_error);
}

TYPED_TEST(queue_join, task_done) {
  run_async_test([]() -> sim::task<void> {
    using queue_type = queue_of<TypeParam, int>;
    queue_type q;
    for (int i = 0; i < 100; ++i) q.put_nowait(i);

    int accumulator = 0;

    // Two workers get items from the queue and call task_done after each.
    // Join the queue and assert all items have been processed.
    bool running = true;

    auto worker = [](queue_type& from, int& sum, const bool& keep_going) -> sim::task<void> {
      while (keep_going) {
        int const item = co_await from.get();
        sum += item;
        from.task_done();
      }
    };

    std::vector<sim::task_handle<void>> tasks;
    for (int index = 0; index < 2; ++index) {
      tasks.push_back(sim::running_loop().spawn(worker(q, accumulator, running)));
    }

    co_await q.join();
    EXPECT_EQ(4950, accumulator);  // sum(range(100))

    // close running generators
    running = false;
    for (std::size_t i = 0; i < tasks.size(); ++i) q.put_nowait(0);

    for (const sim::task_handle<void>& t : tasks) co_await t;  // leaving the TaskGroup
  }());
}

TYPED_TEST(queue_join, join_empty_queue) {
  run_async_test([]() -> sim::task<void> {
    queue_of<TypeParam, int> q;

    // Test that a queue join()s successfully, and before anything else
    // (done twice for insurance).

    co_await q.join();
    co_await q.join();
  }());
}

// Python sets the private `q._unfinished_tasks = 2`; the same state is reached through the
// public API: two puts raise the count to 2, and getting both items leaves it there.
TYPED_TEST(queue_join, format) {
  run_async_test([]() -> sim::task<void> {
    queue_of<TypeParam, int> q;
    EXPECT_EQ(chaosq::queue::format(q), "maxsize=0");

    q.put_nowait(1);
    q.put_nowait(2);
    q.get_nowait();
    q.get_nowait();
    EXPECT_EQ(q.unfinished_tasks(), 2);
    EXPECT_EQ(chaosq::queue::format(q), "maxsize=0 tasks=2");
    co_return;
  }());
}

// ---- _QueueShutdownTestMixin ------------------------------------------------------------------

template <class Kind>
class queue_shutdown : public ::testing::Test {};
TYPED_TEST_SUITE(queue_shutdown, kinds, kind_name);

constexpr const char* k_not_shut_down = "Didn't appear to shut-down queue";
constexpr const char* k_not_all_done = "Didn't appear to mark all tasks done";

TYPED_TEST(queue_shutdown, format) {
  run_async_test([]() -> sim::task<void> {
    queue_of<TypeParam, std::string> q;
    q.shutdown();
    EXPECT_EQ(chaosq::queue::format(q), "maxsize=0 shutdown");
    co_return;
  }());
}

TYPED_TEST(queue_shutdown, shutdown_empty) {
  run_async_test([]() -> sim::task<void> {
    // Test shutting down an empty queue

    // Setup empty queue, and join() and get() tasks
    queue_of<TypeParam, std::string> q;
    sim::task_handle<std::string> const get_task = sim::running_loop().spawn(q.get());
    co_await sim::yield();  // want get task pending before shutdown

    // Perform shut-down
    q.shutdown(shutdown_mode::graceful);  // unfinished tasks: 0 -> 0

    EXPECT_EQ(q.qsize(), 0U);

    // Ensure join() task successfully finishes
    co_await q.join();

    // Ensure get() task is finished, and raised ShutDown
    co_await sim::yield();
    EXPECT_TRUE(get_task.done());
    bool const get_task_raised = co_await raises<queue_shut_down>(get_task);
    EXPECT_TRUE(get_task_raised) << k_not_shut_down;

    // Ensure put() and get() raise ShutDown
    bool const put_raised = co_await raises<queue_shut_down>(q.put("data"));
    EXPECT_TRUE(put_raised) << k_not_shut_down;
    EXPECT_THROW(q.put_nowait("data"), queue_shut_down) << k_not_shut_down;

    bool const get_raised = co_await raises<queue_shut_down>(q.get());
    EXPECT_TRUE(get_raised) << k_not_shut_down;
    EXPECT_THROW(q.get_nowait(), queue_shut_down) << k_not_shut_down;
  }());
}

TYPED_TEST(queue_shutdown, shutdown_nonempty) {
  run_async_test([]() -> sim::task<void> {
    // Test shutting down a non-empty queue

    // Setup full queue with 1 item, and join() and put() tasks
    queue_of<TypeParam, std::string> q(1);

    q.put_nowait("data");
    sim::task_handle<void> const join_task = sim::running_loop().spawn(q.join());
    sim::task_handle<void> const put_task = sim::running_loop().spawn(q.put("data2"));

    // Ensure put() task is not finished
    co_await sim::yield();
    EXPECT_FALSE(put_task.done());

    // Perform shut-down
    q.shutdown(shutdown_mode::graceful);  // unfinished tasks: 1 -> 1

    EXPECT_EQ(q.qsize(), 1U);

    // Ensure put() task is finished, and raised ShutDown
    co_await sim::yield();
    EXPECT_TRUE(put_task.done());
    bool const put_task_raised = co_await raises<queue_shut_down>(put_task);
    EXPECT_TRUE(put_task_raised) << k_not_shut_down;

    // Ensure get() succeeds on enqueued item
    std::string const got = co_await q.get();
    EXPECT_EQ(got, "data");

    // Ensure join() task is not finished
    co_await sim::yield();
    EXPECT_FALSE(join_task.done());

    // Ensure put() and get() raise ShutDown
    bool const put_raised = co_await raises<queue_shut_down>(q.put("data"));
    EXPECT_TRUE(put_raised) << k_not_shut_down;
    EXPECT_THROW(q.put_nowait("data"), queue_shut_down) << k_not_shut_down;

    bool const get_raised = co_await raises<queue_shut_down>(q.get());
    EXPECT_TRUE(get_raised) << k_not_shut_down;
    EXPECT_THROW(q.get_nowait(), queue_shut_down) << k_not_shut_down;

    // Ensure there is 1 unfinished task, and join() task succeeds
    q.task_done();

    co_await sim::yield();
    EXPECT_TRUE(join_task.done());
    co_await join_task;

    EXPECT_THROW(q.task_done(), task_done_error) << k_not_all_done;
  }());
}

TYPED_TEST(queue_shutdown, shutdown_immediate) {
  run_async_test([]() -> sim::task<void> {
    // Test immediately shutting down a queue

    // Setup queue with 1 item, and a join() task
    queue_of<TypeParam, std::string> q;
    q.put_nowait("data");
    sim::task_handle<void> const join_task = sim::running_loop().spawn(q.join());

    // Perform shut-down
    q.shutdown(shutdown_mode::immediate);  // unfinished tasks: 1 -> 0

    EXPECT_EQ(q.qsize(), 0U);

    // Ensure join() task has successfully finished
    co_await sim::yield();
    EXPECT_TRUE(join_task.done());
    co_await join_task;

    // Ensure put() and get() raise ShutDown
    bool const put_raised = co_await raises<queue_shut_down>(q.put("data"));
    EXPECT_TRUE(put_raised) << k_not_shut_down;
    EXPECT_THROW(q.put_nowait("data"), queue_shut_down) << k_not_shut_down;

    bool const get_raised = co_await raises<queue_shut_down>(q.get());
    EXPECT_TRUE(get_raised) << k_not_shut_down;
    EXPECT_THROW(q.get_nowait(), queue_shut_down) << k_not_shut_down;

    // Ensure there are no unfinished tasks
    EXPECT_THROW(q.task_done(), task_done_error) << k_not_all_done;
  }());
}

TYPED_TEST(queue_shutdown, shutdown_immediate_with_unfinished) {
  run_async_test([]() -> sim::task<void> {
    // Test immediately shutting down a queue with unfinished tasks

    // Setup queue with 2 items (1 retrieved), and a join() task
    queue_of<TypeParam, std::string> q;
    q.put_nowait("data");
    q.put_nowait("data");
    sim::task_handle<void> const join_task = sim::running_loop().spawn(q.join());
    std::string const got = co_await q.get();
    EXPECT_EQ(got, "data");

    // Perform shut-down
    q.shutdown(shutdown_mode::immediate);  // unfinished tasks: 2 -> 1

    EXPECT_EQ(q.qsize(), 0U);

    // Ensure join() task is not finished
    co_await sim::yield();
    EXPECT_FALSE(join_task.done());

    // Ensure put() and get() raise ShutDown
    bool const put_raised = co_await raises<queue_shut_down>(q.put("data"));
    EXPECT_TRUE(put_raised) << k_not_shut_down;
    EXPECT_THROW(q.put_nowait("data"), queue_shut_down) << k_not_shut_down;

    bool const get_raised = co_await raises<queue_shut_down>(q.get());
    EXPECT_TRUE(get_raised) << k_not_shut_down;
    EXPECT_THROW(q.get_nowait(), queue_shut_down) << k_not_shut_down;

    // Ensure there is 1 unfinished task
    q.task_done();
    EXPECT_THROW(q.task_done(), task_done_error) << k_not_all_done;

    // Ensure join() task has successfully finished
    co_await sim::yield();
    EXPECT_TRUE(join_task.done());
    co_await join_task;
  }());
}

// ---- chaosq's own: reset (not in CPython) -----------------------------------------------------

TEST(queue_reset, a_reset_queue_is_a_new_queue_of_the_given_kind_and_maxsize) {
  run_async_test([]() -> sim::task<void> {
    basic_queue<int> q(queue_kind::fifo, 2);
    co_await q.put(1);
    co_await q.put(2);
    int const got = co_await q.get();
    EXPECT_EQ(1, got);
    q.shutdown(shutdown_mode::graceful);

    q.reset(queue_kind::lifo, 3);
    EXPECT_EQ(q.kind(), queue_kind::lifo);
    EXPECT_EQ(q.maxsize(), 3);
    EXPECT_EQ(q.qsize(), 0U);
    EXPECT_EQ(q.unfinished_tasks(), 0);
    EXPECT_FALSE(q.is_shut_down());
    co_await q.join();  // returns at once: nothing unfinished
    for (int const i : {1, 2, 3}) q.put_nowait(i);
    EXPECT_THROW(q.put_nowait(4), queue_full);
    EXPECT_EQ(q.get_nowait(), 3);  // last in, first out
    EXPECT_EQ(q.unfinished_tasks(), 3);
  }());
}

}  // namespace
}  // namespace chaosq::queue

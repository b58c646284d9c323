// Model-based tests of queue::thread_queue (Python 3.13's queue.Queue over chaosq::sync):
// - generated programs of non-blocking calls agree, call for call, with a pure model of
//   queue.py's semantics written here (a vector, the unfinished count and the shutdown flag);
// - producers and consumers on controlled threads under a generated seed hand over every item
//   exactly once, join returns only once every item got was task_done'd, and the run completes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "chaosq/queue/thread_queue.hpp"
#include "chaosq/sim/decision.hpp"
#include "chaosq/sync/sync.hpp"

namespace chaosq::properties {
namespace {

using queue::queue_kind;

enum class call : std::uint8_t {
  put_nowait,
  get_nowait,
  task_done,
  qsize,
  empty,
  full,
  shutdown,
  shutdown_immediate,
};

struct operation {
  call what = call::qsize;
  int value = 0;  // the item, for put_nowait
};

std::ostream& operator<<(std::ostream& os, const operation& op) {
  static constexpr const char* k_names[] = {
      "put_nowait", "get_nowait", "task_done", "qsize",
      "empty",      "full",       "shutdown",  "shutdown(immediate)"};
  os << k_names[static_cast<std::size_t>(op.what)];
  if (op.what == call::put_nowait) os << "(" << op.value << ")";
  return os;
}

/// The kind as a generated value: 0 Queue, 1 LifoQueue, 2 PriorityQueue (shown as a number).
queue_kind any_kind() { return static_cast<queue_kind>(*rc::gen::inRange(0, 3)); }

/// queue.py's Queue, LifoQueue and PriorityQueue for calls that never wait. Each call returns
/// what Python would: the value, or the exception's name.
class python_queue_model {
 public:
  python_queue_model(queue_kind k, std::ptrdiff_t maxsize) : kind_(k), maxsize_(maxsize) {}

  std::string apply(const operation& op) {
    switch (op.what) {
      case call::put_nowait:
        if (shut_down_) return "ShutDown";
        if (maxsize_ > 0 && std::ssize(items_) >= maxsize_) return "Full";
        items_.push_back(op.value);
        ++unfinished_;
        return "None";
      case call::get_nowait:
        if (shut_down_ && items_.empty()) return "ShutDown";
        if (items_.empty()) return "Empty";
        return std::to_string(take());
      case call::task_done:
        if (unfinished_ == 0) return "ValueError";
        --unfinished_;
        return "None";
      case call::qsize:
        return std::to_string(items_.size());
      case call::empty:
        return items_.empty() ? "True" : "False";
      case call::full:
        return maxsize_ > 0 && std::ssize(items_) >= maxsize_ ? "True" : "False";
      case call::shutdown:
      case call::shutdown_immediate:
        shut_down_ = true;
        if (op.what == call::shutdown_immediate) {
          while (!items_.empty()) {
            (void)take();
            if (unfinished_ > 0) --unfinished_;
          }
        }
        return "None";
    }
    return "?";
  }

  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  [[nodiscard]] std::int64_t unfinished() const noexcept { return unfinished_; }
  [[nodiscard]] bool shut_down() const noexcept { return shut_down_; }

  /// Takes the item `get` returns: the oldest, the newest, or the smallest.
  int take() {
    auto at = items_.begin();
    if (kind_ == queue_kind::lifo) at = items_.end() - 1;
    if (kind_ == queue_kind::priority) at = std::min_element(items_.begin(), items_.end());
    int const item = *at;
    items_.erase(at);
    return item;
  }

 private:
  queue_kind kind_;
  std::ptrdiff_t maxsize_;
  std::vector<int> items_;
  std::int64_t unfinished_ = 0;
  bool shut_down_ = false;
};

/// What the real queue answers to `op`, in the model's words.
std::string apply(queue::thread_queue<int>& q, const operation& op) {
  try {
    switch (op.what) {
      case call::put_nowait:
        q.put_nowait(op.value);
        return "None";
      case call::get_nowait:
        return std::to_string(q.get_nowait());
      case call::task_done:
        q.task_done();
        return "None";
      case call::qsize:
        return std::to_string(q.qsize());
      case call::empty:
        return q.empty() ? "True" : "False";
      case call::full:
        return q.full() ? "True" : "False";
      case call::shutdown:
        q.shutdown(false);
        return "None";
      case call::shutdown_immediate:
        q.shutdown(true);
        return "None";
    }
  } catch (const queue::queue_shut_down&) {
    return "ShutDown";
  } catch (const queue::queue_full&) {
    return "Full";
  } catch (const queue::queue_empty&) {
    return "Empty";
  } catch (const queue::task_done_error&) {
    return "ValueError";
  }
  return "?";
}

/// Calls, weighted toward puts and gets; shutdowns only in programs that allow them (rare even
/// there: a shutdown ends most of what is interesting).
rc::Gen<operation> operations(bool shutdowns) {
  auto just = [](call c) { return rc::gen::just(operation{c, 0}); };
  return rc::gen::weightedOneOf<operation>(
      {{6, rc::gen::map(rc::gen::inRange(0, 8),
                        [](int v) {
                          return operation{call::put_nowait, v};
                        })},
       {5, just(call::get_nowait)},
       {3, just(call::task_done)},
       {1, just(call::qsize)},
       {1, just(call::empty)},
       {1, just(call::full)},
       {shutdowns ? 1U : 0U, just(call::shutdown)},
       {shutdowns ? 1U : 0U, just(call::shutdown_immediate)}});
}

TEST(thread_queue_model, nonblocking_calls_agree_with_queue_py) {
  rc::detail::checkGTest([] {
    queue_kind const kind = any_kind();
    auto const maxsize = *rc::gen::inRange<std::ptrdiff_t>(-1, 5);
    bool const shutdowns = *rc::gen::arbitrary<bool>();
    auto const program = *rc::gen::container<std::vector<operation>>(operations(shutdowns));
    python_queue_model model(kind, maxsize);
    // Outside every controlled thread: calls that never wait run at once.
    queue::thread_queue<int> q(kind, maxsize);
    bool saw_full = false;
    bool saw_value_error = false;
    for (const operation& op : program) {
      std::string const expected = model.apply(op);
      RC_ASSERT(apply(q, op) == expected);
      saw_full = saw_full || expected == "Full";
      saw_value_error = saw_value_error || expected == "ValueError";
      RC_ASSERT(q.stored() == model.size());
      RC_ASSERT(q.unfinished() == model.unfinished());
      RC_ASSERT(q.is_shut_down() == model.shut_down());
    }
    // The final state: the same items, leaving in the same order.
    while (model.size() > 0) RC_ASSERT(q.get_nowait() == model.take());
    RC_ASSERT(q.qsize() == 0U);
    RC_CLASSIFY(model.shut_down(), "shut down");
    RC_CLASSIFY(saw_full, "Full");
    RC_CLASSIFY(saw_value_error, "ValueError");
  });
}

TEST(thread_queue_model, producers_and_consumers_hand_over_every_item_once_and_join_waits) {
  rc::detail::checkGTest([] {
    queue_kind const kind = any_kind();
    auto const maxsize = *rc::gen::inRange<std::ptrdiff_t>(0, 4);
    int const producers = *rc::gen::inRange(1, 4);
    int const consumers = *rc::gen::inRange(1, 4);
    int const per_producer = *rc::gen::inRange(0, 12);
    auto const seed = *rc::gen::arbitrary<std::uint64_t>();

    std::vector<int> got;
    int done = 0;  // items got and task_done'd
    bool join_returned_early = false;
    sim::random_decisions d(seed);
    sync::run_result const r = sync::run(
        [&] {
          queue::thread_queue<int> q(kind, maxsize);
          std::vector<sync::thread> threads;
          for (int c = 0; c < consumers; ++c) {
            threads.emplace_back([&] {
              for (;;) {
                int const item = q.get();
                if (item < 0) {
                  q.task_done();
                  return;
                }
                got.push_back(item);
                sync::this_thread::yield();  // work between the get and its task_done
                ++done;
                q.task_done();
              }
            });
          }
          std::vector<sync::thread> feeders;
          for (int p = 0; p < producers; ++p) {
            feeders.emplace_back([&q, p, per_producer] {
              for (int i = 0; i < per_producer; ++i) q.put(p * 100 + i);
            });
          }
          for (sync::thread& t : feeders) t.join();
          q.join();
          if (done != producers * per_producer) join_returned_early = true;
          for (int c = 0; c < consumers; ++c) q.put(-1);  // one stop sign each
          for (sync::thread& t : threads) t.join();
        },
        d);
    if (r.status != sync::run_status::complete) RC_FAIL(r.describe());
    RC_ASSERT(!join_returned_early);
    std::vector<int> expected;
    for (int p = 0; p < producers; ++p) {
      for (int i = 0; i < per_producer; ++i) expected.push_back(p * 100 + i);
    }
    std::sort(got.begin(), got.end());
    RC_ASSERT(got == expected);
  });
}

}  // namespace
}  // namespace chaosq::properties

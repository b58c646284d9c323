// Each pool of examples/threads under random schedules: the buggy version is caught (a wait
// that returns while a task still runs, or a hang that names its wait sites), its first catch
// replays to the same result, and the fixed version passes every one of the same schedules.

#include <cstdint>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/sim/decision.hpp"
#include "chaosq/sync/sync.hpp"

#include "attach_pool.hpp"
#include "early_wait_pool.hpp"
#include "job_queue_pool.hpp"
#include "suspend_pool.hpp"
#include "wait_pool.hpp"

namespace {

namespace stdx = chaosq::sync;
using chaosq::sim::decision_source;
using chaosq::sim::random_decisions;
using chaosq::sim::replay_decisions;

/// Schedules each test explores: enough to catch every bug here several times over, few enough
/// for a debug build to run them all in well under a second.
constexpr std::uint64_t k_seeds = 1000;

/// One run of a program: how it ended, and whether a wait returned while work was left.
struct verdict {
  stdx::run_result run;
  bool early = false;
};

/// Runs a program under the given decisions.
using scenario = std::function<verdict(decision_source&)>;

bool caught(const verdict& v) { return v.early || v.run.status != stdx::run_status::complete; }

struct first_catch {
  std::uint64_t seed = 0;  // the schedules explored before it: seed + 1
  verdict found;
};

std::optional<first_catch> hunt(const scenario& program) {
  for (std::uint64_t seed = 0; seed < k_seeds; ++seed) {
    random_decisions d(seed);
    verdict v = program(d);
    if (caught(v)) {
      std::cout << "caught after " << seed + 1
                << " schedule(s): " << (v.early ? "a wait returned early; " : "")
                << v.run.describe() << "\n";
      return first_catch{seed, std::move(v)};
    }
  }
  return std::nullopt;
}

/// The first catch's decisions, replayed, give the same run.
void expect_replays(const scenario& program, const verdict& first) {
  replay_decisions d(first.run.decisions);
  verdict const again = program(d);
  EXPECT_EQ(again.early, first.early);
  EXPECT_EQ(again.run.status, first.run.status);
  EXPECT_EQ(again.run.steps, first.run.steps);
  EXPECT_EQ(again.run.decisions, first.run.decisions);
  EXPECT_EQ(again.run.describe(), first.run.describe());
  EXPECT_FALSE(d.exhausted());
}

void expect_every_schedule_passes(const scenario& program) {
  for (std::uint64_t seed = 0; seed < k_seeds; ++seed) {
    random_decisions d(seed);
    verdict const v = program(d);
    ASSERT_EQ(v.run.status, stdx::run_status::complete)
        << "seed " << seed << ": " << v.run.describe();
    ASSERT_FALSE(v.early) << "seed " << seed;
  }
}

/// The wait sites of the threads a hung run left blocked, by thread name.
std::vector<std::string> wait_sites(const stdx::run_result& r) {
  std::vector<std::string> out;
  for (const stdx::blocked_thread& b : r.blocked) out.push_back(b.name + " in " + b.where);
  return out;
}

// A task that is visibly "running" across a scheduling point, so that a wait returning while it
// runs is seen.
struct task_log {
  stdx::atomic<int> running{0};
  stdx::atomic<int> finished{0};

  void run_one() {
    running.fetch_add(1);
    stdx::this_thread::yield();
    running.fetch_sub(1);
    finished.fetch_add(1);
  }
  /// True when a wait that should cover `expected` tasks returned before they all finished.
  bool early(int expected) { return running.load() != 0 || finished.load() != expected; }
};

// ---- bshoshany/thread-pool #110: wait_for_tasks() from two threads --------------------------

template <bool Fixed>
verdict wait_from_two_threads(decision_source& d) {
  verdict v;
  v.run = stdx::run(
      [&v] {
        task_log log;
        pools::wait_pool<Fixed> pool(2);
        pool.push_task([&log] { log.run_one(); });
        pool.push_task([&log] { log.run_one(); });
        stdx::thread helper([&] {
          pool.wait_for_tasks();
          if (log.early(2)) v.early = true;
        });
        pool.wait_for_tasks();
        if (log.early(2)) v.early = true;
        helper.join();
      },
      d);
  return v;
}

TEST(threads_examples, wait_pool_second_waiter_hangs_and_replays) {
  scenario const program = wait_from_two_threads<false>;
  std::optional<first_catch> const c = hunt(program);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->found.early);
  ASSERT_EQ(c->found.run.status, stdx::run_status::deadlock);
  // One waiter was woken and returned; the other (main, or the helper t3 while main joins it)
  // sleeps on in wait_for_tasks, and the workers t1 and t2 idle for want of tasks.
  std::vector<std::string> const sites = wait_sites(c->found.run);
  std::vector<std::string> const main_left{"main in condition_variable::wait",
                                           "t1 in condition_variable::wait",
                                           "t2 in condition_variable::wait"};
  std::vector<std::string> const helper_left{
      "main in thread::join", "t1 in condition_variable::wait", "t2 in condition_variable::wait",
      "t3 in condition_variable::wait"};
  EXPECT_TRUE(sites == main_left || sites == helper_left) << c->found.run.describe();
  expect_replays(program, c->found);
}

TEST(threads_examples, wait_pool_fixed_passes_every_schedule) {
  expect_every_schedule_passes(wait_from_two_threads<true>);
}

// ---- chriskohlhoff/asio #1534: attach() racing join() ----------------------------------------

template <bool Fixed>
verdict attach_while_joining(decision_source& d) {
  verdict v;
  v.run = stdx::run(
      [&v] {
        task_log log;
        pools::attach_pool<Fixed> pool(0);
        pool.post([&log] { log.run_one(); });
        stdx::thread attached([&pool] { pool.attach(); });
        pool.join();
        attached.join();
        if (log.early(1)) v.early = true;
      },
      d);
  return v;
}

TEST(threads_examples, attach_pool_join_misses_the_attached_thread_and_replays) {
  scenario const program = attach_while_joining<false>;
  std::optional<first_catch> const c = hunt(program);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->found.run.status, stdx::run_status::deadlock);
  EXPECT_EQ(wait_sites(c->found.run),
            (std::vector<std::string>{"main in thread::join", "t1 in condition_variable::wait"}))
      << c->found.run.describe();
  expect_replays(program, c->found);
}

TEST(threads_examples, attach_pool_fixed_passes_every_schedule) {
  expect_every_schedule_passes(attach_while_joining<true>);
}

// ---- ptsouchlos/thread-pool PR #61: pending count dropped before the task ran ----------------

template <bool Fixed>
verdict wait_while_last_task_spawns(decision_source& d) {
  verdict v;
  v.run = stdx::run(
      [&v] {
        task_log log;
        pools::early_wait_pool<Fixed> pool(2);
        pool.enqueue([&log] { log.run_one(); });
        pool.enqueue([&log, &pool] {
          log.run_one();
          pool.enqueue([&log] { log.run_one(); });  // the last task submits more work
        });
        pool.wait_for_tasks();
        if (log.early(3)) v.early = true;
      },
      d);
  return v;
}

TEST(threads_examples, early_wait_pool_wait_returns_while_a_task_runs_and_replays) {
  scenario const program = wait_while_last_task_spawns<false>;
  std::optional<first_catch> const c = hunt(program);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->found.early) << c->found.run.describe();
  EXPECT_EQ(c->found.run.status, stdx::run_status::complete) << c->found.run.describe();
  expect_replays(program, c->found);
}

TEST(threads_examples, early_wait_pool_fixed_passes_every_schedule) {
  expect_every_schedule_passes(wait_while_last_task_spawns<true>);
}

// ---- dbt-labs/dbt-core #5602: a job that raises is never marked done -------------------------

template <bool Fixed>
verdict join_after_a_job_raises(decision_source& d) {
  verdict v;
  v.run = stdx::run(
      [&v] {
        task_log log;
        pools::job_queue_pool<Fixed> pool(2);
        pool.put([&log] { log.run_one(); });
        pool.put([] { throw std::runtime_error("node failed"); });
        pool.put([&log] { log.run_one(); });
        pool.join();
        if (log.early(2) || pool.errors().size() != 1) v.early = true;
      },
      d);
  return v;
}

TEST(threads_examples, job_queue_pool_join_hangs_after_a_job_raises_and_replays) {
  scenario const program = join_after_a_job_raises<false>;
  std::optional<first_catch> const c = hunt(program);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->found.run.status, stdx::run_status::deadlock);
  EXPECT_EQ(wait_sites(c->found.run), (std::vector<std::string>{"main in condition_variable::wait",
                                                                "t1 in condition_variable::wait",
                                                                "t2 in condition_variable::wait"}))
      << c->found.run.describe();
  expect_replays(program, c->found);
}

TEST(threads_examples, job_queue_pool_fixed_passes_every_schedule) {
  expect_every_schedule_passes(join_after_a_job_raises<true>);
}

// ---- valkey-io/valkey-search PR #1139: a counter sized from a stale thread count -------------

template <bool Fixed>
verdict suspend_after_shrinking(decision_source& d) {
  verdict v;
  v.run = stdx::run(
      [] {
        pools::suspend_pool<Fixed> pool(2);
        pool.resize(1);          // marks one worker for shutdown; only a later resize() reaps it
        pool.suspend_workers();  // as before a fork
        pool.resume_workers();
      },
      d);
  return v;
}

TEST(threads_examples, suspend_pool_waits_for_a_worker_that_left_and_replays) {
  scenario const program = suspend_after_shrinking<false>;
  std::optional<first_catch> const c = hunt(program);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->found.run.status, stdx::run_status::deadlock);
  // main waits on the counter; the worker that stayed is parked until resumed; the one that
  // left is not blocked anywhere.
  EXPECT_EQ(wait_sites(c->found.run), (std::vector<std::string>{"main in condition_variable::wait",
                                                                "t1 in condition_variable::wait"}))
      << c->found.run.describe();
  expect_replays(program, c->found);
}

TEST(threads_examples, suspend_pool_fixed_passes_every_schedule) {
  expect_every_schedule_passes(suspend_after_shrinking<true>);
}

}  // namespace

#include "registry.hpp"

#include "chaosq/harness/work_queue.hpp"

#include "early_wait_pool.hpp"
#include "job_queue_pool.hpp"
#include "wait_pool.hpp"

namespace pools {
namespace {

namespace harness = chaosq::harness;

// Each pool's own names for "submit a task" and "wait for every task", and nothing else: the
// pools are used as their users would.
template <bool Fixed>
using wait_pool_adapted = harness::pool_adapter<wait_pool<Fixed>, &wait_pool<Fixed>::push_task,
                                                &wait_pool<Fixed>::wait_for_tasks>;
template <bool Fixed>
using early_wait_pool_adapted =
    harness::pool_adapter<early_wait_pool<Fixed>, &early_wait_pool<Fixed>::enqueue,
                          &early_wait_pool<Fixed>::wait_for_tasks>;
template <bool Fixed>
using job_queue_pool_adapted =
    harness::pool_adapter<job_queue_pool<Fixed>, &job_queue_pool<Fixed>::put,
                          &job_queue_pool<Fixed>::join>;

}  // namespace

harness::registry registry() {
  harness::registry r = harness::builtin_registry();
  r.add_thread_pool("wait-pool",
                    "bshoshany/thread-pool #110: wait_for_tasks() wakes one waiter (notify_one)",
                    harness::pool_maker<wait_pool_adapted<false>>());
  r.add_thread_pool("wait-pool-fixed", "wait-pool with the fix: every waiter is woken",
                    harness::pool_maker<wait_pool_adapted<true>>());
  r.add_thread_pool("early-wait-pool",
                    "ptsouchlos/thread-pool PR #61: a task counts as done before it runs",
                    harness::pool_maker<early_wait_pool_adapted<false>>());
  r.add_thread_pool("early-wait-pool-fixed",
                    "early-wait-pool with the fix: a task counts as done after it ran",
                    harness::pool_maker<early_wait_pool_adapted<true>>());
  r.add_thread_pool("job-queue-pool",
                    "dbt-labs/dbt-core #5602: a job that throws is never marked done",
                    harness::pool_maker<job_queue_pool_adapted<false>>());
  r.add_thread_pool("job-queue-pool-fixed",
                    "job-queue-pool with the fix: a job that throws is marked done too",
                    harness::pool_maker<job_queue_pool_adapted<true>>());
  return r;
}

}  // namespace pools

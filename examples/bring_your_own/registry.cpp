#include "registry.hpp"

#include "demo.hpp"

namespace byo {

chaosq::harness::registry registry() {
  chaosq::harness::registry r = chaosq::harness::builtin_registry();
  r.add_queue("job-queue", "byo::job_queue (FIFO only): immediate shutdown forgets join",
              with_job_queue(flaw::drain_forgets_join).make_queue, "1.0");
  r.add_queue("job-queue-fixed", "byo::job_queue (FIFO only) with the fix",
              with_job_queue(flaw::none).make_queue, "1.1");
  r.add_behaviour("resilient-worker", "byo::resilient_worker: acknowledges failed jobs, goes on",
                  resilient_worker);
  return r;
}

}  // namespace byo

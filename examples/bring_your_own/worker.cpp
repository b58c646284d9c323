#include "worker.hpp"

#include "chaosq/sim/errors.hpp"

namespace byo {

using chaosq::harness::fault_point;
using chaosq::harness::item;

chaosq::sim::task<void> resilient_worker(chaosq::harness::consumer_context& ctx) {
  for (;;) {
    item const job = co_await ctx.get();
    try {
      co_await ctx.process(job);
    } catch (const std::exception&) {
      // A failed job is done with, as far as the queue is concerned: acknowledge and move on.
      ctx.task_done(job);
      ctx.note("skip", job, "failed, acknowledged");
      continue;
    } catch (...) {
      // A cancellation (sim::cancelled_error is no std::exception): acknowledge, then end.
      ctx.task_done(job);
      throw;
    }
    ctx.task_done(job);
    ctx.checkpoint(fault_point::after_ack);
  }
}

}  // namespace byo

#include "chaosq/harness/consumer.hpp"

#include <exception>

#include "chaosq/sim/errors.hpp"

#include "detail/policy.hpp"

namespace chaosq::harness {
namespace {

// A built-in policy as a plain consumer written against consumer_context, as a user's would be;
// what it does with each item is `detail::react` (policy.hpp), which the engine's fast path
// follows too.
sim::task<void> builtin_policy(consumer_context& ctx, ack_policy policy) {
  for (;;) {
    item const it = co_await ctx.get();
    if (detail::acks_before_work(policy)) {
      ctx.task_done(it);
      ctx.checkpoint(fault_point::after_ack);
    }
    for (std::uint32_t attempt = 0;; ++attempt) {
      detail::attempt_end ended = detail::attempt_end::done;
      std::exception_ptr error;
      try {
        co_await ctx.process(it);
      } catch (const sim::injected_fault&) {
        ended = detail::attempt_end::crashed;
        error = std::current_exception();
      } catch (...) {
        ended = detail::attempt_end::failed;
        error = std::current_exception();
      }
      detail::reaction const r = detail::react(policy, ended, attempt);
      if (r.ack) ctx.task_done(it);
      if (r.next == detail::then::retry) {
        ctx.note("retry", it, "after crash");
        continue;
      }
      if (r.next == detail::then::rethrow) std::rethrow_exception(error);
      if (detail::passes_after_ack(r)) ctx.checkpoint(fault_point::after_ack);
      break;
    }
  }
}

}  // namespace

consumer_fn builtin_consumer(ack_policy policy) {
  return [policy](consumer_context& ctx) { return builtin_policy(ctx, policy); };
}

}  // namespace chaosq::harness

#include "chaosq/harness/consumer.hpp"

#include "chaosq/sim/errors.hpp"

namespace chaosq::harness {
namespace {

// Each policy is a plain consumer written against consumer_context, as a user's would be.

sim::task<void> ack_in_finally(consumer_context& ctx) {
  for (;;) {
    item const it = co_await ctx.get();
    try {
      co_await ctx.process(it);
    } catch (...) {
      ctx.task_done(it);
      throw;
    }
    ctx.task_done(it);
    ctx.checkpoint(fault_point::after_ack);
  }
}

sim::task<void> ack_on_success(consumer_context& ctx) {
  for (;;) {
    item const it = co_await ctx.get();
    co_await ctx.process(it);
    ctx.task_done(it);
    ctx.checkpoint(fault_point::after_ack);
  }
}

sim::task<void> ack_before_work(consumer_context& ctx) {
  for (;;) {
    item const it = co_await ctx.get();
    ctx.task_done(it);
    ctx.checkpoint(fault_point::after_ack);
    co_await ctx.process(it);
  }
}

sim::task<void> ack_each_attempt(consumer_context& ctx) {
  for (;;) {
    item const it = co_await ctx.get();
    for (int attempt = 0;; ++attempt) {
      try {
        co_await ctx.process(it);
      } catch (const sim::injected_fault&) {
        ctx.task_done(it);
        if (attempt == 1) throw;
        ctx.note("retry", it, "after crash");
        continue;
      }
      ctx.task_done(it);
      break;
    }
    ctx.checkpoint(fault_point::after_ack);
  }
}

sim::task<void> ack_never(consumer_context& ctx) {
  for (;;) {
    item const it = co_await ctx.get();
    co_await ctx.process(it);
  }
}

}  // namespace

consumer_fn builtin_consumer(ack_policy policy) {
  switch (policy) {
    case ack_policy::finally:
      return ack_in_finally;
    case ack_policy::on_success:
      return ack_on_success;
    case ack_policy::before_work:
      return ack_before_work;
    case ack_policy::twice:
      return ack_each_attempt;
    case ack_policy::never:
      return ack_never;
  }
  return ack_in_finally;
}

}  // namespace chaosq::harness

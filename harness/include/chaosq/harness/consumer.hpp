#pragma once
/// \file
/// Consumers as code: the interface a consumer coroutine is written against, the built-in
/// acknowledgement policies, and how a user plugs in a consumer of their own.

#include <functional>
#include <string>

#include "chaosq/harness/workload.hpp"
#include "chaosq/sim/task.hpp"

namespace chaosq::harness {

class consumer_context;

namespace detail {
/// The engine side of a consumer_context (implemented by the engine; not for users).
class consumer_host {
 public:
  virtual sim::task<item> get(std::size_t me) = 0;
  virtual sim::task<void> process(std::size_t me, item it) = 0;
  virtual void task_done(std::size_t me, item it) = 0;
  virtual void checkpoint(std::size_t me, fault_point p) = 0;
  virtual void note(std::size_t me, std::string operation, item it, std::string outcome) = 0;
  [[nodiscard]] virtual const std::string& name(std::size_t me) const = 0;

 protected:
  ~consumer_host() = default;
};
}  // namespace detail

/// What a consumer coroutine sees of the engine: an instrumented queue and the places a fault
/// may strike. Every call is recorded in the acknowledgement ledger, so the oracles judge a
/// user's consumer exactly as they judge the built-in policies (which are written against
/// this same interface). Valid only during the run, inside the consumer's own task.
class consumer_context {
 public:
  consumer_context(detail::consumer_host& host, std::size_t me) noexcept : host_(host), me_(me) {}

  /// Waits for the next item (the queue's `get`). Raises `queue::queue_shut_down` when the
  /// queue is shut down and empty; let it escape to end the consumer normally. A crash or a
  /// cancellation may strike while it waits (`fault_point::in_get`).
  sim::task<item> get() { return host_.get(me_); }

  /// The work for one item: fault points `after_get`, then the workload's `work_steps`
  /// suspension points (`mid_item`), then `before_ack`. Raises `sim::injected_fault` or
  /// `sim::cancelled_error` where a fault strikes.
  sim::task<void> process(item it) { return host_.process(me_, it); }

  /// Acknowledges `it` (the queue's `task_done`). Its refusal (ValueError) does not escape:
  /// an over-acknowledgement is recorded as a verdict instead. Any other error of a queue
  /// under test is a `task-error/queue-raised` verdict, and escapes.
  void task_done(item it) { host_.task_done(me_, it); }

  /// An extra fault point of the consumer's own (e.g. `after_ack`).
  void checkpoint(fault_point p) { host_.checkpoint(me_, p); }

  /// Adds a line to the trace (only when the run is traced).
  void note(std::string operation, item it, std::string outcome) {
    host_.note(me_, std::move(operation), it, std::move(outcome));
  }

  /// This consumer's task name: c0, c1, c1.2 (second restart of slot 1), ...
  [[nodiscard]] const std::string& name() const { return host_.name(me_); }

 private:
  detail::consumer_host& host_;
  std::size_t me_;
};

/// A consumer: a coroutine that loops over items until the queue shuts down or a fault ends
/// it. It must suspend only through `consumer_context` and sim's awaitables. It ends by
/// returning or by letting `queue::queue_shut_down`, an injected fault or a cancellation
/// escape; anything else that escapes is a `task-error/consumer-raised` verdict.
using consumer_fn = std::function<sim::task<void>(consumer_context&)>;

/// The built-in consumer for an acknowledgement policy.
[[nodiscard]] consumer_fn builtin_consumer(ack_policy policy);

}  // namespace chaosq::harness

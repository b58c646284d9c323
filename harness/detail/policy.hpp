#pragma once
/// \file
/// The built-in acknowledgement policies, each written once: what a consumer does with an item
/// it got, and with the outcome of processing it. Two drivers run these rules: the
/// `consumer_context` one behind `builtin_consumer(policy)` (consumer.cpp, exceptions as a
/// user's consumer sees them) and the engine's no-throw fast path (actors.cpp, a fault as a
/// value: throwing an injected crash cost five unwinds per crash). Neither decides anything of
/// its own; engine_test checks that both give the same run, step for step.

#include <cstdint>

#include "chaosq/harness/workload.hpp"

namespace chaosq::harness::detail {

/// How one attempt at processing an item ended.
enum class attempt_end : std::uint8_t {
  done,     ///< `process` returned
  crashed,  ///< it raised `sim::injected_fault`
  failed,   ///< it raised anything else (a cancellation, the run stopping)
};

/// What the consumer does after an attempt.
enum class then : std::uint8_t {
  next_item,  ///< go on with the next item (after the `after_ack` fault point if it acked)
  retry,      ///< note "retry" and process the same item again
  rethrow,    ///< end, raising what the attempt raised
};

struct reaction {
  bool ack;   ///< call task_done(item) first
  then next;  ///< then this
};

/// Acknowledges an item as soon as it is got, before any work (then the `after_ack` point).
[[nodiscard]] constexpr bool acks_before_work(ack_policy p) noexcept {
  return p == ack_policy::before_work;
}

/// What policy `p` does when attempt number `attempt` (from 0) at an item ended with `e`.
[[nodiscard]] constexpr reaction react(ack_policy p, attempt_end e,
                                       std::uint32_t attempt) noexcept {
  then const pass_on = e == attempt_end::done ? then::next_item : then::rethrow;
  switch (p) {
    case ack_policy::finally:  // try { process } finally { task_done }
      return {true, pass_on};
    case ack_policy::on_success:  // process; task_done (a crash skips it)
      return {e == attempt_end::done, pass_on};
    case ack_policy::twice:  // task_done after each attempt that crashed, retry once
      if (e == attempt_end::crashed) return {true, attempt == 0 ? then::retry : then::rethrow};
      return {e == attempt_end::done, pass_on};
    case ack_policy::before_work:  // acked already (acks_before_work)
    case ack_policy::never:
      break;
  }
  return {false, pass_on};
}

/// A reaction goes through the `after_ack` fault point when it acked and goes on.
[[nodiscard]] constexpr bool passes_after_ack(reaction r) noexcept {
  return r.ack && r.next == then::next_item;
}

}  // namespace chaosq::harness::detail

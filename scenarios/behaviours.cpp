#include "chaosq/scenarios/behaviours.hpp"

#include <algorithm>
#include <chrono>

#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::scenarios {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

/// `while True: try: item = await asyncio.wait_for(q.get(), 1) except TimeoutError: ...`: the
/// timeout cancels the pending get, which must leave every item in the queue for the next get.
/// Virtual time only advances when nothing else can run, so a timeout fires exactly when the
/// consumer would otherwise wait forever.
sim::task<void> get_with_timeout(harness::consumer_context& ctx) {
  constexpr int idle_limit = 3;
  int idle = 0;
  for (;;) {
    harness::item it;
    try {
      it = co_await sim::wait_for(ctx.get(), std::chrono::seconds{1});
    } catch (const sim::timeout_error&) {
      if (++idle == idle_limit) co_return;
      continue;
    }
    idle = 0;
    try {
      co_await ctx.process(it);
    } catch (...) {
      ctx.task_done(it);
      throw;
    }
    ctx.task_done(it);
    ctx.checkpoint(harness::fault_point::after_ack);
  }
}

}  // namespace

bool behaviour_registry::add(std::string name, std::string help, harness::consumer_fn consumer) {
  if (!valid_name(name) || !consumer || find(name) != nullptr) return false;
  auto at = std::lower_bound(behaviours_.begin(), behaviours_.end(), name,
                             [](const behaviour& b, const std::string& n) { return b.name < n; });
  behaviours_.insert(at, behaviour{std::move(name), std::move(help), std::move(consumer)});
  return true;
}

const behaviour* behaviour_registry::find(std::string_view name) const noexcept {
  for (const behaviour& b : behaviours_)
    if (b.name == name) return &b;
  return nullptr;
}

behaviour_registry builtin_behaviours() {
  behaviour_registry r;
  r.add("get-with-timeout",
        "wait_for(get(), 1) in a loop: retries on timeout, exits after 3 idle timeouts; acks in "
        "finally",
        get_with_timeout);
  return r;
}

}  // namespace chaosq::scenarios

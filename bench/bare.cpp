#include "bare.hpp"

#include "chaosq/sim/loop.hpp"

#include "reference.hpp"

namespace chaosq::bench {
namespace {

/// A crash as a bare program would raise it (cheap: no message string).
struct bare_crash {};

constexpr sim::decision_source::tag k_crash_tag = 1;

sim::task<void> bare_producer(queue::basic_queue<std::uint32_t>& q, std::uint32_t items) {
  for (std::uint32_t i = 0; i < items; ++i) co_await q.put(i);
}

sim::task<void> bare_consumer(queue::basic_queue<std::uint32_t>& q, sim::decision_source& d,
                              crash_delivery delivery) {
  for (;;) {
    std::uint32_t const it = co_await q.get();
    static_cast<void>(it);
    try {
      co_await sim::yield();  // the one suspension point mid-item
      if (d.choose(k_crash_odds, k_crash_tag) == k_crash_odds - 1) {
        if (delivery == crash_delivery::exception) throw bare_crash{};
        q.task_done();
        co_return;
      }
    } catch (...) {
      q.task_done();
      throw;
    }
    q.task_done();
  }
}

sim::task<void> bare_joiner(queue::basic_queue<std::uint32_t>& q, sim::task_ref producer,
                            bool& joined) {
  sim::future ended;
  producer.notify_when_done(ended);
  co_await ended;
  co_await q.join();
  joined = true;
}

}  // namespace

bare_outcome run_bare_schedule(queue::queue_kind kind, std::uint32_t items, std::uint32_t consumers,
                               sim::decision_source& decisions, crash_delivery delivery) {
  bare_outcome out;
  queue::basic_queue<std::uint32_t> q(kind);  // outlives the loop, whose frames point into it
  sim::loop l(decisions);
  auto const producer = l.spawn(bare_producer(q, items), "p0");
  for (std::uint32_t c = 0; c < consumers; ++c) l.spawn(bare_consumer(q, decisions, delivery), "c");
  l.spawn(bare_joiner(q, producer, out.joined), "j0");
  static_cast<void>(l.run());
  out.steps = l.steps();
  return out;
}

}  // namespace chaosq::bench

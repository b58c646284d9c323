#include "minimal.hpp"

namespace chaosq::bench::minimal {
namespace {

// asyncio's put on an unbounded queue never suspends, so the producer puts every item in its
// first step, as bare_reference's does.
task producer(counting_queue& q, std::uint32_t items) {
  for (std::uint32_t i = 0; i < items; ++i) q.put(i);
  co_return;
}

task consumer(scheduler& s, counting_queue& q, std::uint32_t crash_odds) {
  for (;;) {
    while (q.empty()) co_await q.item_put();
    static_cast<void>(q.take());
    co_await s.yield();  // the one suspension point mid-item
    bool const crashed = s.below(crash_odds) == crash_odds - 1;
    q.task_done();
    if (crashed) co_return;
  }
}

task joiner(counting_queue& q, task::handle producer, bool& joined) {
  co_await scheduler::end_of(producer);
  co_await q.join();
  joined = true;
}

}  // namespace

outcome run_schedule(std::uint32_t items, std::uint32_t consumers, std::uint32_t crash_odds,
                     std::uint64_t seed) {
  assert(consumers + 2 <= k_max_tasks);
  outcome out;
  scheduler s(seed);
  // Outlived by the frames that point into it: they are destroyed with s, touching none of it.
  counting_queue q(s);
  task::handle const p = s.spawn(producer(q, items));
  for (std::uint32_t c = 0; c < consumers; ++c) s.spawn(consumer(s, q, crash_odds));
  s.spawn(joiner(q, p, out.joined));
  s.run();
  out.steps = s.steps();
  return out;
}

}  // namespace chaosq::bench::minimal

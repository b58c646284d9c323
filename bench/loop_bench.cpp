// The floor under the engine: sim's loop alone, and the reference workload written directly
// against sim/ and queue/ with no harness (no ledger, no oracles, no fault bookkeeping).

#include <cstdint>
#include <optional>

#include <benchmark/benchmark.h>

#include "chaosq/harness/explore.hpp"
#include "chaosq/sim/decision.hpp"
#include "chaosq/sim/loop.hpp"

#include "bare.hpp"
#include "reference.hpp"

namespace chaosq::bench {
namespace {

enum class order : std::uint8_t { asyncio, random };

sim::task<void> spinner(std::uint32_t yields) {
  for (std::uint32_t i = 0; i < yields; ++i) co_await sim::yield();
}

/// Steps per second of the bare loop: 4 tasks yielding 1000 times each, in asyncio (FIFO)
/// order or with every pick drawn from a seeded random stream.
void bare_loop(benchmark::State& state, order o) {
  constexpr std::uint32_t k_tasks = 4;
  constexpr std::uint32_t k_yields = 1000;
  std::uint64_t steps = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    sim::random_decisions decisions(seed++);
    std::optional<sim::loop> l;
    if (o == order::random) {
      l.emplace(decisions);
    } else {
      l.emplace();
    }
    for (std::uint32_t t = 0; t < k_tasks; ++t) l->spawn(spinner(k_yields));
    benchmark::DoNotOptimize(l->run());
    steps += l->steps();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(steps));
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(bare_loop, asyncio_order, order::asyncio);
BENCHMARK_CAPTURE(bare_loop, random_walk, order::random);

/// Schedules per second of the reference workload with no harness: items, consumers and every
/// crash (exactly mid-item, p = 0.2) and every pick drawn from one seeded random stream.
void bare_reference(benchmark::State& state, queue::queue_kind kind, crash_delivery delivery) {
  sim::splitmix64 shape(7);
  std::uint64_t steps = 0;
  std::uint64_t hangs = 0;
  std::uint64_t i = 0;
  for (auto _ : state) {
    std::uint32_t const items = 1 + shape.below(k_max_items);
    std::uint32_t const consumers = 1 + shape.below(k_max_consumers);
    sim::random_decisions decisions(harness::schedule_seed(1, i++));
    bare_outcome const out = run_bare_schedule(kind, items, consumers, decisions, delivery);
    steps += out.steps;
    hangs += out.joined ? 0 : 1;
  }
  auto const n = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.counters["steps/schedule"] = static_cast<double>(steps) / n;
  state.counters["hang%"] = 100.0 * static_cast<double>(hangs) / n;
}
BENCHMARK_CAPTURE(bare_reference, fifo, queue::queue_kind::fifo, crash_delivery::exception);
BENCHMARK_CAPTURE(bare_reference, lifo, queue::queue_kind::lifo, crash_delivery::exception);
BENCHMARK_CAPTURE(bare_reference, priority, queue::queue_kind::priority, crash_delivery::exception);
// The same schedules with crashes delivered as values: what unwinding costs sim+queue.
BENCHMARK_CAPTURE(bare_reference, fifo_crash_as_value, queue::queue_kind::fifo,
                  crash_delivery::value);

}  // namespace
}  // namespace chaosq::bench

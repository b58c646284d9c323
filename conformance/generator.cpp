#include "chaosq/conformance/generator.hpp"

#include <array>
#include <cassert>
#include <span>

#include "chaosq/conformance/reference.hpp"

namespace chaosq::conformance {
namespace {

constexpr std::array<std::int64_t, 5> k_maxsizes{0, 1, 2, 3, -1};
constexpr std::uint32_t k_value_range = 10;  // values 0..9: priority ties are common

/// Chance, in percent, that an operation which may wake a waiter is followed by a cancel of a
/// task it woke (if it woke one): the cancel-after-wake race of asyncio's queues.
constexpr std::uint32_t k_cancel_woken_percent = 30;

template <class T>
struct weighted {
  T value;
  std::uint32_t weight;
};

/// One of `choices` with probability proportional to its weight. Precondition: some weight > 0.
template <class T>
T draw(sim::splitmix64& rng, std::span<const weighted<T>> choices) {
  std::uint32_t total = 0;
  for (const auto& c : choices) total += c.weight;
  assert(total > 0);
  std::uint32_t pick = rng.below(total);
  for (const auto& c : choices) {
    if (pick < c.weight) return c.value;
    pick -= c.weight;
  }
  assert(false && "weights cover the draw");
  return choices.front().value;
}

bool may_wake(op_code code) {
  switch (code) {
    case op_code::put_nowait:
    case op_code::get_nowait:
    case op_code::task_done:
    case op_code::shutdown:
    case op_code::shutdown_immediate:
      return true;
    default:
      return false;
  }
}

/// The tasks of `run` in `phase`.
std::vector<std::uint32_t> tasks_in(const reference_run& run, task_phase phase) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t k = 0; k < run.task_count(); ++k) {
    if (run.phase(k) == phase) out.push_back(k);
  }
  return out;
}

std::uint32_t pick(sim::splitmix64& rng, const std::vector<std::uint32_t>& from) {
  return from[rng.below(static_cast<std::uint32_t>(from.size()))];
}

/// A cancel target: mostly a waiting or just-woken task, sometimes one not yet started, now
/// and then any task (a finished one makes `cancel` return false).
std::uint32_t draw_target(sim::splitmix64& rng, const reference_run& run) {
  auto const waiters = tasks_in(run, task_phase::waiting);
  auto const just_woken = tasks_in(run, task_phase::woken);
  auto const fresh = tasks_in(run, task_phase::unstarted);
  enum class aim : std::uint8_t { waiting, woken, unstarted, any };
  std::array<weighted<aim>, 4> const aims{{
      {aim::waiting, waiters.empty() ? 0U : 45U},
      {aim::woken, just_woken.empty() ? 0U : 30U},
      {aim::unstarted, fresh.empty() ? 0U : 15U},
      {aim::any, 10U},
  }};
  switch (draw<aim>(rng, aims)) {
    case aim::waiting:
      return pick(rng, waiters);
    case aim::woken:
      return pick(rng, just_woken);
    case aim::unstarted:
      return pick(rng, fresh);
    case aim::any:
      break;
  }
  return rng.below(static_cast<std::uint32_t>(run.task_count()));
}

/// The next operation. The weights look at the run so far: steps are common while a task is
/// ready (an idle step now and then), cancels while some task is not done.
operation draw_operation(sim::splitmix64& rng, const reference_run& run,
                         std::span<const operation> before, shutdown_ops shutdown) {
  operation op;
  if (!before.empty() && may_wake(before.back().code) && rng.below(100) < k_cancel_woken_percent) {
    auto const woken = tasks_in(run, task_phase::woken);
    if (!woken.empty()) return {op_code::cancel, pick(rng, woken)};
  }
  bool any_task = run.task_count() > 0;
  bool any_live = false;
  for (std::size_t k = 0; k < run.task_count(); ++k) {
    any_live = any_live || run.phase(k) != task_phase::done;
  }
  std::uint32_t const shutdown_weight = shutdown == shutdown_ops::included ? 3 : 0;
  std::array<weighted<op_code>, 10> const weights{{
      {op_code::step, run.can_step() ? 300U : 20U},
      {op_code::spawn_get, 100},
      {op_code::spawn_put, run.queue().full() ? 140U : 90U},
      {op_code::spawn_join, 40},
      {op_code::put_nowait, 130},
      {op_code::get_nowait, 90},
      {op_code::task_done, 60},
      {op_code::cancel, any_live   ? 70U
                        : any_task ? 10U
                                   : 0U},
      {op_code::shutdown, shutdown_weight},
      {op_code::shutdown_immediate, shutdown_weight},
  }};
  op.code = draw<op_code>(rng, weights);
  switch (op.code) {
    case op_code::spawn_put:
    case op_code::put_nowait:
      op.arg = rng.below(k_value_range);
      break;
    case op_code::cancel:
      op.arg = draw_target(rng, run);
      break;
    default:
      break;
  }
  return op;
}

}  // namespace

program generate_program(sim::splitmix64& rng, const generator_options& options) {
  assert(options.min_ops >= 1 && options.min_ops <= options.max_ops);
  program p;
  p.kind = options.kind;
  p.maxsize = k_maxsizes[rng.below(k_maxsizes.size())];
  auto const lines = options.min_ops +
                     rng.below(static_cast<std::uint32_t>(options.max_ops - options.min_ops + 1));
  std::size_t const ops = lines - 1;
  // Half the programs end with a few steps, so that what the last operations woke settles.
  std::size_t const tail_steps = rng.below(2) == 0 ? std::min<std::size_t>(ops, rng.below(5)) : 0;
  // The generator runs the program on the reference as it writes it, to aim its choices.
  reference_run run(p.kind, p.maxsize);
  while (p.ops.size() < ops) {
    operation const op = p.ops.size() >= ops - tail_steps
                             ? operation{op_code::step, 0}
                             : draw_operation(rng, run, p.ops, options.shutdown);
    static_cast<void>(run.apply(op));
    p.ops.push_back(op);
  }
  return p;
}

program generate_batch_program(std::uint64_t seed, std::uint64_t index, shutdown_ops shutdown) {
  // Two rounds of SplitMix64 mixing give each (seed, index) an independent stream.
  sim::splitmix64 seeder(seed);
  std::uint64_t const base = seeder.next();
  sim::splitmix64 rng(base ^ sim::splitmix64(index).next());
  generator_options options;
  constexpr std::array<queue::queue_kind, 3> kinds{queue::queue_kind::fifo, queue::queue_kind::lifo,
                                                   queue::queue_kind::priority};
  options.kind = kinds[index % kinds.size()];
  options.shutdown = shutdown;
  return generate_program(rng, options);
}

std::vector<program> generate_batch(std::uint64_t seed, std::size_t count, shutdown_ops shutdown) {
  std::vector<program> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(generate_batch_program(seed, i, shutdown));
  return out;
}

}  // namespace chaosq::conformance

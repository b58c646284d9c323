#include "chaosq/harness/generate.hpp"

#include <algorithm>

#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::harness {
namespace {

std::uint32_t up_to(sim::decision_source& d, std::uint32_t max) {
  return d.choose(max + 1, decision_tag::value);
}

/// `max`, or less: the largest value the field table accepts for `id`.
std::uint32_t within(field_id id, std::uint32_t max) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(max, info(id).hi));
}

/// A draw of 1..max (1 when max is 0), within the field table's limit.
std::uint32_t at_least_one(sim::decision_source& d, field_id id, std::uint32_t max) {
  return 1 + up_to(d, within(id, std::max(max, 1U)) - 1);
}

template <class T>
T one_of(sim::decision_source& d, const std::vector<T>& choices, T fallback) {
  if (choices.empty()) return fallback;
  return choices[d.choose(static_cast<std::uint32_t>(choices.size()), decision_tag::value)];
}

}  // namespace

workload generate_workload(sim::decision_source& d, const workload_space& space) {
  workload w = space.base;
  w.kind = one_of(d, space.kinds, queue::queue_kind::fifo);
  w.maxsize = static_cast<std::int32_t>(up_to(d, within(field_id::maxsize, space.max_maxsize)));
  w.producers = at_least_one(d, field_id::producers, space.max_producers);
  w.items = at_least_one(d, field_id::items, space.max_items);
  if (space.nowait_puts) w.put = up_to(d, 1) == 1 ? put_mode::nowait : put_mode::blocking;
  w.consumers = at_least_one(d, field_id::consumers, space.max_consumers);
  w.policy = one_of(d, space.policies, ack_policy::finally);
  w.work_steps = up_to(d, within(field_id::work_steps, space.max_work_steps));
  w.restarts = up_to(d, within(field_id::restarts, space.max_restarts));
  w.joiners = at_least_one(d, field_id::joiners, space.max_joiners);
  w.join_when = up_to(d, 1) == 1 ? join_when::at_start : join_when::after_producers;
  w.faults.crashes = up_to(d, within(field_id::crash_budget, space.max_crashes));
  w.faults.cancels = up_to(d, within(field_id::cancel_budget, space.max_cancels));
  // Threads cannot be cancelled (validate()); the draw stays, so a record means the same.
  if (w.mode == run_mode::threads) w.faults.cancels = 0;
  if (space.shutdown) w.faults.shutdown = static_cast<shutdown_allowance>(up_to(d, 3));
  w.step_budget = space.step_budget != 0
                      ? space.step_budget
                      : std::clamp<std::uint64_t>(10 * work_steps_estimate(w), 1,
                                                  info(field_id::step_budget).hi);
  return w;
}

generated_run run_generated(const workload_space& space, sim::decision_source& decisions,
                            const run_options& options) {
  generated_run out;
  out.work = generate_workload(decisions, space);
  out.report = run(out.work, decisions, options);
  return out;
}

generated_run replay_generated(const workload_space& space,
                               std::span<const std::uint32_t> decisions,
                               const run_options& options) {
  sim::replay_decisions source(decisions);
  return run_generated(space, source, options);
}

std::size_t workload_prefix(const workload_space& space, std::span<const std::uint32_t> record) {
  sim::replay_decisions source(record);
  (void)generate_workload(source, space);
  return std::min(source.consumed(), record.size());
}

workload_space pool_space(workload_space space, const std::function<bool(field_id)>& keep) {
  auto const free = [&keep](field_id f) { return !keep || !keep(f); };
  space.base.mode = run_mode::threads;
  if (free(field_id::queue)) space.kinds = {queue::queue_kind::fifo};
  if (free(field_id::policy)) space.policies = {ack_policy::finally};
  if (free(field_id::maxsize)) space.max_maxsize = 0;
  if (free(field_id::restarts)) space.max_restarts = 0;
  if (free(field_id::cancel_budget)) space.max_cancels = 0;
  if (free(field_id::put)) space.nowait_puts = false;
  if (free(field_id::shutdown)) space.shutdown = false;
  return space;
}

}  // namespace chaosq::harness

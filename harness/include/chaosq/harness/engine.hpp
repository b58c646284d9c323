#pragma once
/// \file
/// The engine: one run of a workload under a decision stream, judged by every oracle.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "chaosq/harness/consumer.hpp"
#include "chaosq/harness/trace.hpp"
#include "chaosq/harness/verdict.hpp"
#include "chaosq/harness/work_queue.hpp"
#include "chaosq/harness/workload.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::harness {

/// What each decision of a run's record is about (`sim::decision_source::tags()`).
namespace decision_tag {
inline constexpr sim::decision_source::tag schedule = sim::decision_source::schedule;
inline constexpr sim::decision_source::tag fault_strike = 1;  ///< does a fault strike here?
inline constexpr sim::decision_source::tag fault_target = 2;  ///< which task, which mode
inline constexpr sim::decision_source::tag value = 3;         ///< a generated value
}  // namespace decision_tag

/// How a run ended.
enum class run_end : std::uint8_t {
  complete,     ///< every task finished
  quiescent,    ///< nothing could run, some task still blocked (consumers idle in get, ...)
  violation,    ///< stopped at the first safety violation
  step_budget,  ///< the workload's step budget ran out
};

class observed_run;

/// Code that runs a whole workload of mode python itself (a Python program on its own loop),
/// reporting to `run` (observed.hpp) and finishing it.
using program_fn = std::function<void(observed_run& run)>;

struct run_options {
  bool trace = false;  ///< build the event trace (for replays of failures)
  /// With `trace`: the most events the trace keeps (at least 2); past it, the first half and
  /// the last half, saying how many were left out (`trace::omitted`).
  std::size_t trace_events = trace_limits::events;
  /// Write each verdict's `message`. Off, a verdict still carries its oracle, kind and marked
  /// steps (every oracle still judges), but no text: for loops that run millions of schedules
  /// and show only a few, which replay those decisions with it on to read the message.
  bool explain = true;
  queue_factory make_queue;  ///< the queue under test; empty: the reference queue
  consumer_fn consumer;      ///< the consumers' code; empty: the workload's ack policy
  /// A thread pool under test instead of a queue (threads mode; `make_queue` and `consumer`
  /// empty): the producers submit one job per item, the pool's own threads run them, the
  /// joiners wait for the pool (work_pool). Precondition: `pool_problem(w)` is empty.
  pool_factory make_pool;
  /// Mode python: runs the program the workload names (its runner, e.g. the Python module's).
  /// Required in that mode, unused in the others.
  program_fn program;
};

/// What one run produced.
struct run_report {
  run_end end = run_end::complete;
  std::optional<verdict> violation;
  std::uint64_t steps = 0;
  std::vector<std::uint32_t> decisions;         ///< every decision consumed: the reproducer
  std::vector<sim::decision_source::tag> tags;  ///< what each decision is about
  std::vector<std::uint32_t> bounds;            ///< how many alternatives each decision had
  std::uint32_t tasks = 0;                      ///< tasks the run spawned
  std::optional<harness::trace> trace;          ///< when run_options::trace
};

namespace detail {
struct engine_state;
}  // namespace detail

/// Runs workloads one after another, keeping what a run allocates (the ledger, the actors, the
/// report's buffers) for the next: the engine of loops that run millions of schedules
/// (exploration, fuzzing, benchmarks). Each run is exactly `run(w, decisions, options)`.
class engine {
 public:
  engine();
  engine(engine&&) noexcept;
  engine& operator=(engine&&) noexcept;
  ~engine();

  /// Runs `w` once (see `run` below). The report stays valid until the next call.
  /// Precondition: `validate(w)` is empty; not called from inside one of this engine's runs.
  const run_report& run(const workload& w, sim::decision_source& decisions,
                        const run_options& options = {});

  /// True while one of this engine's runs is in progress (a consumer may start a run itself).
  [[nodiscard]] bool busy() const noexcept;

 private:
  std::unique_ptr<detail::engine_state> state_;
};

/// Runs `w` once, taking every nondeterministic choice (the next ready task, whether and where
/// a fault strikes, an item's priority) from `decisions`. A pure function of (w, the values
/// `decisions` yields): replaying `report.decisions` gives the same report, byte for byte.
/// Precondition: `validate(w)` is empty.
[[nodiscard]] run_report run(const workload& w, sim::decision_source& decisions,
                             const run_options& options = {});

/// Replays a decision record (values past its end read as 0).
[[nodiscard]] run_report replay(const workload& w, std::span<const std::uint32_t> decisions,
                                const run_options& options = {});

}  // namespace chaosq::harness

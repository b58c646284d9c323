#pragma once
/// \file
/// The end of every run, the engine's own and observed ones alike: what it found, written into
/// its `run_report` in one way.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/trace.hpp"
#include "chaosq/sim/decision.hpp"

#include "detail/judgement.hpp"

namespace chaosq::harness::detail {

/// Writes into `report` (whose `end` says how the run ended) the first violation `judge` holds,
/// its marked steps sorted and the trace marked with them, `end` made `violation` for a safety
/// verdict on a run that ended, the trace (when `trace` records one), the `steps` taken, the
/// decision record and the number of `tasks`. The report's vectors keep their capacity.
void write_report(run_report& report, judgement& judge, std::optional<trace_recorder>& trace,
                  const sim::decision_source& decisions, std::uint64_t steps, std::size_t tasks);

}  // namespace chaosq::harness::detail

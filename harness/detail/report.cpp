#include "detail/report.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace chaosq::harness::detail {

void write_report(run_report& report, judgement& judge, std::optional<trace_recorder>& trace,
                  const sim::decision_source& decisions, std::uint64_t steps, std::size_t tasks) {
  std::optional<verdict>& violation = judge.violation();
  if (violation) {
    std::vector<std::uint64_t>& marked = violation->marked_steps;
    std::sort(marked.begin(), marked.end());
    marked.erase(std::unique(marked.begin(), marked.end()), marked.end());
    bool const ended = report.end == run_end::complete || report.end == run_end::quiescent;
    if (ended && !info(violation->kind).judged_at_end) report.end = run_end::violation;
  }
  if (trace) {
    report.trace = trace->take();
    if (violation) {
      std::vector<std::uint32_t> items;
      for (const item_account& a : violation->items) items.push_back(a.id);
      report.trace->mark(violation->marked_steps, items);
    }
  } else {
    report.trace.reset();
  }
  report.violation = std::move(violation);
  report.steps = steps;
  // Copy-assigned: the report's vectors keep their capacity from run to run.
  report.decisions = decisions.record();
  report.tags = decisions.tags();
  report.bounds = decisions.bounds();
  report.tasks = static_cast<std::uint32_t>(tasks);
}

}  // namespace chaosq::harness::detail

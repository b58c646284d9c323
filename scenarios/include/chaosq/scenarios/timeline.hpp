#pragma once
/// \file
/// A visual timeline of traces: one self-contained HTML page (inline SVG and CSS, no script, no
/// network) that a person reads at a glance. A swimlane per task (producers, consumers,
/// joiners, supervisors), a column per step, a glyph per fault, the steps that matter outlined,
/// the leaked item's path from its put to the fault that stranded it drawn above everything,
/// and a toggle that hides the steps that do not matter. See docs/timeline.md.

#include <span>
#include <string>
#include <vector>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/trace.hpp"

namespace chaosq::scenarios {

/// One trace to draw, with its heading.
struct timeline_section {
  /// The scenario or the command that ran: "FAIL seed-incident", "chaosq replay cq1-…". Long
  /// words (tokens) are shortened in the heading and shown whole beneath it.
  std::string subject;
  std::string verdict;  ///< the verdict's signature ("join-hang/held-by-crashed") or "no violation"
  std::string explanation;  ///< one sentence: what the verdict means
  std::string detail;  ///< what happened, naming items, tasks and steps (the verdict's message)
  const harness::trace* trace = nullptr;
  /// The unacknowledged items the run's verdict names (`verdict::items`): each one a task took
  /// is drawn as a path from its put through its get to the fault that ended its holder.
  std::vector<harness::item_account> unacknowledged;
};

/// The section of a traced run: `subject`, the run's verdict (signature, meaning, message,
/// items), or "no violation" with `otherwise` as the explanation. `r` must outlive the section.
[[nodiscard]] timeline_section run_section(std::string subject, const harness::run_report& r,
                                           std::string otherwise = {});

/// The section of a failure: `subject`, its verdict as `run_section` gives it (or `otherwise`
/// as the explanation when the run has no verdict), its trace. `f` must outlive the section.
[[nodiscard]] timeline_section failure_section(std::string subject, const harness::failure& f,
                                               std::string otherwise = {});

/// The page: with one section, its heading is the page's `<h1>`; with several, each is an
/// `<h2>` under a common `<h1>`. Every text is escaped; the same input gives the same bytes.
[[nodiscard]] std::string timeline_html(std::span<const timeline_section> sections);

}  // namespace chaosq::scenarios

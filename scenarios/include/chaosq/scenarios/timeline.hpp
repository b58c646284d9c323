#pragma once
/// \file
/// A visual timeline of traces: one self-contained HTML page (inline SVG and CSS, no script, no
/// network), a swimlane per task, an event per step, the steps that matter outlined.

#include <span>
#include <string>
#include <vector>

#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/trace.hpp"

namespace chaosq::scenarios {

/// One trace to draw, with a heading.
struct timeline_section {
  std::string title;     ///< e.g. "FAIL seed-incident"
  std::string subtitle;  ///< e.g. the verdict's message
  const harness::trace* trace = nullptr;
  /// The unacknowledged items the run's verdict names (`verdict::items`): each one a task took
  /// is drawn as a path from its put through its get to its holder's end.
  std::vector<harness::item_account> unacknowledged;
};

/// The section of a failure: `title` followed by its verdict's signature, the verdict's message
/// (or `otherwise` when the run has no verdict), its trace. `f` must outlive the section.
[[nodiscard]] timeline_section failure_section(std::string title, const harness::failure& f,
                                               std::string otherwise = {});

/// The page. Every text is escaped; the same input gives the same bytes.
[[nodiscard]] std::string timeline_html(std::span<const timeline_section> sections);

}  // namespace chaosq::scenarios

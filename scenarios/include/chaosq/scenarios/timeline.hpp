#pragma once
/// \file
/// A visual timeline of traces: one self-contained HTML page (inline SVG and CSS, no script, no
/// network), a swimlane per task, an event per step, the steps that matter outlined.

#include <span>
#include <string>

#include "chaosq/harness/trace.hpp"

namespace chaosq::scenarios {

/// One trace to draw, with a heading.
struct timeline_section {
  std::string title;     ///< e.g. "FAIL seed-incident"
  std::string subtitle;  ///< e.g. the verdict's message
  const harness::trace* trace = nullptr;
};

/// The page. Every text is escaped; the same input gives the same bytes.
[[nodiscard]] std::string timeline_html(std::span<const timeline_section> sections);

}  // namespace chaosq::scenarios

#include "chaosq/scenarios/timeline.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <compare>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

#include "detail/markup.hpp"

namespace chaosq::scenarios {
namespace {

using detail::markup_escape;

// The drawing is laid out in user units for a chart 1352 units wide: a 1400-px window less the
// page's margins, where a unit is then a CSS pixel. The SVG scales with the page's width, but
// never below the width at which its 14-unit text would fall under 12 px; a trace too long for
// that width makes a wider drawing, which scrolls.
constexpr int k_chart_width = 1352;
constexpr int k_font = 14;
constexpr int k_min_font_px = 12;
constexpr double k_char = 8.5;  // the advance of one character at k_font in a monospace font
constexpr int k_left = 84;      // lane names
constexpr int k_right = 8;
constexpr int k_end = 64;        // after the last step: where waits that never ended run on
constexpr int k_top = 30;        // step numbers
constexpr int k_lane = 50;       // lane pitch
constexpr int k_cell_top = 6;    // a cell's offset inside its lane
constexpr int k_cell = 38;       // cell height
constexpr int k_baseline = 21;   // of a cell's label, from the cell's top
constexpr int k_min_dx = 16;     // narrowest step column
constexpr int k_max_dx = 240;    // widest step column
constexpr int k_label_dx = 30;   // a step column narrower than this cannot show an item
constexpr int k_min_gap = 40;    // narrowest column standing for hidden steps
constexpr int k_badge = 9;       // radius of the disc a fault glyph sits on in a cell's corner
constexpr int k_path_width = 7;  // the leaked item's path: twice any other stroke
constexpr int k_ring = 12;       // radius of the ring around the fault that ends the path

// Each accent colour names one thing and nothing else draws with it: the leaked item's path,
// the outline of the steps that matter, each fault's glyph, the join that never returns. Cell
// fills are pale, so that dark labels on them keep a contrast well above WCAG AA's 4.5:1.
constexpr std::string_view k_leak = "#cc0077";
constexpr std::string_view k_matters = "#1d4ed8";
constexpr std::string_view k_crash = "#c81e1e";
constexpr std::string_view k_cancel = "#d9480f";
constexpr std::string_view k_shutdown = "#1f2933";
constexpr std::string_view k_hang = "#6b2fa3";
constexpr std::string_view k_hatch = "#f3edf9";   // the hatching's light and dark stripes,
constexpr std::string_view k_stripe = "#b99ad8";  // lighter than the path it must not outshine
constexpr std::string_view k_ink = "#111111";
constexpr std::string_view k_muted = "#4a4a4a";  // step numbers and waits: 8.9:1 on white
constexpr std::string_view k_rule = "#d6d6d6";
constexpr std::string_view k_hidden = "#f1f1f1";
constexpr std::string_view k_fault_only = "#f6f6f6";

// A fault is drawn as a glyph over its cell rather than as the cell's colour, so that the step
// it struck (a get, a put) stays visible. Ascending: the one drawn when a cell holds several.
enum class fault : std::uint8_t { none, shutdown, cancel, crash };

fault fault_of(std::string_view operation) {
  if (operation == "crash") return fault::crash;
  if (operation == "cancel") return fault::cancel;
  if (operation == "shutdown" || operation == "shutdown-immediate") return fault::shutdown;
  return fault::none;
}

std::string_view name_of(fault f) {
  switch (f) {
    case fault::crash:
      return "crash";
    case fault::cancel:
      return "cancel";
    case fault::shutdown:
      return "shutdown";
    case fault::none:
      break;
  }
  return "none";
}

struct step_style {
  std::string_view operation;
  std::string_view fill;
  int rank;  // which event fills a cell holding several
};

constexpr std::array<step_style, 8> step_styles{{
    {"put", "#d8eed0", 2},
    {"get", "#fdefb2", 2},
    {"process", "#e6e6e6", 1},
    {"ack", "#cdeee8", 3},
    {"join", "#e9def3", 2},
    {"restart", "#f5dfc8", 2},
    {"retry", "#f5dfc8", 2},
    {"other", "#dde3ea", 0},
}};

const step_style& style_of(std::string_view operation) {
  for (const step_style& s : step_styles)
    if (operation == s.operation) return s;
  if (operation.starts_with("put")) return step_styles[0];  // put_nowait
  if (operation.starts_with("get")) return step_styles[1];
  return step_styles.back();
}

// Lanes: producers, consumers, joiners, supervisors, then any other task (the engine, which
// shuts the queue down); within a role by number, a restarted consumer (c0.1) right after the
// one it replaces.
struct lane_key {
  int role = 0;
  std::uint64_t number = 0;
  std::uint64_t incarnation = 0;
  std::string name;
  auto operator<=>(const lane_key&) const = default;
};

lane_key key_of(const std::string& task) {
  constexpr std::string_view roles = "pcjs";
  lane_key const other{static_cast<int>(roles.size()), 0, 0, task};  // by name, after the roles
  if (task.size() < 2 || roles.find(task.front()) == std::string_view::npos) return other;
  lane_key key{static_cast<int>(roles.find(task.front())), 0, 0, task};
  const char* const end = task.data() + task.size();
  std::from_chars_result r = std::from_chars(task.data() + 1, end, key.number);
  if (r.ec == std::errc{} && r.ptr != end && *r.ptr == '.')
    r = std::from_chars(r.ptr + 1, end, key.incarnation);
  return r.ec == std::errc{} && r.ptr == end ? key : other;
}

std::vector<std::string> lanes_of(const harness::trace& trace) {
  std::map<lane_key, std::string> ordered;
  for (const harness::trace_event& e : trace.events) ordered.emplace(key_of(e.task), e.task);
  std::vector<std::string> lanes;
  for (auto& [key, task] : ordered) lanes.push_back(task);
  return lanes;
}

std::size_t display_width(std::string_view text) {  // code points, for UTF-8 text
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

int text_width(std::string_view text) {
  return static_cast<int>(std::ceil(static_cast<double>(display_width(text)) * k_char));
}

std::string num(std::int64_t n) { return std::to_string(n); }

// What one trace shows: its lanes, its cells (one per lane and step), the items whose paths
// are drawn, what each task was still waiting for when the run ended.
struct cell {
  std::vector<const harness::trace_event*> events;
  const harness::trace_event* shown = nullptr;  // fills and labels the cell
  const harness::trace_event* fault = nullptr;  // drawn as a glyph
  bool marked = false;
};

struct wait {
  std::size_t lane = 0;
  const harness::trace_event* event = nullptr;
  bool hang = false;  // a join that never returns, not a task idling
};

struct scene {
  const harness::trace* trace = nullptr;
  std::vector<std::string> lanes;
  std::map<std::pair<std::size_t, std::uint64_t>, cell> cells;  // (lane, step)
  std::vector<const harness::item_account*> paths;              // the items a task took
  std::vector<wait> waits;
  std::set<std::uint64_t> kept;  // the steps that matter: shown when unmarked ones are hidden
  std::uint64_t first_step = 0;
  std::uint64_t last_step = 0;
  // Steps of which a capped trace kept no event (first > last: none), drawn as one column.
  std::uint64_t omitted_first = 1;
  std::uint64_t omitted_last = 0;

  [[nodiscard]] std::size_t lane_of(const std::string& task) const {
    return static_cast<std::size_t>(std::find(lanes.begin(), lanes.end(), task) - lanes.begin());
  }
};

scene scene_of(const harness::trace& trace,
               const std::vector<harness::item_account>& unacknowledged) {
  scene s;
  s.trace = &trace;
  s.lanes = lanes_of(trace);
  s.first_step = trace.events.front().step;
  std::set<std::int64_t> named;  // a cell showing one of these shows it, not its neighbours
  for (const harness::item_account& item : unacknowledged) {
    named.insert(item.id);
    if (!item.got_by.empty()) s.paths.push_back(&item);
  }
  auto preference = [&](const harness::trace_event& e) {
    return std::tuple{named.contains(e.item), e.marked, style_of(e.operation).rank};
  };
  for (const harness::trace_event& e : trace.events) {
    s.first_step = std::min(s.first_step, e.step);
    s.last_step = std::max(s.last_step, e.step);
    cell& c = s.cells[{s.lane_of(e.task), e.step}];
    c.events.push_back(&e);
    c.marked = c.marked || e.marked;
    if (e.marked || named.contains(e.item)) s.kept.insert(e.step);
    if (fault const f = fault_of(e.operation); f != fault::none) {
      if (c.fault == nullptr || f > fault_of(c.fault->operation)) c.fault = &e;
    } else if (c.shown == nullptr || preference(e) > preference(*c.shown)) {
      c.shown = &e;
    }
  }
  if (trace.omitted != 0) {
    s.omitted_first = trace.events[trace.gap - 1].step + 1;
    s.omitted_last = trace.events[trace.gap].step - 1;
  }
  for (std::size_t lane = 0; lane < s.lanes.size(); ++lane) {
    const harness::trace_event* last = nullptr;
    for (const harness::trace_event& e : trace.events)
      if (e.task == s.lanes[lane]) last = &e;
    if (last == nullptr || !last->outcome.starts_with("waiting")) continue;
    bool const hang = last->operation == "join";
    s.waits.push_back({lane, last, hang});
    if (hang) s.kept.insert(last->step);
  }
  return s;
}

// The columns: one per step, or with unmarked steps hidden, one per step that matters and one
// per run of hidden steps between them.
struct column {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  int x = 0;
  int width = 0;
  bool hidden = false;
  bool omitted = false;  // hidden because the trace kept none of its events
};

struct layout {
  std::vector<column> columns;
  int end = 0;    // where the last column ends
  int width = 0;  // of the whole drawing

  [[nodiscard]] const column& of(std::uint64_t step) const {
    auto const after =
        std::upper_bound(columns.begin(), columns.end(), step,
                         [](std::uint64_t s, const column& c) { return s < c.first; });
    return *std::prev(after);
  }
  [[nodiscard]] int step_width() const {
    for (const column& c : columns)
      if (!c.hidden) return c.width;
    return 0;
  }
};

layout layout_of(const scene& s, bool collapsed) {
  layout l;
  for (std::uint64_t step = s.first_step; step <= s.last_step; ++step) {
    if (step == s.omitted_first && s.omitted_first <= s.omitted_last) {
      l.columns.push_back({step, s.omitted_last, 0, 0, true, true});
      step = s.omitted_last;
      continue;
    }
    bool const hidden = collapsed && !s.kept.contains(step);
    if (hidden && !l.columns.empty() && l.columns.back().hidden && !l.columns.back().omitted)
      l.columns.back().last = step;
    else
      l.columns.push_back({step, step, 0, 0, hidden});
  }
  auto const hidden_runs = static_cast<int>(
      std::count_if(l.columns.begin(), l.columns.end(), [](const column& c) { return c.hidden; }));
  int const steps = static_cast<int>(l.columns.size()) - hidden_runs;
  int const room = k_chart_width - k_left - k_end - k_right;
  int const dx =
      std::clamp((room - hidden_runs * k_min_gap) / std::max(steps, 1), k_min_dx, k_max_dx);
  int const gap = hidden_runs == 0 ? 0 : std::max(k_min_gap, (room - steps * dx) / hidden_runs);
  int x = k_left;
  for (column& c : l.columns) {
    c.x = x;
    c.width = c.hidden ? gap : dx;
    x += c.width;
  }
  l.end = x;
  l.width = std::max(k_chart_width, x + k_end + k_right);
  return l;
}

int lane_top(std::size_t lane) { return k_top + k_lane * static_cast<int>(lane) + k_cell_top; }

// Where a cell's label and glyph go: a label needs room for itself and, beside it, the glyph.
struct cell_geometry {
  int x = 0;
  int y = 0;
  int width = 0;
  std::string label;  // empty: none fits
  int glyph_x = 0;
  int glyph_y = 0;
  int path_x = 0;  // where the leaked item's path passes through the cell
  int path_y = 0;
};

cell_geometry geometry_of(const layout& l, std::size_t lane, std::uint64_t step, const cell& c) {
  const column& col = l.of(step);
  cell_geometry g{col.x + 1, lane_top(lane), col.width - 2, {}, 0, 0, 0, 0};
  // A fault in a cell that shows a step sits on a badge in its top right corner, leaving the
  // step's colour and label visible; a cell with nothing but the fault centres it.
  bool const badge = c.fault != nullptr && c.shown != nullptr;
  g.glyph_x = badge ? g.x + g.width - k_badge - 1 : g.x + g.width / 2;
  g.glyph_y = badge ? g.y + k_badge + 1 : g.y + k_cell / 2;
  // The path runs along the bottom, clear of the label; under a badge, straight up to it.
  g.path_x = badge ? g.glyph_x : g.x + std::min(14, g.width / 2);
  g.path_y = g.y + k_cell - 8;
  std::string label;
  if (c.shown != nullptr && c.shown->item >= 0)
    label = "i" + std::to_string(c.shown->item);
  else if (c.shown != nullptr)
    label = c.shown->operation;
  int const room = g.width - 5 - (badge ? 2 * k_badge + 2 : 5);
  if (text_width(label) <= room) g.label = std::move(label);
  return g;
}

std::string glyph(fault f, int cx, int cy) {
  std::string const y = num(cy);
  auto at = [](int v, int d) { return num(v + d); };
  std::string out = "<g class=\"glyph " + std::string(name_of(f)) + "\">";
  switch (f) {
    case fault::crash:  // ✕
      out += "<path d=\"M" + at(cx, -5) + " " + at(cy, -5) + " L" + at(cx, 5) + " " + at(cy, 5) +
             " M" + at(cx, 5) + " " + at(cy, -5) + " L" + at(cx, -5) + " " + at(cy, 5) +
             "\" stroke=\"" + std::string(k_crash) +
             "\" stroke-width=\"3.5\" stroke-linecap=\"round\" fill=\"none\"/>";
      break;
    case fault::cancel:  // ⊘, one path so that its colour is on one element as the others' are
      out += "<path d=\"M" + at(cx, -6) + " " + y + " A6 6 0 1 0 " + at(cx, 6) + " " + y +
             " A6 6 0 1 0 " + at(cx, -6) + " " + y + " M" + at(cx, -4) + " " + at(cy, 4) + " L" +
             at(cx, 4) + " " + at(cy, -4) + "\" stroke=\"" + std::string(k_cancel) +
             "\" stroke-width=\"2.5\" fill=\"none\"/>";
      break;
    case fault::shutdown:  // ■
      out += "<rect x=\"" + at(cx, -5) + "\" y=\"" + at(cy, -5) +
             "\" width=\"10\" height=\"10\" fill=\"" + std::string(k_shutdown) + "\"/>";
      break;
    case fault::none:
      break;
  }
  return out + "</g>";
}

std::string hatch_pattern(const std::string& id) {
  return "<pattern id=\"" + id +
         "\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
         "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"" +
         std::string(k_hatch) + "\"/><rect width=\"3\" height=\"8\" fill=\"" +
         std::string(k_stripe) + "\"/></pattern>";
}

std::string text(int x, int y, std::string_view fill, std::string_view content,
                 std::string_view extra = {}) {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" fill=\"" + std::string(fill) + "\"" +
         (extra.empty() ? "" : " " + std::string(extra)) + ">" + markup_escape(content) + "</text>";
}

std::string steps_text(const column& c) {
  return c.first == c.last ? "step " + std::to_string(c.first)
                           : "steps " + std::to_string(c.first) + "–" + std::to_string(c.last);
}

// What became of a leaked item, written after the cell its path ends in, as long as the lane
// has room for it before its next drawn cell.
std::string leak_label(const scene& s, const layout& l, const harness::item_account& item,
                       std::pair<std::size_t, std::uint64_t> last) {
  const column& col = l.of(last.second);
  int const x = col.x + col.width + 6;
  int to = l.end + k_end;
  for (auto it = s.cells.upper_bound(last); it != s.cells.end() && it->first.first == last.first;
       ++it) {
    if (l.of(it->first.second).hidden) continue;
    to = l.of(it->first.second).x;
    break;
  }
  std::string const id = "i" + std::to_string(item.id);
  std::string label =
      id + " never acknowledged: " + item.got_by +
      (item.holder_fault.empty() ? " still holds it" : " ended by " + item.holder_fault);
  if (x + text_width(label) + 8 > to) label = id + " never acknowledged";
  if (x + text_width(label) + 8 > to) return {};
  int const y = lane_top(last.first);
  return "<rect x=\"" + num(x - 3) + "\" y=\"" + num(y + k_baseline - 15) + "\" width=\"" +
         num(text_width(label) + 6) + "\" height=\"20\" fill=\"#ffffff\"/>" +
         text(x, y + k_baseline, k_leak, label, "class=\"item-label\" font-weight=\"bold\"");
}

std::string chart(const scene& s, const layout& l, const std::string& id, bool collapsed) {
  int const height = k_top + k_lane * static_cast<int>(s.lanes.size()) + 4;
  int const min_width = (l.width * k_min_font_px + k_font - 1) / k_font;
  std::string out = "<svg class=\"timeline " + std::string(collapsed ? "collapsed" : "full") +
                    "\" viewBox=\"0 0 " + num(l.width) + " " + num(height) +
                    "\" style=\"min-width:" + num(min_width) +
                    "px\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" "
                    "font-size=\"" +
                    num(k_font) + "\" role=\"img\">\n";
  std::string const hatch = "hatch-" + id;
  out += "<defs>" + hatch_pattern(hatch) + "</defs>\n";

  // Hidden steps first, as a band beneath everything, with a mark where their numbers would be.
  for (const column& c : l.columns) {
    if (!c.hidden) continue;
    std::string const why = c.omitted ? " left out of the trace: " + s.trace->omission()
                                      : " hidden: nothing there matters for the verdict";
    out += "<g class=\"gap\"><title>" + steps_text(c) + markup_escape(why) + "</title><rect x=\"" +
           num(c.x + 2) + "\" y=\"" + num(k_top) + "\" width=\"" + num(c.width - 4) +
           "\" height=\"" + num(height - k_top - 4) + "\" fill=\"" + std::string(k_hidden) +
           "\"/>" + text(c.x + c.width / 2, k_top - 10, k_muted, "…", "text-anchor=\"middle\"") +
           "</g>\n";
  }
  // Step numbers, as often as they fit.
  int const dx = std::max(l.step_width(), 1);
  auto const every = static_cast<std::uint64_t>(std::ceil(4 * k_char / dx));
  std::uint64_t numbered = 0;
  for (const column& c : l.columns) {
    if (c.hidden) continue;
    // Full: every n-th step, so that the numbers line up; collapsed: every n-th column.
    if ((collapsed ? numbered++ : c.first) % every != 0) continue;
    out += text(c.x + c.width / 2, k_top - 10, k_muted, std::to_string(c.first),
                "class=\"step-number\" text-anchor=\"middle\"") +
           "\n";
  }
  out += text(l.end + k_end / 2, k_top - 10, k_muted, "end", "text-anchor=\"middle\"") + "\n";
  for (std::size_t lane = 0; lane < s.lanes.size(); ++lane) {
    int const y = lane_top(lane);
    out +=
        text(6, y + k_cell / 2 + 5, k_ink, s.lanes[lane], "class=\"lane\" font-weight=\"bold\"") +
        "<line x1=\"" + num(k_left) + "\" y1=\"" + num(y + k_cell / 2) + "\" x2=\"" +
        num(l.end + k_end) + "\" y2=\"" + num(y + k_cell / 2) + "\" stroke=\"" +
        std::string(k_rule) + "\" stroke-width=\"1\"/>\n";
  }

  // What tasks still waited for when the run ended, drawn to the end: a join that never
  // returns as a bold hatched bar saying so, a task idling (a consumer in get) as a thin line.
  for (const wait& w : s.waits) {
    const column& c = l.of(w.event->step);
    int const x = c.hidden ? c.x : c.x + c.width;
    int const to = l.end + k_end;
    int const y = lane_top(w.lane);
    std::string const since = " since step " + std::to_string(w.event->step);
    if (!w.hang) {
      out += "<g class=\"wait\"><title>" +
             markup_escape(s.lanes[w.lane] + " waiting in " + w.event->operation + since +
                           " when the run ended" + (w.event->operation == "get" ? ": idle" : "")) +
             "</title><line x1=\"" + num(x) + "\" y1=\"" + num(y + k_cell / 2) + "\" x2=\"" +
             num(to) + "\" y2=\"" + num(y + k_cell / 2) + "\" stroke=\"" + std::string(k_muted) +
             "\" stroke-width=\"2\" stroke-dasharray=\"6 5\"/></g>\n";
      continue;
    }
    std::string label = s.lanes[w.lane] + ": join waiting" + since + " — hangs";
    if (text_width(label) + 16 > to - x) label = "hangs";
    out += "<g class=\"hang\"><title>" +
           markup_escape(s.lanes[w.lane] + "'s join, " + w.event->outcome + since +
                         ", never returns: the run ended with it pending") +
           "</title><rect x=\"" + num(x) + "\" y=\"" + num(y + 2) + "\" width=\"" + num(to - x) +
           "\" height=\"" + num(k_cell - 4) + "\" fill=\"url(#" + hatch + ")\" stroke=\"" +
           std::string(k_hang) + "\" stroke-width=\"2\"/>";
    if (text_width(label) + 16 <= to - x) {
      out += "<rect x=\"" + num(x + 4) + "\" y=\"" + num(y + 7) + "\" width=\"" +
             num(text_width(label) + 8) + "\" height=\"" + num(k_cell - 14) +
             "\" fill=\"#ffffff\"/>" +
             text(x + 8, y + k_cell / 2 + 5, k_hang, label, "font-weight=\"bold\"");
    }
    out += "</g>\n";
  }

  // The steps: a cell per task and step, hovering it shows its events as the text trace does.
  for (const auto& [where, c] : s.cells) {
    if (l.of(where.second).hidden) continue;
    cell_geometry const g = geometry_of(l, where.first, where.second, c);
    const harness::trace_event& shown = c.shown != nullptr ? *c.shown : *c.fault;
    std::string lines;
    for (const harness::trace_event* e : c.events)
      lines += (lines.empty() ? "" : "\n") + harness::line_of(*e);
    out += "<g class=\"step op-" + markup_escape(style_of(shown.operation).operation) +
           (c.marked ? " marked" : "") + "\" data-task=\"" + markup_escape(s.lanes[where.first]) +
           "\" data-step=\"" + std::to_string(where.second) + "\"><title>" + markup_escape(lines) +
           "</title><rect x=\"" + num(g.x) + "\" y=\"" + num(g.y) + "\" width=\"" + num(g.width) +
           "\" height=\"" + num(k_cell) + "\" rx=\"3\" fill=\"" +
           std::string(c.shown != nullptr ? style_of(shown.operation).fill : k_fault_only) + "\"" +
           (c.marked ? " stroke=\"" + std::string(k_matters) + "\" stroke-width=\"3\"" : "") + "/>";
    if (!g.label.empty()) out += text(g.x + 5, g.y + k_baseline, k_ink, g.label);
    if (c.fault != nullptr) {
      if (c.shown != nullptr) {
        out += "<circle class=\"badge\" cx=\"" + num(g.glyph_x) + "\" cy=\"" + num(g.glyph_y) +
               "\" r=\"" + num(k_badge) + "\" fill=\"#ffffff\"/>";
      }
      out += glyph(fault_of(c.fault->operation), g.glyph_x, g.glyph_y);
    }
    out += "</g>\n";
  }

  // Last, above everything: each item taken and never acknowledged, from its put through its
  // get to the fault that ended the task holding it, which a ring circles.
  for (const harness::item_account* item : s.paths) {
    std::vector<std::pair<int, int>> points;
    bool ends_in_fault = false;
    std::pair<std::size_t, std::uint64_t> last{};  // the cell the path ends in
    for (const harness::trace_event& e : s.trace->events) {
      bool const holder_fault = fault_of(e.operation) != fault::none && e.task == item->got_by &&
                                !item->holder_fault.empty() && e.step == item->fault_step;
      if (e.item != static_cast<std::int64_t>(item->id) && !holder_fault) continue;
      std::size_t const lane = s.lane_of(e.task);
      const cell& c = s.cells.at({lane, e.step});
      cell_geometry const g = geometry_of(l, lane, e.step, c);
      ends_in_fault = fault_of(e.operation) != fault::none;
      std::pair<int, int> const p =
          ends_in_fault ? std::pair{g.glyph_x, g.glyph_y} : std::pair{g.path_x, g.path_y};
      if (!points.empty() && points.back() == p) continue;
      // Square corners keep the path off the labels: to another lane, down the column it
      // leaves (where, one task acting per step, nothing else is drawn), then along the bottom
      // of the lane it reaches; to the fault, along the bottom, then up to the glyph.
      if (!points.empty() && points.back().first != p.first && points.back().second != p.second)
        points.push_back(ends_in_fault ? std::pair{p.first, points.back().second}
                                       : std::pair{points.back().first, p.second});
      points.push_back(p);
      last = {lane, e.step};
      if (ends_in_fault) break;
    }
    if (points.size() < 2) continue;
    std::pair<int, int> const ring = points.back();
    if (ends_in_fault) {  // stop at the ring, leaving the glyph inside it clear
      auto const [px, py] = points[points.size() - 2];
      double const length = std::hypot(ring.first - px, ring.second - py);
      double const keep = std::max(0.0, length - k_ring) / length;
      points.back() = {px + static_cast<int>(std::lround((ring.first - px) * keep)),
                       py + static_cast<int>(std::lround((ring.second - py) * keep))};
    }
    std::string list;
    for (auto [x, y] : points) list += (list.empty() ? "" : " ") + num(x) + "," + num(y);
    out += "<g class=\"leak\" data-item=\"" + std::to_string(item->id) + "\"><title>" +
           markup_escape(harness::to_string(*item)) + "</title><polyline class=\"item-path\" " +
           "points=\"" + list + "\" fill=\"none\" stroke=\"" + std::string(k_leak) +
           "\" stroke-width=\"" + num(k_path_width) +
           "\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/><circle class=\"item-start\" " +
           "cx=\"" + num(points.front().first) + "\" cy=\"" + num(points.front().second) +
           "\" r=\"6\" fill=\"" + std::string(k_leak) + "\"/>";
    if (ends_in_fault) {
      out += "<circle class=\"item-end\" cx=\"" + num(ring.first) + "\" cy=\"" + num(ring.second) +
             "\" r=\"" + num(k_ring) + "\" fill=\"none\" stroke=\"" + std::string(k_leak) +
             "\" stroke-width=\"4\"/>";
    }
    out += leak_label(s, l, *item, last) + "</g>\n";
  }
  return out + "</svg>\n";
}

// Words as long as tokens are cut in headings, keeping both ends: cq1-AAABFAAEAQEA…c4984104.
// Only ASCII words, which a cut cannot split inside a character; names are rarely this long.
std::string shortened(std::string_view subject) {
  constexpr std::size_t longest = 48;
  std::string out;
  std::size_t at = 0;
  while (at <= subject.size()) {
    std::size_t const space = std::min(subject.find(' ', at), subject.size());
    std::string_view const word = subject.substr(at, space - at);
    bool const ascii = std::all_of(word.begin(), word.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80U; });
    out += ascii && word.size() > longest
               ? std::string(word.substr(0, 16)) + "…" + std::string(word.substr(word.size() - 8))
               : std::string(word);
    if (space < subject.size()) out += ' ';
    at = space + 1;
  }
  return out;
}

std::string heading(const timeline_section& s, std::string_view tag) {
  std::string const subject = shortened(s.subject);
  std::string out = "<" + std::string(tag) + "><span class=\"subject\">" + markup_escape(subject) +
                    "</span> <span class=\"verdict\">" + markup_escape(s.verdict) + "</span>";
  if (!s.explanation.empty())
    out += "<span class=\"why\">" + markup_escape(s.explanation) + "</span>";
  out += "</" + std::string(tag) + ">\n";
  if (subject != s.subject)
    out += "<p class=\"command\"><code>" + markup_escape(s.subject) + "</code></p>\n";
  if (!s.detail.empty()) out += "<p class=\"detail\">" + markup_escape(s.detail) + "</p>\n";
  return out;
}

std::string swatch(std::string_view body, std::string_view label) {
  return "<span><svg width=\"30\" height=\"20\" viewBox=\"0 0 30 20\" aria-hidden=\"true\">" +
         std::string(body) + "</svg>" + std::string(label) + "</span>";
}

std::string legend() {
  std::string out = "<p class=\"legend\">";
  for (const step_style& s : step_styles) {
    if (s.operation == "retry") continue;  // drawn as restart is
    out += swatch("<rect x=\"2\" y=\"2\" width=\"26\" height=\"16\" rx=\"3\" fill=\"" +
                      std::string(s.fill) + "\"/>",
                  s.operation == "restart" ? "restart, retry" : s.operation);
  }
  out += swatch(
      "<rect x=\"3\" y=\"3\" width=\"24\" height=\"14\" rx=\"3\" fill=\"#ffffff\" "
      "stroke=\"" +
          std::string(k_matters) + "\" stroke-width=\"3\"/>",
      "step that matters for the verdict");
  out += swatch(glyph(fault::crash, 15, 10), "crash");
  out += swatch(glyph(fault::cancel, 15, 10), "cancellation");
  out += swatch(glyph(fault::shutdown, 15, 10), "shutdown");
  out += swatch("<line x1=\"4\" y1=\"10\" x2=\"26\" y2=\"10\" stroke=\"" + std::string(k_leak) +
                    "\" stroke-width=\"" + num(k_path_width) + "\" stroke-linecap=\"round\"/>",
                "item taken and never acknowledged, to the fault that stranded it");
  out += swatch("<defs>" + hatch_pattern("hatch-legend") +
                    "</defs><rect x=\"2\" y=\"3\" width=\"26\" height=\"14\" "
                    "fill=\"url(#hatch-legend)\" stroke=\"" +
                    std::string(k_hang) + "\" stroke-width=\"2\"/>",
                "join that never returns");
  out += swatch("<line x1=\"2\" y1=\"10\" x2=\"28\" y2=\"10\" stroke=\"" + std::string(k_muted) +
                    "\" stroke-width=\"2\" stroke-dasharray=\"6 5\"/>",
                "task still waiting at the end (a consumer idle in get)");
  return out + "</p>\n";
}

std::string sentence(std::string_view text) {
  std::string out(text);
  if (out.empty()) return out;
  if (out.front() >= 'a' && out.front() <= 'z') out.front() = static_cast<char>(out.front() - 32);
  if (out.back() != '.') out += '.';
  return out;
}

// A section: its heading, then `preface` (the legend, on a page of one section), then its charts.
std::string section_html(const timeline_section& s, std::size_t index, std::string_view tag,
                         std::string_view preface) {
  std::string out = "<section class=\"run\">\n" + heading(s, tag) + std::string(preface);
  if (s.trace == nullptr || s.trace->events.empty())
    return out + "<p>No trace to show.</p>\n</section>\n";
  // A long run's trace keeps its first and last events: the page says so above the chart.
  if (s.trace->omitted != 0)
    out += "<p class=\"detail\">" + markup_escape(sentence(s.trace->omission())) + "</p>\n";
  scene const sc = scene_of(*s.trace, s.unacknowledged);
  layout const full = layout_of(sc, false);
  std::string const id = std::to_string(index);
  std::uint64_t const steps = sc.last_step - sc.first_step + 1;
  bool const can_collapse = !sc.kept.empty() && sc.kept.size() < steps;
  if (can_collapse) {
    // Collapsed from the start when the full chart is too narrow to label its steps.
    out += "<input type=\"checkbox\" class=\"collapse\" id=\"collapse-" + id + "\"" +
           (full.step_width() < k_label_dx ? " checked" : "") + "><label for=\"collapse-" + id +
           "\">Show only the steps that matter (hides " + std::to_string(steps - sc.kept.size()) +
           " of " + std::to_string(steps) + ")</label>\n";
  }
  out += "<div class=\"chart\">\n" + chart(sc, full, id + "-full", false);
  if (can_collapse) out += chart(sc, layout_of(sc, true), id + "-collapsed", true);
  return out + "</div>\n</section>\n";
}

}  // namespace

std::string timeline_html(std::span<const timeline_section> sections) {
  std::string title = "chaosq timeline";
  if (sections.size() == 1)
    title = sections.front().verdict + " — " + shortened(sections.front().subject);
  else if (!sections.empty())
    title = "chaosq timeline: " + std::to_string(sections.size()) + " runs";
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      markup_escape(title) +
      "</title>\n<style>\n"
      "body { font: 16px/1.45 system-ui, 'DejaVu Sans', sans-serif; color: #111111; "
      "background: #ffffff; margin: 24px; }\n"
      "h1, h2 { margin: 0 0 0.3em; }\n"
      "h1 { font-size: 26px; } h2 { font-size: 21px; margin-top: 1.2em; }\n"
      ".verdict { font-family: 'DejaVu Sans Mono', monospace; background: #f1f1f1; "
      "border: 1px solid #9a9a9a; border-radius: 4px; padding: 0 0.3em; }\n"
      ".why { display: block; font-size: 18px; font-weight: normal; margin-top: 0.2em; }\n"
      "p { margin: 0.4em 0; } p.detail, p.command { color: #333333; max-width: 100em; }\n"
      "code { font-family: 'DejaVu Sans Mono', monospace; font-size: 14px; "
      "overflow-wrap: anywhere; }\n"
      ".legend { display: flex; flex-wrap: wrap; gap: 0.3em 1.3em; font-size: 14px; "
      "color: #111111; }\n"
      ".legend span { display: inline-flex; align-items: center; gap: 0.35em; }\n"
      "label { font-size: 15px; }\n"
      ".chart { overflow-x: auto; margin-top: 0.5em; }\n"
      "svg.timeline { display: block; width: 100%; height: auto; }\n"
      ".collapse:checked ~ .chart svg.full, .collapse:not(:checked) ~ .chart svg.collapsed "
      "{ display: none; }\n"
      "</style>\n</head>\n<body>\n";
  std::string const key =
      legend() +
      "<p class=\"hint\">A lane per task, a column per step. Hover a step for its lines of the "
      "trace.</p>\n";
  if (sections.size() == 1)
    return out + section_html(sections.front(), 0, "h1", key) + "</body>\n</html>\n";
  out += "<h1>" + markup_escape(title) + "</h1>\n" + key;
  if (sections.empty()) out += "<p>No trace to show: every scenario passed without one.</p>\n";
  for (std::size_t i = 0; i < sections.size(); ++i) out += section_html(sections[i], i, "h2", {});
  return out + "</body>\n</html>\n";
}

timeline_section run_section(std::string subject, const harness::run_report& r,
                             std::string otherwise) {
  const harness::trace* const trace = r.trace ? &*r.trace : nullptr;
  if (!r.violation)
    return {std::move(subject), "no violation", std::move(otherwise), {}, trace, {}};
  return {std::move(subject),
          r.violation->signature(),
          sentence(harness::info(r.violation->kind).meaning),
          r.violation->message,
          trace,
          r.violation->items};
}

timeline_section failure_section(std::string subject, const harness::failure& f,
                                 std::string otherwise) {
  timeline_section s = run_section(std::move(subject), f.report, std::move(otherwise));
  s.unacknowledged = f.unacknowledged;
  return s;
}

}  // namespace chaosq::scenarios

#include "chaosq/scenarios/timeline.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "detail/markup.hpp"

namespace chaosq::scenarios {
namespace {

using detail::markup_escape;

struct style {
  std::string_view operation;
  std::string_view color;
  int rank;  // which event colors a cell holding several
};

constexpr std::array<style, 10> styles{{
    {"crash", "#e15759", 6},
    {"cancel", "#f28e2b", 5},
    {"shutdown", "#333333", 4},
    {"shutdown-immediate", "#000000", 4},
    {"ack", "#76b7b2", 3},
    {"get", "#59a14f", 2},
    {"put", "#4e79a7", 2},
    {"join", "#b07aa1", 2},
    {"restart", "#edc948", 2},
    {"process", "#bab0ac", 1},
}};

const style& style_of(std::string_view operation) {
  static constexpr style other{"other", "#9c755f", 0};
  for (const style& s : styles)
    if (s.operation == operation) return s;
  if (operation == "put_nowait") return styles[6];
  return other;
}

int role_rank(const std::string& task) {
  if (task.empty()) return 5;
  switch (task.front()) {
    case 'p':
      return 0;
    case 'c':
      return 1;
    case 's':
      return 2;
    case 'j':
      return 3;
    default:
      return 4;
  }
}

std::string svg_of(const harness::trace& trace,
                   const std::vector<harness::item_account>& unacknowledged) {
  std::vector<std::string> lanes;
  for (const harness::trace_event& e : trace.events)
    if (std::find(lanes.begin(), lanes.end(), e.task) == lanes.end()) lanes.push_back(e.task);
  std::stable_sort(lanes.begin(), lanes.end(), [](const std::string& a, const std::string& b) {
    return role_rank(a) < role_rank(b);
  });
  std::uint64_t last_step = 0;
  for (const harness::trace_event& e : trace.events) last_step = std::max(last_step, e.step);
  int const dx = static_cast<int>(std::clamp<std::uint64_t>(960 / (last_step + 1), 8, 28));
  int const left = 70;
  int const lane_height = 26;
  int const top = 22;
  int const width = left + dx * static_cast<int>(last_step + 1) + 10;
  int const height = top + lane_height * static_cast<int>(lanes.size()) + 6;

  // One cell per (lane, step): the most telling event colors it, every event is in its tooltip.
  struct cell {
    const harness::trace_event* shown = nullptr;
    std::string tooltip;
    bool marked = false;
  };
  std::map<std::pair<std::size_t, std::uint64_t>, cell> cells;
  for (const harness::trace_event& e : trace.events) {
    std::size_t const lane =
        static_cast<std::size_t>(std::find(lanes.begin(), lanes.end(), e.task) - lanes.begin());
    cell& c = cells[{lane, e.step}];
    if (c.shown == nullptr || style_of(e.operation).rank > style_of(c.shown->operation).rank)
      c.shown = &e;
    c.marked = c.marked || e.marked;
    if (!c.tooltip.empty()) c.tooltip += "\n";
    c.tooltip += "step " + std::to_string(e.step) + " " + e.task + " " + e.operation;
    if (e.item >= 0) c.tooltip += " i" + std::to_string(e.item);
    c.tooltip += " " + e.outcome;
    if (!e.fault.empty()) c.tooltip += " [" + e.fault + "]";
  }

  std::string out = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) +
                    "\" font-family=\"monospace\" font-size=\"11\">\n";
  std::uint64_t const tick = std::max<std::uint64_t>(1, 40 / static_cast<std::uint64_t>(dx));
  for (std::uint64_t step = 0; step <= last_step; step += tick) {
    int const x = left + dx * static_cast<int>(step);
    out += "<text x=\"" + std::to_string(x) + "\" y=\"12\" fill=\"#666\">" + std::to_string(step) +
           "</text>\n";
  }
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    int const y = top + lane_height * static_cast<int>(i);
    out += "<text class=\"lane\" x=\"4\" y=\"" + std::to_string(y + 16) + "\">" +
           markup_escape(lanes[i]) + "</text>\n";
    out += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(y + 12) + "\" x2=\"" +
           std::to_string(width - 10) + "\" y2=\"" + std::to_string(y + 12) +
           "\" stroke=\"#ddd\"/>\n";
  }
  // A task whose last event is a wait never got further: draw the wait to the end of the run.
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const harness::trace_event* last = nullptr;
    for (const harness::trace_event& e : trace.events)
      if (e.task == lanes[i]) last = &e;
    if (last == nullptr || last->outcome.rfind("waiting", 0) != 0) continue;
    int const y = top + lane_height * static_cast<int>(i) + 12;
    out += "<line class=\"wait\" x1=\"" + std::to_string(left + dx * static_cast<int>(last->step)) +
           "\" y1=\"" + std::to_string(y) + "\" x2=\"" + std::to_string(width - 4) + "\" y2=\"" +
           std::to_string(y) + "\" stroke=\"#b07aa1\" stroke-width=\"3\" " +
           "stroke-dasharray=\"4 3\"><title>" + markup_escape(lanes[i]) + " still " +
           markup_escape(last->outcome) + " when the run ended</title></line>\n";
  }
  for (const auto& [where, c] : cells) {
    int const x = left + dx * static_cast<int>(where.second);
    int const y = top + lane_height * static_cast<int>(where.first) + 3;
    out += "<g class=\"mark" + std::string(c.marked ? " marked" : "") + "\" data-op=\"" +
           markup_escape(c.shown->operation) + "\"><title>" + markup_escape(c.tooltip) +
           "</title><rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) +
           "\" width=\"" + std::to_string(dx - 2) + "\" height=\"18\" rx=\"2\" fill=\"" +
           std::string(style_of(c.shown->operation).color) + "\"" +
           (c.marked ? " stroke=\"#d00\" stroke-width=\"2.5\"" : "") + "/>";
    if (c.shown->item >= 0 && dx >= 18) {
      out += "<text x=\"" + std::to_string(x + 2) + "\" y=\"" + std::to_string(y + 13) +
             "\" fill=\"#fff\" font-size=\"9\">" + std::to_string(c.shown->item) + "</text>";
    }
    out += "</g>\n";
  }
  // Every unacknowledged item the verdict names that a task took, traced from its put through
  // its get to what happened to the task holding it (a crash, a cancellation, the run's end).
  for (const harness::item_account& item : unacknowledged) {
    if (item.got_by.empty()) continue;
    std::vector<const harness::trace_event*> events;
    for (const harness::trace_event& e : trace.events)
      if (e.item == static_cast<std::int64_t>(item.id)) events.push_back(&e);
    if (events.size() < 2) continue;
    std::string points;
    for (const harness::trace_event* e : events) {
      std::size_t const lane =
          static_cast<std::size_t>(std::find(lanes.begin(), lanes.end(), e->task) - lanes.begin());
      points += (points.empty() ? "" : " ") +
                std::to_string(left + dx * static_cast<int>(e->step) + (dx - 2) / 2) + "," +
                std::to_string(top + lane_height * static_cast<int>(lane) + 12);
    }
    out += "<polyline class=\"item-path\" data-item=\"" + std::to_string(item.id) + "\" points=\"" +
           points +
           "\" fill=\"none\" stroke=\"#d00\" stroke-width=\"2\" stroke-dasharray=\"2 2\">"
           "<title>" +
           markup_escape(harness::to_string(item)) + "</title></polyline>\n";
  }
  return out + "</svg>\n";
}

}  // namespace

std::string timeline_html(std::span<const timeline_section> sections) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>chaosq timeline</title>\n<style>\n"
      "body { font-family: sans-serif; margin: 1.5em; }\n"
      "h2 { font-size: 1.1em; margin-bottom: 0.2em; }\n"
      "p.sub { color: #444; max-width: 70em; margin-top: 0; }\n"
      ".legend span { display: inline-block; margin-right: 1em; }\n"
      ".legend i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; "
      "vertical-align: middle; }\n"
      "</style>\n</head>\n<body>\n<h1>chaosq timeline</h1>\n<p class=\"legend\">";
  for (const style& s : styles) {
    out += "<span><i style=\"background:" + std::string(s.color) + "\"></i>" +
           std::string(s.operation) + "</span>";
  }
  out +=
      "<span><i style=\"border:2.5px solid #d00\"></i>matters for the verdict</span>"
      "<span><i style=\"border-top:2px dashed #d00\"></i>an item taken and never "
      "acknowledged</span>"
      "</p>\n<p class=\"sub\">One lane per task, one column per step; hover a cell for its "
      "events.</p>\n";
  if (sections.empty()) out += "<p>No trace to show: every scenario passed without one.</p>\n";
  for (const timeline_section& s : sections) {
    out += "<h2>" + markup_escape(s.title) + "</h2>\n";
    if (!s.subtitle.empty()) out += "<p class=\"sub\">" + markup_escape(s.subtitle) + "</p>\n";
    if (s.trace != nullptr) out += svg_of(*s.trace, s.unacknowledged);
  }
  return out + "</body>\n</html>\n";
}

timeline_section failure_section(std::string title, const harness::failure& f,
                                 std::string otherwise) {
  const harness::verdict* v = f.violation();
  return {std::move(title) + ": " + (v != nullptr ? v->signature() : "no violation"),
          v != nullptr ? v->message : std::move(otherwise),
          f.report.trace ? &*f.report.trace : nullptr, f.unacknowledged};
}

}  // namespace chaosq::scenarios

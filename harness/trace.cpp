#include "chaosq/harness/trace.hpp"

#include <algorithm>
#include <cstdio>

namespace chaosq::harness {
namespace {

void pad(std::string& out, std::string_view text, std::size_t width) {
  out += text;
  if (text.size() < width) out.append(width - text.size(), ' ');
}

}  // namespace

void json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void trace::mark(const std::vector<std::uint64_t>& steps, const std::vector<std::uint32_t>& items) {
  auto const named = [&items](std::int64_t item) {
    return item >= 0 &&
           std::find(items.begin(), items.end(), static_cast<std::uint32_t>(item)) != items.end();
  };
  // Events are in step order: handle one step's events at a time.
  for (std::size_t first = 0; first < events.size();) {
    std::size_t last = first;
    while (last < events.size() && events[last].step == events[first].step) ++last;
    bool const marked = std::binary_search(steps.begin(), steps.end(), events[first].step);
    bool narrow = false;  // the step handled an item the verdict is about
    for (std::size_t i = first; marked && i < last; ++i) narrow = narrow || named(events[i].item);
    for (std::size_t i = first; i < last; ++i) {
      trace_event& e = events[i];
      e.marked = marked && (!narrow || e.item < 0 || named(e.item));
    }
    first = last;
  }
}

std::string line_of(const trace_event& e) {
  std::string out;
  std::string step = std::to_string(e.step);
  out.append(step.size() < 4 ? 4 - step.size() : 0, ' ');
  out += step + "  ";
  pad(out, e.task, 8);
  pad(out, e.operation, 20);
  pad(out, e.item >= 0 ? "i" + std::to_string(e.item) : "-", 7);
  if (e.fault.empty()) {
    out += e.outcome;
  } else {
    pad(out, e.outcome, 24);
    out += e.fault;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string trace::to_text() const {
  std::string out = "  step  task    operation           item   outcome                 fault\n";
  for (const trace_event& e : events) {
    out += e.marked ? "> " : "  ";
    out += line_of(e);
    out += '\n';
  }
  return out;
}

std::string trace::to_json() const {
  std::string out = "[";
  for (const trace_event& e : events) {
    if (out.size() > 1) out += ',';
    out += "{\"step\":" + std::to_string(e.step) + ",\"task\":";
    json_string(out, e.task);
    out += ",\"operation\":";
    json_string(out, e.operation);
    out += ",\"item\":";
    out += e.item >= 0 ? std::to_string(e.item) : "null";
    out += ",\"outcome\":";
    json_string(out, e.outcome);
    out += ",\"fault\":";
    json_string(out, e.fault);
    out += ",\"marked\":";
    out += e.marked ? "true" : "false";
    out += '}';
  }
  out += ']';
  return out;
}

}  // namespace chaosq::harness

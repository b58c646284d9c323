#include "chaosq/harness/trace.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <span>
#include <utility>

namespace chaosq::harness {
namespace {

// `text` left-aligned in a column of `width`, and at least one space after it.
void pad(std::string& out, std::string_view text, std::size_t width) {
  out += text;
  out.append(text.size() < width ? width - text.size() : 1, ' ');
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

trace_recorder::trace_recorder(std::size_t limit) noexcept : limit_(limit), head_(limit / 2) {
  assert(limit >= 2);
}

void trace_recorder::push(trace_event e) {
  std::vector<trace_event>& events = trace_.events;
  if (events.size() < limit_) {
    events.push_back(std::move(e));
    return;
  }
  // Full: the tail (events[head_..]) is a ring whose oldest event, at next_, makes room.
  trace_event& oldest = events[head_ + next_];
  if (trace_.omitted == 0) first_dropped_ = oldest.step;
  last_dropped_ = oldest.step;
  ++trace_.omitted;
  oldest = std::move(e);
  next_ = next_ + 1 == limit_ - head_ ? 0 : next_ + 1;
}

trace trace_recorder::take() {
  if (trace_.omitted != 0) {
    std::vector<trace_event>& events = trace_.events;
    auto const tail = events.begin() + static_cast<std::ptrdiff_t>(head_);
    std::rotate(tail, tail + static_cast<std::ptrdiff_t>(next_), events.end());
    trace_.gap = head_;
    trace_.first_omitted_step = first_dropped_;
    trace_.last_omitted_step = last_dropped_;
  }
  trace out = std::move(trace_);
  trace_ = {};
  next_ = 0;
  return out;
}

std::string trace::omission() const {
  if (omitted == 0) return {};
  std::string out = std::to_string(omitted) + " events of steps " +
                    std::to_string(first_omitted_step) + ".." + std::to_string(last_omitted_step) +
                    " left out: a trace keeps at most " + std::to_string(events.size()) +
                    " events, the first " + std::to_string(gap) + " and the last " +
                    std::to_string(events.size() - gap);
  return out;
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

namespace {

// A line of the table with `item` in the item column.
/// The task column's width: room for the engine's names (p0, c1.2, ...) and two spaces.
constexpr std::size_t task_column = 8;

std::string line_with_item(const trace_event& e, std::string_view item,
                           std::size_t task_width = task_column) {
  std::string out;
  std::string step = std::to_string(e.step);
  out.append(step.size() < 4 ? 4 - step.size() : 0, ' ');
  out += step + "  ";
  pad(out, e.task, task_width);
  pad(out, e.operation, 20);
  pad(out, item, 7);
  if (e.fault.empty()) {
    out += e.outcome;
  } else {
    pad(out, e.outcome, 24);
    out += e.fault;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string item_name(std::int64_t item) { return item >= 0 ? "i" + std::to_string(item) : "-"; }

}  // namespace

std::string line_of(const trace_event& e) { return line_with_item(e, item_name(e.item)); }

namespace {

// Runs of like events and repeating cycles are what make a raw trace long: a producer putting
// twenty items at one step, a spinning `put_nowait` that fills a step budget, two tasks handing
// a wake-up back and forth. The table shows each once, with a count; the JSON keeps every event.

constexpr std::size_t min_run = 3;      // shorter runs read better in full
constexpr std::size_t max_cycle = 32;   // longest repeating block looked for, in events
constexpr std::size_t min_repeats = 3;  // a block shown once must occur at least this often

bool same_action(const trace_event& a, const trace_event& b) {
  return a.task == b.task && a.operation == b.operation && a.outcome == b.outcome &&
         a.fault == b.fault && a.marked == b.marked;
}

// The length of the run starting at `first`: one task doing the same thing, with the same
// outcome, to the same item each time or to successive items (i0, i1, i2, ...).
std::size_t like_run(std::span<const trace_event> events, std::size_t first) {
  std::size_t last = first + 1;
  if (last == events.size() || !same_action(events[first], events[last])) return 1;
  std::int64_t const stride = events[last].item - events[first].item;
  if (stride != 0 && (stride != 1 || events[first].item < 0)) return 1;
  while (last + 1 < events.size() && same_action(events[last], events[last + 1]) &&
         events[last + 1].item - events[last].item == stride)
    ++last;
  return last - first + 1;
}

// The shortest block of two or more events starting at `first` that repeats back to back at
// least `min_repeats` times, as {length, repeats}; {0, 0} when there is none. A repetition does
// the same things in the same order; each of its items may advance by a fixed stride from one
// repetition to the next (consumers taking the next items in turn), or stay the same.
std::pair<std::size_t, std::size_t> cycle_at(std::span<const trace_event> events,
                                             std::size_t first) {
  std::vector<std::int64_t> strides;
  for (std::size_t length = 2; length <= max_cycle; ++length) {
    if (first + length * min_repeats > events.size()) break;
    strides.assign(length, 0);
    auto const repeats_again = [&](std::size_t repetition) {
      std::size_t const from = first + repetition * length;
      if (from + length > events.size()) return false;
      for (std::size_t k = 0; k < length; ++k) {
        const trace_event& before = events[from - length + k];
        const trace_event& now = events[from + k];
        if (!same_action(before, now) || (before.item < 0) != (now.item < 0)) return false;
        if (repetition == 1) strides[k] = now.item - before.item;
        if (now.item - before.item != strides[k]) return false;
      }
      return true;
    };
    std::size_t repeats = 1;
    while (repeats_again(repeats)) ++repeats;
    if (repeats >= min_repeats) return {length, repeats};
  }
  return {0, 0};
}

void append_line(std::string& out, const trace_event& e, std::size_t task_width) {
  out += e.marked ? "> " : "  ";
  out += line_with_item(e, item_name(e.item), task_width);
  out += '\n';
}

// The table's lines for `events`, runs and cycles folded (never across a gap: a segment each).
void append_lines(std::string& out, std::span<const trace_event> events, std::size_t task_width) {
  for (std::size_t i = 0; i < events.size();) {
    if (std::size_t const run = like_run(events, i); run >= min_run) {
      const trace_event& first = events[i];
      const trace_event& last = events[i + run - 1];
      std::string item = item_name(first.item);
      if (last.item != first.item) item += ".." + item_name(last.item);
      out += first.marked ? "> " : "  ";
      out += line_with_item(first, item, task_width) + " (" + std::to_string(run);
      if (last.step != first.step)
        out += ", steps " + std::to_string(first.step) + ".." + std::to_string(last.step);
      out += ")\n";
      i += run;
      continue;
    }
    if (auto const [length, repeats] = cycle_at(events, i); repeats != 0) {
      bool same_items = true;
      for (std::size_t k = 0; k < length; ++k) {
        append_line(out, events[i + k], task_width);
        same_items = same_items && events[i + k].item == events[i + length + k].item;
      }
      out += "        ... the " + std::to_string(length) + " lines above repeat " +
             std::to_string(repeats - 1) + " more times" +
             (same_items ? "" : " with the next items") + ", through step " +
             std::to_string(events[i + length * repeats - 1].step) + '\n';
      i += length * repeats;
      continue;
    }
    append_line(out, events[i], task_width);
    ++i;
  }
}

}  // namespace

std::string trace::to_text() const {
  // Longer task names (a Python program's: worker#2, health_check) widen the column.
  std::size_t task_width = task_column;
  for (const trace_event& e : events) task_width = std::max(task_width, e.task.size() + 2);
  std::string out = "  step  ";
  pad(out, "task", task_width);
  out += "operation           item   outcome                 fault\n";
  std::span<const trace_event> const all(events);
  if (omitted == 0) {
    append_lines(out, all, task_width);
    return out;
  }
  append_lines(out, all.first(gap), task_width);
  out += "        ... " + omission() + '\n';
  append_lines(out, all.subspan(gap), task_width);
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

#pragma once
/// \file
/// The event trace of a run: built only when asked for (replays of failures), never on the
/// fast path.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chaosq::harness {

/// One thing a task did at a step.
struct trace_event {
  std::uint64_t step = 0;
  std::string task;
  std::string operation;   ///< put, get, process, ack, join, crash, cancel, shutdown, ...
  std::int64_t item = -1;  ///< item id, -1 when none
  std::string outcome;     ///< ok, waiting, QueueShutDown, crashed, ...
  std::string fault;       ///< the fault that struck here, if any
  bool marked = false;     ///< matters for the verdict
};

/// One event as a line of `trace::to_text`'s table, without its marker and newline:
/// `   2  c0      get                 i0     ok`.
[[nodiscard]] std::string line_of(const trace_event& e);

/// Every event of a run, in order.
struct trace {
  std::vector<trace_event> events;

  /// Marks the events at `steps` (sorted ascending) that matter for a verdict about `items`:
  /// at a step that handled one of `items`, its events on those items and the events on no
  /// item (a producer's step that put twenty items marks only the put of the one that leaked);
  /// at any other marked step, every event. `items` empty: every event of the steps.
  void mark(const std::vector<std::uint64_t>& steps, const std::vector<std::uint32_t>& items = {});
  /// The human-readable table, one line per event; marked lines start with `>`.
  [[nodiscard]] std::string to_text() const;
  /// The same as a JSON array of objects.
  [[nodiscard]] std::string to_json() const;
};

/// Appends `text` to `out` as a JSON string, quotes and escapes included.
void json_string(std::string& out, std::string_view text);

}  // namespace chaosq::harness

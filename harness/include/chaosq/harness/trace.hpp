#pragma once
/// \file
/// The event trace of a run: built only when asked for (replays of failures), never on the
/// fast path.

#include <cstddef>
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

/// How much of a run a trace keeps, so that tracing a run of any length takes bounded memory
/// (an event is about 150 bytes, so a full trace holds some 15 MB, and its text about 10 MB).
struct trace_limits {
  /// The events a trace keeps by default (`run_options::trace_events`): past them, the first
  /// half and the last half, and `trace::omitted` counts the events left out between them.
  static constexpr std::size_t events = 100'000;
};

/// The events of a run, in order: every event, or past a limit (`trace_limits`) the first ones
/// and the last ones, with the count of those left out in between.
struct trace {
  std::vector<trace_event> events;
  /// Events left out between `events[gap - 1]` and `events[gap]`; 0: the trace is complete.
  std::uint64_t omitted = 0;
  std::size_t gap = 0;                   ///< where the omitted events were, an index into `events`
  std::uint64_t first_omitted_step = 0;  ///< with `omitted`: the step of the first one
  std::uint64_t last_omitted_step = 0;   ///< with `omitted`: the step of the last one

  /// The line that says what was left out and why, without a newline: "1234 events of steps
  /// 50001..51234 left out: ...". Empty when nothing was.
  [[nodiscard]] std::string omission() const;

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

/// Builds a trace of at most `limit` events (at least 2): keeps the first `limit / 2` events
/// and the last `limit - limit / 2`, counting those it drops between them. For the engine's
/// traced runs; `take()` hands over the trace.
class trace_recorder {
 public:
  explicit trace_recorder(std::size_t limit) noexcept;

  /// Records the run's next event.
  void push(trace_event e);
  /// The trace recorded, in event order (the recorder is left empty).
  [[nodiscard]] trace take();

 private:
  trace trace_;
  std::size_t limit_;
  std::size_t head_;      // events kept from the start
  std::size_t next_ = 0;  // with events dropped: where in the tail the oldest kept event is
  std::uint64_t first_dropped_ = 0;  // steps of the first and the last event dropped
  std::uint64_t last_dropped_ = 0;
};

/// Appends `text` to `out` as a JSON string, quotes and escapes included.
void json_string(std::string& out, std::string_view text);

}  // namespace chaosq::harness

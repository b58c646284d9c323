#pragma once
/// \file
/// A queue program: the text format of `conformance/README.md`, parsed and printed back, and
/// what a program run can observe (shared by `reference_run` and `queue_model`). A queue kind is
/// spelled by `queue::kind_name` (chaosq/queue/format.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "chaosq/queue/detail/storage.hpp"

namespace chaosq::conformance {

/// What one operation after the `queue` line does (the README's table, in its order).
enum class op_code : std::uint8_t {
  spawn_get,           ///< `spawn get`: create_task(q.get())
  spawn_put,           ///< `spawn put V`: create_task(q.put(V))
  spawn_join,          ///< `spawn join`: create_task(q.join())
  put_nowait,          ///< `put_nowait V`
  get_nowait,          ///< `get_nowait`
  task_done,           ///< `task_done`
  cancel,              ///< `cancel t<k>`: Task.cancel()
  shutdown,            ///< `shutdown`: q.shutdown()
  shutdown_immediate,  ///< `shutdown immediate`: q.shutdown(immediate=True)
  step,                ///< `step`: run one callback of the loop's ready queue
};

/// One operation. `arg` is the value V of `spawn put`/`put_nowait`, the task number k of
/// `cancel`, and 0 otherwise.
struct operation {
  op_code code = op_code::step;
  std::int64_t arg = 0;

  friend bool operator==(const operation&, const operation&) = default;
};

/// Where a spawned task is, as far as the next operation can tell.
enum class task_phase : std::uint8_t {
  unstarted,  ///< spawned, never run
  waiting,    ///< suspended on a future (a getter, putter or joiner in line)
  woken,      ///< has run, and is in the ready set again (woken or cancelled, not yet resumed)
  done,       ///< returned, raised or cancelled
};

/// `unstarted`, `waiting`, `woken` or `done`.
[[nodiscard]] std::string_view phase_name(task_phase p) noexcept;

/// Everything about a queue and its tasks that a program can observe. Two runs of the same
/// program agree exactly when their observations are equal after every operation.
struct queue_observation {
  std::vector<int> items;          ///< storage order: deque, list, or the heap array
  std::int64_t unfinished = 0;     ///< the count join waits on
  std::size_t getters = 0;         ///< length of the getter line, cancelled entries included
  std::size_t putters = 0;         ///< length of the putter line, cancelled entries included
  bool finished = true;            ///< the finished event
  bool shut_down = false;          ///< shutdown was called
  std::size_t ready = 0;           ///< tasks in the loop's ready queue
  std::vector<std::string> tasks;  ///< each task's state as `step` prints it (`pending`, ...)
  std::vector<task_phase> phases;  ///< each task's phase
  friend bool operator==(const queue_observation&, const queue_observation&) = default;
};

/// The queue's part, as the observation log prints it after ` | `: `items=[1, 2] unfinished=2
/// getters=0 putters=1 finished=clear shutdown=0`.
[[nodiscard]] std::string queue_text(const queue_observation& o);

/// All of it on one line: `queue_text(o)`, then ` ready=1 tasks=[t0 pending/waiting, t1
/// ok/done]`.
[[nodiscard]] std::string to_string(const queue_observation& o);

/// The largest value a program may put: items are `int` on the reference side.
inline constexpr std::int64_t k_max_value = 2'147'483'647;

/// A whole program: the `queue K M` line, then the operations. Every `cancel t<k>` names a
/// task spawned by an earlier operation (the parser and every transformation keep this).
struct program {
  queue::queue_kind kind = queue::queue_kind::fifo;
  std::int64_t maxsize = 0;  ///< `<= 0` means unbounded
  std::vector<operation> ops;

  friend bool operator==(const program&, const program&) = default;
};

/// Where and why text is not a valid program. `line` and `column` are 1-based in the text
/// parsed; `column` points at the offending word.
struct parse_error {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;
};

/// `file:line:column: message`, the form compilers use.
[[nodiscard]] std::string to_string(const parse_error& e, std::string_view file);

/// The value parsed, or the first error in the text.
template <class T>
class [[nodiscard]] parse_result {
 public:
  parse_result(T value) : value_(std::move(value)) {}
  parse_result(parse_error error) : value_(std::move(error)) {}

  [[nodiscard]] bool ok() const noexcept { return value_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  /// Precondition: `ok()`.
  [[nodiscard]] T& value() & { return std::get<0>(value_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(value_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(value_)); }
  /// Precondition: `!ok()`.
  [[nodiscard]] const parse_error& error() const { return std::get<1>(value_); }

 private:
  std::variant<T, parse_error> value_;
};

/// Parses one program without a `program <k>` header. Blank lines and lines whose first word
/// starts with `#` are skipped; words are separated by any whitespace. `first_line` is the line
/// number the text starts at in its file, for error messages.
parse_result<program> parse_program(std::string_view text, std::size_t first_line = 1);

/// Parses a batch: programs each introduced by a `program <k>` header line. The header numbers
/// are checked for form only; the programs come back in file order.
parse_result<std::vector<program>> parse_batch(std::string_view text);

/// The text of one operation, whitespace normalised as the driver echoes it (`spawn put 3`).
[[nodiscard]] std::string to_string(const operation& op);

/// The text of a program: the `queue` line, then one operation per line, each ending in '\n'.
/// `parse_program(to_string(p))` gives back `p`.
[[nodiscard]] std::string to_string(const program& p);

/// A batch file for the driver: `program 0`, the first program, `program 1`, ...
[[nodiscard]] std::string to_batch(std::span<const program> programs);

/// Tasks the program spawns (t0 ... t<n-1>).
[[nodiscard]] std::size_t task_count(const program& p) noexcept;

/// True if the program shuts its queue down (needs Python >= 3.13).
[[nodiscard]] bool uses_shutdown(const program& p) noexcept;

}  // namespace chaosq::conformance

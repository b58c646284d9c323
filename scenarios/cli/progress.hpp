#pragma once
// A progress line on stderr for long runs: how much is done, how fast, the verdicts so far and
// the time left, rewritten in place on a terminal and erased before the command's report. It
// never touches stdout, so a run's output is the same with and without it.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "chaosq/harness/names.hpp"

namespace chaosq::cli {

/// --progress: when the progress line is shown.
enum class progress_mode : std::uint8_t { automatic, always, never };

/// Adds --progress to `app`, its value kept in `mode`.
CLI::Option* add_progress_option(CLI::App& app, progress_mode& mode);

/// One line on stderr, "explore: 120,000 of 1,000,000 schedules, 41000/s, 0 violations, 21 s
/// left", redrawn at most four times a second, and at once after a `clear` (so that it follows
/// the lines a command prints as it goes, below them). `automatic` shows it only on a terminal
/// (stderr a tty, TERM set and not "dumb", CI unset) and only once the run has taken two seconds;
/// `always` shows it from the start wherever stderr goes (for tests); `never` never.
class progress_line {
 public:
  /// `what` names the command ("explore"), `total` the `unit`s the run does at most, `verdicts`
  /// what the second count of `update` counts ("violations", "not passed"). Calls to `update` read
  /// the clock only once every `stride` units, so that a caller may call it from a hot loop.
  progress_line(progress_mode mode, std::string what, std::uint64_t total, std::string unit,
                std::string verdicts, std::uint64_t stride = 1);
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;
  ~progress_line() { clear(); }

  /// `done` units run so far, `verdicts` of them counted: redraws the line when it is due.
  void update(std::uint64_t done, std::uint64_t verdicts) {
    if (!enabled_ || done < next_check_) return;
    next_check_ = done + stride_;
    draw(done, verdicts);
  }

  /// Erases the line, if shown: call before writing anything else to the terminal. The next
  /// `update` shows it again.
  void clear();

 private:
  using clock = std::chrono::steady_clock;
  void draw(std::uint64_t done, std::uint64_t verdicts);

  bool enabled_;
  bool shown_ = false;
  std::string what_;
  std::uint64_t total_;
  std::string unit_;
  std::string verdicts_;
  std::uint64_t stride_;
  std::uint64_t next_check_ = 0;
  clock::time_point start_ = clock::now();
  clock::time_point first_draw_;
  clock::time_point last_draw_;
};

}  // namespace chaosq::cli

namespace chaosq::harness {

template <>
struct names_of<cli::progress_mode> {
  static constexpr std::array<named<cli::progress_mode>, 3> values{{
      {cli::progress_mode::automatic, "auto",
       "on a terminal, once a run takes over 2 s (never into a pipe, a file or a CI log)"},
      {cli::progress_mode::always, "always", "from the start, wherever stderr goes (for tests)"},
      {cli::progress_mode::never, "never", "no progress line"},
  }};
};

}  // namespace chaosq::harness

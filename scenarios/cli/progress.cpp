#include "progress.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.hpp"

namespace chaosq::cli {
namespace {

using namespace std::chrono_literals;

/// A progress line is for a person watching: a terminal that understands "erase to end of
/// line", and not a CI job's log, which records every redraw.
bool stderr_is_a_terminal() {
  char const* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) == 1 && term != nullptr && std::string_view(term) != "dumb" &&
         std::getenv("CI") == nullptr;
}

/// The terminal's width, or 0 when stderr is not a terminal.
std::size_t terminal_columns() {
  winsize size{};
  return ::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
}

/// "12 s", "3 min 20 s", "2 h 5 min".
std::string duration_text(double seconds) {
  auto const s = static_cast<std::uint64_t>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

}  // namespace

CLI::Option* add_progress_option(CLI::App& app, progress_mode& mode) {
  return add_enum_option(app, "--progress", mode,
                         "a progress line on stderr (stdout is unchanged)");
}

progress_line::progress_line(progress_mode mode, std::string what, std::uint64_t total,
                             std::string unit, std::string verdicts, std::uint64_t stride)
    : enabled_(mode == progress_mode::always ||
               (mode == progress_mode::automatic && stderr_is_a_terminal())),
      what_(std::move(what)),
      total_(total),
      unit_(std::move(unit)),
      verdicts_(std::move(verdicts)),
      stride_(stride == 0 ? 1 : stride),
      first_draw_(mode == progress_mode::always ? start_ : start_ + 2s) {}

void progress_line::draw(std::uint64_t done, std::uint64_t verdicts) {
  clock::time_point const now = clock::now();
  if (now < first_draw_ || (shown_ && now - last_draw_ < 250ms)) return;
  last_draw_ = now;
  double const seconds = std::chrono::duration<double>(now - start_).count();
  double const rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::string line = what_ + ": " + with_commas(done) + " of " + with_commas(total_) + " " + unit_ +
                     ", " + rate_text(rate) + "/s, " + with_commas(verdicts) + " " + verdicts_;
  // The budget's rest at the rate so far: an upper bound, since a verdict can end the run early.
  if (rate > 0 && done < total_)
    line += ", " + duration_text(static_cast<double>(total_ - done) / rate) + " left";
  // A line longer than the terminal would wrap, and "\r" would rewrite only its last part.
  if (std::size_t const columns = terminal_columns(); columns > 1 && line.size() >= columns)
    line.resize(columns - 1);
  // What the command wrote to stdout goes first, so that the line is always the last one.
  std::cout.flush();
  std::fflush(stdout);
  std::fputs(("\r" + line + "\x1b[K").c_str(), stderr);
  std::fflush(stderr);
  shown_ = true;
}

void progress_line::clear() {
  if (!shown_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace chaosq::cli

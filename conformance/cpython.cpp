#include "chaosq/conformance/cpython.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace chaosq::conformance {
namespace {

/// `s` as one word for /bin/sh.
std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct pipe_closer {
  int* status;
  void operator()(FILE* f) const noexcept { *status = pclose(f); }
};

/// Reads lines from a `popen` pipe; the exit status is known after `close()`.
class command_output {
 public:
  explicit command_output(const std::string& command)
      : pipe_(popen(command.c_str(), "r"), pipe_closer{&status_}) {}
  command_output(const command_output&) = delete;
  command_output& operator=(const command_output&) = delete;
  ~command_output() { std::free(buffer_); }

  [[nodiscard]] bool started() const noexcept { return pipe_ != nullptr; }

  /// The next line without its '\n'; false at the end of the output.
  bool next_line(std::string_view& line) {
    ssize_t const n = getline(&buffer_, &capacity_, pipe_.get());
    if (n <= 0) return false;
    line = std::string_view(buffer_, static_cast<std::size_t>(n));
    if (line.ends_with('\n')) line.remove_suffix(1);
    return true;
  }

  /// Waits for the command; its wait status (as from `waitpid`).
  int close() {
    pipe_.reset();
    return status_;
  }

 private:
  int status_ = -1;
  std::unique_ptr<FILE, pipe_closer> pipe_;
  char* buffer_ = nullptr;
  std::size_t capacity_ = 0;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string describe_status(int status) {
  if (status == -1) return "could not be waited for";
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

bool parse_header(std::string_view line, std::size_t& number) {
  constexpr std::string_view prefix = "program ";
  if (!line.starts_with(prefix)) return false;
  line.remove_prefix(prefix.size());
  if (line.empty()) return false;
  number = 0;
  for (char c : line) {
    if (c < '0' || c > '9') return false;
    number = number * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

}  // namespace

std::optional<python_interpreter> probe_python(const std::string& path) {
  command_output out(shell_quote(path) +
                     " -c 'import sys; print(\"%d.%d.%d\" % sys.version_info[:3])' 2>/dev/null");
  if (!out.started()) return std::nullopt;
  std::string_view line;
  std::string version;
  if (out.next_line(line)) version = line;
  while (out.next_line(line)) {
  }
  int const status = out.close();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  python_interpreter py{path, version, 0, 0};
  if (std::sscanf(version.c_str(), "%d.%d", &py.major, &py.minor) != 2) return std::nullopt;
  return py;
}

std::optional<python_interpreter> find_python() {
  constexpr const char* pyenv = "/root/.pyenv/versions/3.13.0/bin/python3";
  if (access(pyenv, X_OK) == 0) {
    if (auto py = probe_python(pyenv); py && py->has_shutdown()) return py;
  }
  for (const char* name : {"python3.13", "python3"}) {
    if (auto py = probe_python(name); py && py->has_shutdown()) return py;
  }
  if (auto py = probe_python("python3"); py && py->supported()) return py;
  return std::nullopt;
}

driver_result run_asyncio_driver(const python_interpreter& python,
                                 const std::filesystem::path& driver,
                                 const std::filesystem::path& batch_file,
                                 const std::filesystem::path& stderr_file, std::size_t programs,
                                 const log_sink& sink, std::ostream* raw_copy) {
  driver_result result;
  std::string const command = shell_quote(python.path) + " " + shell_quote(driver.string()) + " " +
                              shell_quote(batch_file.string()) + " 2>" +
                              shell_quote(stderr_file.string());
  command_output out(command);
  if (!out.started()) {
    result.message = "cannot start: " + command;
    return result;
  }
  std::string format_error;
  std::string log;
  std::size_t seen = 0;  // headers read
  std::string_view line;
  bool first = true;
  while (out.next_line(line)) {
    if (raw_copy != nullptr) *raw_copy << line << '\n';
    if (!format_error.empty()) continue;  // drain, so the driver is not killed by SIGPIPE
    if (first) {
      first = false;
      if (!line.starts_with("python ")) {
        format_error = "first line is not 'python <version>': '" + std::string(line) + "'";
      } else {
        result.python_version = line.substr(7);
      }
      continue;
    }
    std::size_t number = 0;
    if (parse_header(line, number)) {
      if (number != seen || seen >= programs) {
        format_error = "unexpected header '" + std::string(line) + "' (expected 'program " +
                       std::to_string(seen) + "')";
        continue;
      }
      if (seen > 0) sink(seen - 1, std::move(log));
      log.clear();
      ++seen;
      continue;
    }
    if (seen == 0) {
      format_error = "log line before the first header: '" + std::string(line) + "'";
      continue;
    }
    log.append(line);
    log += '\n';
  }
  int const status = out.close();
  std::string const errors = read_file(stderr_file);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
    result.status = driver_status::bad_input;
    result.message = "the driver rejected the batch:\n" + errors;
    return result;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.message = "the driver " + describe_status(status) + "\n" + errors;
    return result;
  }
  if (format_error.empty() && seen != programs) {
    format_error =
        "got " + std::to_string(seen) + " program logs, expected " + std::to_string(programs);
  }
  if (!format_error.empty()) {
    result.message = "driver output: " + format_error + "\n" + errors;
    return result;
  }
  if (seen > 0) sink(seen - 1, std::move(log));
  result.status = driver_status::ok;
  return result;
}

}  // namespace chaosq::conformance

#pragma once
/// \file
/// The CPython side: finding an interpreter and running asyncio_driver.py on a batch.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace chaosq::conformance {

/// A Python interpreter that ran and told its version.
struct python_interpreter {
  std::string path;     ///< as given: a file path or a name looked up on PATH
  std::string version;  ///< `sys.version_info[:3]`, e.g. "3.13.0"
  int major = 0;
  int minor = 0;

  /// True from 3.13 on, where asyncio.Queue has `shutdown`.
  [[nodiscard]] bool has_shutdown() const noexcept {
    return major > 3 || (major == 3 && minor >= 13);
  }
  /// True from 3.11 on; older asyncio queues are not what the reference models.
  [[nodiscard]] bool supported() const noexcept { return major > 3 || (major == 3 && minor >= 11); }
};

/// Runs `path -c ...` to learn its version; nullopt when it does not run or says nothing useful.
[[nodiscard]] std::optional<python_interpreter> probe_python(const std::string& path);

/// The interpreter to compare against, best first: /root/.pyenv/versions/3.13.0/bin/python3,
/// `python3.13` on PATH, `python3` on PATH if it is 3.13 or later; failing those, `python3` on
/// PATH if it is at least 3.11 (then `has_shutdown()` is false and shutdown must not be
/// generated). nullopt when none of them runs.
[[nodiscard]] std::optional<python_interpreter> find_python();

/// How a driver run ended.
enum class driver_status : unsigned char {
  ok,         ///< exit 0 and one complete log per program
  bad_input,  ///< exit 2: the driver rejected the batch (its message says where)
  failed,     ///< crashed, exit 3, or output not in the README's format
};

/// The outcome of `run_asyncio_driver`.
struct driver_result {
  driver_status status = driver_status::failed;
  std::string python_version;  ///< from the driver's first line
  std::string message;         ///< for a status other than ok: what went wrong, with stderr
};

/// Called with each program's log (without its `program <k>` header), in batch order, once the
/// log is known to be complete.
using log_sink = std::function<void(std::size_t index, std::string log)>;

/// Runs `python driver batch_file` once and streams its output: each program's log goes to
/// `sink` as soon as the next header (or a clean exit) shows it complete. The output is also
/// copied verbatim to `*raw_copy` when given. The driver's stderr goes to `stderr_file`.
/// `programs` is the number of programs in the batch; fewer logs than that is a failure.
[[nodiscard]] driver_result run_asyncio_driver(const python_interpreter& python,
                                               const std::filesystem::path& driver,
                                               const std::filesystem::path& batch_file,
                                               const std::filesystem::path& stderr_file,
                                               std::size_t programs, const log_sink& sink,
                                               std::ostream* raw_copy = nullptr);

}  // namespace chaosq::conformance

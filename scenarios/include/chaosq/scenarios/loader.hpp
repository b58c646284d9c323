#pragma once
/// \file
/// The strict scenario loader: YAML text in, a `scenario` or a list of errors out. Unknown keys,
/// duplicate keys, wrong types, out-of-range values and contradictory settings are all errors,
/// each naming the file, the 1-based line and column, the key, and what was expected. Any input
/// is safe, including arbitrary bytes: the loader never throws, never crashes, and never
/// substitutes a default for a value it could not read.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chaosq/harness/registry.hpp"
#include "chaosq/scenarios/scenario.hpp"

namespace chaosq::scenarios {

/// One problem with a scenario file.
struct load_error {
  std::string file;
  std::size_t line = 0;    ///< 1-based; 0 when the problem has no position (an unreadable file)
  std::size_t column = 0;  ///< 1-based; 0 when `line` is 0
  std::string key;         ///< the key's path, e.g. "faults.pinned[0].task"; empty: the document
  std::string message;     ///< what is wrong and what was expected, with "did you mean" if close

  /// "FILE:LINE:COLUMN: error: KEY: MESSAGE" (the form compilers use, so editors jump to it).
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const load_error&, const load_error&) = default;
};

/// A scenario, or every problem found (in file order, at most `load_options::max_errors`).
using load_result = std::variant<scenario, std::vector<load_error>>;

struct load_options {
  /// The queues and behaviours `queue.impl` and `consumers.behaviour` may name; nullptr:
  /// `harness::builtin_registry()`.
  const harness::registry* registry = nullptr;
  std::size_t max_errors = 20;
};

/// Files larger than this are refused unread (a scenario is a few hundred bytes; a pinned
/// decision record of a long run a few hundred kilobytes).
inline constexpr std::size_t max_file_bytes = 16U << 20U;

/// Parses scenario text; `file` is only used in error messages.
[[nodiscard]] load_result parse_scenario(std::string_view text, std::string_view file,
                                         const load_options& options = {});

/// Reads and parses a scenario file.
[[nodiscard]] load_result load_scenario(const std::filesystem::path& path,
                                        const load_options& options = {});

}  // namespace chaosq::scenarios

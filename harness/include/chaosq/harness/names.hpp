#pragma once
/// \file
/// Tables of named enum values: each table is declared once and used both to parse user input
/// (CLI flags, YAML, tokens) and to print names and help.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chaosq::harness {

/// One named value of an enum, with a line of help for `--help` and error messages.
template <class E>
struct named {
  E value;
  std::string_view name;
  std::string_view help;
};

/// Specialized per enum: `static constexpr std::array<named<E>, N> values{...}`.
template <class E>
struct names_of;

/// The name of `value`, as users write it.
template <class E>
[[nodiscard]] constexpr std::string_view name_of(E value) noexcept {
  for (const auto& n : names_of<E>::values)
    if (n.value == value) return n.name;
  return "?";
}

/// The value named `name`, or nullopt.
template <class E>
[[nodiscard]] constexpr std::optional<E> parse_name(std::string_view name) noexcept {
  for (const auto& n : names_of<E>::values)
    if (n.name == name) return n.value;
  return std::nullopt;
}

/// All names joined by `sep`: "finally|on-success|...".
template <class E>
[[nodiscard]] std::string all_names(std::string_view sep = "|") {
  std::string out;
  for (const auto& n : names_of<E>::values) {
    if (!out.empty()) out += sep;
    out += n.name;
  }
  return out;
}

/// Edit distance (Levenshtein), case-insensitive, for "did you mean".
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `value`, if it is close enough to be what was meant; else empty.
[[nodiscard]] std::string closest(std::string_view value,
                                  const std::vector<std::string_view>& candidates);

/// The name of `E` closest to `value` (see `closest`); empty if none is close.
template <class E>
[[nodiscard]] std::string closest_name(std::string_view value) {
  std::vector<std::string_view> names;
  for (const auto& n : names_of<E>::values) names.push_back(n.name);
  return closest(value, names);
}

}  // namespace chaosq::harness

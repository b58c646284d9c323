#pragma once
/// \file
/// Tables of named enum values: each table is declared once and used both to parse user input
/// (CLI flags, YAML, tokens) and to print names and help.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace chaosq::harness

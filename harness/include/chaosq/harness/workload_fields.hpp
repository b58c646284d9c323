#pragma once
/// \file
/// The workload's settings as a table (declared once, in detail/workload_fields.def): every
/// front-end reads a field's flag, YAML key, limits and help from here, and reaches the member
/// through `for_each_field`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "chaosq/harness/workload.hpp"

namespace chaosq::harness {

/// The workload's fields, in table (and token) order.
enum class field_id : std::uint8_t {
#define CHAOSQ_WORKLOAD_FIELD(id, ...) id,
#include "chaosq/harness/detail/workload_fields.def"
};

/// One row of the table: how a workload field is spelled, bounded and explained everywhere.
struct field_info {
  field_id id;
  std::string_view flag;   ///< CLI option, "--restarts"
  std::string_view alias;  ///< an older CLI spelling still accepted, or ""
  std::string_view yaml;   ///< scenario key, "consumers.restarts"
  std::uint64_t lo = 0;    ///< integer fields: least accepted value
  std::uint64_t hi = 0;    ///< integer fields: greatest accepted value
  unsigned since = 1;      ///< the first token version that carries the field
  /// The shrinker's step: -1 never; integers down to this floor; enums back to the default.
  std::int64_t shrink = -1;
  std::string_view help;

  /// The field's name outside the CLI: the flag without "--" ("restarts").
  [[nodiscard]] constexpr std::string_view name() const noexcept { return flag.substr(2); }
  /// "0..1000", or "2..1073741824".
  [[nodiscard]] std::string range() const { return std::to_string(lo) + ".." + std::to_string(hi); }
};

/// Every field, in table order (`workload_fields[i].id == field_id(i)`).
inline constexpr std::array workload_fields{
#define CHAOSQ_WORKLOAD_FIELD(id, member, flag, alias, yaml, lo, hi, since, shrink, help) \
  field_info{field_id::id, flag, alias, yaml, lo, hi, since, shrink, help},
#include "chaosq/harness/detail/workload_fields.def"
};

/// The row of `id`.
[[nodiscard]] constexpr const field_info& info(field_id id) noexcept {
  return workload_fields[static_cast<std::size_t>(id)];
}

/// Whether field `id` means anything to a Python program (mode python), which makes its own
/// tasks and queue: the mode, the program, the fault budget and the step budget. The others keep
/// their defaults there (`validate`), and `describe` leaves them out.
[[nodiscard]] constexpr bool applies_in_python_mode(field_id id) noexcept {
  switch (id) {
    case field_id::mode:
    case field_id::program:
    case field_id::crash_budget:
    case field_id::cancel_budget:
    case field_id::shutdown:
    case field_id::fault_odds:
    case field_id::crash_points:
    case field_id::step_budget:
      return true;
    default:
      return false;
  }
}

/// Integers are kept in these member types; enums in their `names_of` table; the crash points
/// as a `point_set`.
template <class T>
inline constexpr bool is_integer_field =
    std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint32_t> ||
    std::is_same_v<T, std::uint64_t>;

/// Calls `f(info, member)` for each field of `w` in table order; `W` is `workload` or
/// `const workload`, so `member` is a (const) reference to the field itself.
template <class W, class F>
requires std::is_same_v<std::remove_const_t<W>, workload>
constexpr void for_each_field(W& w, F&& f) {
#define CHAOSQ_WORKLOAD_FIELD(id, member, ...) f(info(field_id::id), w.member);
#include "chaosq/harness/detail/workload_fields.def"
}

/// Calls `f(member)` with the member of `w` that row `id` names.
template <class W, class F>
requires std::is_same_v<std::remove_const_t<W>, workload>
constexpr void visit_field(W& w, field_id id, F&& f) {
  switch (id) {
#define CHAOSQ_WORKLOAD_FIELD(id, member, ...) \
  case field_id::id:                           \
    f(w.member);                               \
    return;
#include "chaosq/harness/detail/workload_fields.def"
  }
}

/// Calls `f(info, member, default)` for each field of `w` in table order, `default` being the
/// member's value in `workload{}`.
template <class W, class F>
requires std::is_same_v<std::remove_const_t<W>, workload>
void for_each_field_with_default(W& w, F&& f) {
  static const workload defaults{};
#define CHAOSQ_WORKLOAD_FIELD(id, member, ...) f(info(field_id::id), w.member, defaults.member);
#include "chaosq/harness/detail/workload_fields.def"
}

/// The field whose CLI flag or YAML key is `name`, or nullptr.
[[nodiscard]] constexpr const field_info* find_field(std::string_view name) noexcept {
  for (const field_info& f : workload_fields)
    if (f.flag == name || f.yaml == name || (!f.alias.empty() && f.alias == name)) return &f;
  return nullptr;
}

/// The problem with `value` for an integer field: "" when it is a decimal integer (digits only,
/// no sign, no leading zero, no spaces) in `lo..hi`; else one line naming what was expected.
/// The one rule for every front-end that reads a number from text (CLI flags; YAML adds its own
/// node checks first).
[[nodiscard]] std::string decimal_problem(std::string_view text, std::uint64_t lo, std::uint64_t hi,
                                          std::uint64_t& value);

}  // namespace chaosq::harness

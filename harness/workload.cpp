#include "chaosq/harness/workload.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <type_traits>
#include <utility>

#include "chaosq/harness/work_queue.hpp"
#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::harness {
namespace {

/// The role letter and slot of a task name (p0, c1, c1.2, j0, s3), or nullopt.
struct parsed_name {
  char role;
  std::uint32_t slot;
};

std::optional<parsed_name> parse_task_name(std::string_view name) {
  if (name.size() < 2) return std::nullopt;
  char const role = name.front();
  if (role != 'p' && role != 'c' && role != 'j' && role != 's') return std::nullopt;
  std::string_view rest = name.substr(1);
  std::string_view generation;
  if (auto dot = rest.find('.'); dot != std::string_view::npos) {
    if (role != 'c') return std::nullopt;
    generation = rest.substr(dot + 1);
    rest = rest.substr(0, dot);
    std::uint32_t g = 0;
    auto [p, ec] = std::from_chars(generation.begin(), generation.end(), g);
    if (ec != std::errc{} || p != generation.end() || g == 0) return std::nullopt;
  }
  std::uint32_t slot = 0;
  auto [p, ec] = std::from_chars(rest.begin(), rest.end(), slot);
  if (ec != std::errc{} || p != rest.end()) return std::nullopt;
  return parsed_name{role, slot};
}

bool point_fits_role(fault_point point, char role) {
  switch (point) {
    case fault_point::before_put:
    case fault_point::in_put:
      return role == 'p';
    case fault_point::in_join:
      return role == 'j';
    default:
      return role == 'c';
  }
}

// ---- every member of `workload` and `fault_budget` is a row of the field table ----

/// Converts to anything: `T{member_probe{}...}` compiles for as many probes as T has members.
struct member_probe {
  template <class T>
  operator T() const;  // NOLINT(google-explicit-constructor): declared only, never called
};

template <class T, std::size_t... I>
constexpr bool takes(std::index_sequence<I...> /*unused*/) {
  return requires { T{(void(I), member_probe{})...}; };
}

template <class T, std::size_t N = 0>
constexpr std::size_t member_count() {
  if constexpr (!takes<T>(std::make_index_sequence<N + 1>{})) {
    return N;
  } else {
    return member_count<T, N + 1>();
  }
}

/// Rows whose member is directly in `workload` (`nested` false) or in `workload::faults`.
constexpr std::size_t rows(bool nested) {
  std::size_t n = 0;
#define CHAOSQ_WORKLOAD_FIELD(id, member, ...) \
  n += std::string_view(#member).starts_with("faults.") == nested ? 1 : 0;
#include "chaosq/harness/detail/workload_fields.def"
  return n;
}

// A member added to either struct stops the build here until it has a row in
// detail/workload_fields.def (the pinned faults and control events have their own codecs).
static_assert(member_count<workload>() == rows(false) + 3, "workload: faults, pinned, controls");
static_assert(member_count<fault_budget>() == rows(true));

}  // namespace

std::vector<std::string> validate(const workload& w) {
  std::vector<std::string> problems;
  auto bad = [&](std::string text) { problems.push_back(std::move(text)); };
  for_each_field(w, [&](const field_info& f, const auto& value) {
    using T = std::remove_cvref_t<decltype(value)>;
    if constexpr (is_integer_field<T>) {
      bool const below = std::cmp_less(value, f.lo);
      if (below || std::cmp_greater(value, f.hi))
        bad(std::string(f.name()) + " is " + std::to_string(value) + ", not in " + f.range());
    } else if constexpr (std::is_same_v<T, code_name>) {
      if (std::string problem = code_name_problem(value.text, f.hi); !problem.empty())
        bad(std::string(f.name()) + ": " + problem);
    }
  });
  if (static_cast<std::uint64_t>(w.items) * w.producers > max_total_items)
    bad("producers x items is " +
        std::to_string(static_cast<std::uint64_t>(w.items) * w.producers) + ", more than " +
        std::to_string(max_total_items));
  if (w.faults.crash_points.empty()) bad("crash-points must name at least one point");
  if (!w.faults.crash_points.within(drawn_crash_points)) {
    point_set const outside =
        point_set::from_bits(w.faults.crash_points.bits() & ~drawn_crash_points.bits());
    bad("crash-points: crashes are never drawn at " + describe(outside) + " (only at " +
        describe(drawn_crash_points) + ")");
  }
  for (const pinned_fault& f : w.pinned) {
    auto name = parse_task_name(f.task);
    if (!name || name->role == 's') {
      bad("pinned fault: '" + f.task + "' is not a task name (p<N>, c<N>, c<N>.<restart>, j<N>)");
      continue;
    }
    std::uint32_t const count = name->role == 'p'   ? w.producers
                                : name->role == 'c' ? w.consumers
                                                    : w.joiners;
    if (name->slot >= count)
      bad("pinned fault: task '" + f.task + "' does not exist in this workload");
    if (!point_fits_role(f.point, name->role))
      bad("pinned fault: point '" + std::string(name_of(f.point)) + "' does not apply to task '" +
          f.task + "'");
    if (f.item >= 0 &&
        static_cast<std::uint64_t>(f.item) >= static_cast<std::uint64_t>(w.items) * w.producers)
      bad("pinned fault: item " + std::to_string(f.item) + " is never put");
  }
  if ((w.mode == run_mode::python) != !w.program.empty()) {
    bad(w.program.empty() ? "program: mode python runs a Python program: name it, module:function"
                          : "program: names a Python program, which runs in mode python only");
  }
  if (w.mode == run_mode::python) {
    for_each_field_with_default(
        w, [&](const field_info& f, const auto& value, const auto& fallback) {
          if (!applies_in_python_mode(f.id) && !(value == fallback))
            bad(std::string(f.name()) +
                ": a Python program makes its own tasks and queue (mode python): leave it out");
        });
    if (!w.faults.crash_points.empty() &&
        (w.faults.crash_points.bits() & python_crash_points.bits()) == 0) {
      bad("crash-points: in a Python program crashes strike at " + describe(python_crash_points) +
          " only (inside task_done is where no program can protect itself)");
    }
    if (!w.pinned.empty())
      bad("pinned fault: a Python program's tasks are its own (mode python); draw faults instead");
    if (!w.controls.empty())
      bad("control event: a Python program's tasks are its own (mode python)");
  }
  if (w.mode == run_mode::threads && !w.behaviour.empty())
    bad("consumer: threads mode runs the built-in consumers only (a consumer of your own runs "
        "in coroutines mode)");
  if (w.mode == run_mode::threads) {
    // A C++ thread blocked in a lock or a wait cannot be interrupted: threads mode strikes
    // threads at their own points only.
    if (w.faults.cancels > 0)
      bad("cancel-budget: threads cannot be cancelled (threads mode); crash them instead");
    if (w.faults.crash_points == point_set{fault_point::in_get})
      bad("crash-points: in threads mode no crash strikes a thread blocked in get (name another "
          "point)");
    for (const pinned_fault& f : w.pinned) {
      if (f.kind == fault_kind::cancel ||
          (f.point == fault_point::in_get || f.point == fault_point::in_put ||
           f.point == fault_point::in_join))
        bad("pinned fault: threads mode strikes a thread at its own points, not a cancel or a "
            "crash while it waits (" +
            f.task + " at " + std::string(name_of(f.point)) + ")");
    }
    for (const control_event& c : w.controls) {
      if (c.action == control_action::cancel)
        bad("control event: threads cannot be cancelled (threads mode): cancel " + c.task);
    }
  }
  for (const control_event& c : w.controls) {
    if (c.action != control_action::cancel) continue;
    auto name = parse_task_name(c.task);
    if (!name) bad("control event: '" + c.task + "' is not a task name");
  }
  return problems;
}

std::uint64_t work_steps_estimate(const workload& w) noexcept {
  auto const at_most = [](std::uint64_t v, field_id id) { return std::min(v, info(id).hi); };
  std::uint64_t const items =
      std::min(at_most(w.producers, field_id::producers) * at_most(w.items, field_id::items),
               max_total_items);
  std::uint64_t const consumers = at_most(w.consumers, field_id::consumers);
  std::uint64_t const restarts = at_most(w.restarts, field_id::restarts);
  // The tasks the engine can start: a supervisor and its consumer's incarnations per slot.
  std::uint64_t const tasks = at_most(w.producers, field_id::producers) +
                              at_most(w.joiners, field_id::joiners) +
                              consumers * (restarts > 0 ? 2 + restarts : 1);
  // A thread's put, get and task_done each add a lock, a notify and an unlock.
  std::uint64_t const per_item = w.mode == run_mode::threads ? 15 : 5;
  return items * (at_most(w.work_steps, field_id::work_steps) + per_item) + 5 * tasks;
}

std::uint64_t scaled_step_budget(const workload& w) noexcept {
  return std::clamp(10 * work_steps_estimate(w), min_scaled_step_budget,
                    info(field_id::step_budget).hi);
}

std::uint64_t fair_from_step(const workload& w) noexcept {
  return std::min(4 * work_steps_estimate(w), step_budget_of(w) / 2);
}

std::uint64_t step_budget_of(const workload& w) noexcept {
  return w.step_budget != 0 ? w.step_budget : scaled_step_budget(w);
}

std::string describe(point_set points, std::string_view separator) {
  std::string out;
  std::uint32_t known = 0;
  for (const auto& [p, name, help] : names_of<fault_point>::values) {
    known |= point_set{p}.bits();
    if (!points.contains(p)) continue;
    if (!out.empty()) out += separator;
    out += name;
  }
  if (std::uint32_t const unknown = points.bits() & ~known; unknown != 0) {
    if (!out.empty()) out += separator;
    out += "unknown point bits 0x";
    constexpr std::string_view hex = "0123456789abcdef";
    std::string digits;
    for (std::uint32_t v = unknown; v != 0; v >>= 4U) digits.insert(digits.begin(), hex[v & 15U]);
    out += digits;
  }
  return out.empty() ? "(none)" : out;
}

std::string crash_point_problem(point_set chosen, fault_point p) {
  if (!drawn_crash_points.contains(p))
    return "crashes are never drawn at " + std::string(name_of(p)) + " (only at " +
           describe(drawn_crash_points, ", ") + ")";
  if (chosen.contains(p)) return std::string(name_of(p)) + " is listed twice";
  return {};
}

std::string describe(const workload& w) {
  // Fields a version 1 token carries are always shown; newer ones only when set, so that a
  // workload that does not use them reads as it always has.
  std::string out;
  for_each_field_with_default(w, [&](const field_info& f, const auto& value, const auto& fallback) {
    using T = std::remove_cvref_t<decltype(value)>;
    if (f.since > 1 && value == fallback) return;
    if (w.mode == run_mode::python && !applies_in_python_mode(f.id)) return;
    if (!out.empty()) out += ' ';
    out += f.name();
    out += '=';
    if constexpr (is_integer_field<T>) {
      if (f.id == field_id::step_budget && value == 0) {
        out += std::to_string(step_budget_of(w)) + " (scales with the workload)";
      } else {
        out += std::to_string(value);
      }
    } else if constexpr (std::is_same_v<T, point_set>) {
      out += describe(value);
    } else if constexpr (std::is_same_v<T, code_name>) {
      out += value.text;
    } else {
      out += name_of(value);
    }
  });
  if (!w.pinned.empty()) out += " pinned=" + std::to_string(w.pinned.size());
  if (!w.controls.empty()) out += " controls=" + std::to_string(w.controls.size());
  return out;
}

std::string code_name_problem(std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return {};
  if (text.size() > max_bytes)
    return "'" + std::string(text.substr(0, 40)) + "...' is " + std::to_string(text.size()) +
           " bytes, longer than " + std::to_string(max_bytes);
  std::size_t const at = text.find('@');
  std::string_view const name = text.substr(0, at);
  auto const name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '/' || c == ':';
  };
  auto const version_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '+';
  };
  auto const quoted = "'" + std::string(text) + "'";
  if (name.empty()) return quoted + " has no name before '@'";
  for (char c : name) {
    if (!name_char(c))
      return quoted + ": a name is letters, digits and - _ . / : (not '" + std::string(1, c) + "')";
  }
  if (at == std::string_view::npos) return {};
  std::string_view const version = text.substr(at + 1);
  if (version.empty()) return quoted + " has no version after '@'";
  for (char c : version) {
    if (!version_char(c))
      return quoted + ": a version is letters, digits and - _ . + (not '" + std::string(1, c) +
             "')";
  }
  return {};
}

std::string decimal_problem(std::string_view text, std::uint64_t lo, std::uint64_t hi,
                            std::uint64_t& value) {
  std::string const expected = "an integer " + std::to_string(lo) + ".." + std::to_string(hi);
  bool const negative = text.starts_with('-');
  std::string_view const digits = negative ? text.substr(1) : text;
  bool const decimal =
      !digits.empty() && (digits.size() == 1 || digits.front() != '0') &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!decimal)
    return "expected " + expected + " (decimal digits), got '" + std::string(text) + "'";
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (negative || ec != std::errc{} || end != digits.data() + digits.size() || v < lo || v > hi)
    return std::string(text) + " is out of range: expected " + expected;
  value = v;
  return {};
}

std::ostream& operator<<(std::ostream& out, const item& i) {
  out << 'i' << i.id;
  if (i.priority != 0) out << "/p" << i.priority;
  return out;
}

}  // namespace chaosq::harness

#include "keys.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <limits>
#include <type_traits>

#include "chaosq/harness/verdict.hpp"
#include "chaosq/harness/workload.hpp"
#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::scenarios::detail {
namespace {

using harness::field_id;
using harness::field_info;
using harness::for_each_field;
using harness::workload;

constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

std::string range_text(std::uint64_t lo, std::uint64_t hi) {
  if (hi == u64_max) return "integer >= " + std::to_string(lo);
  return "integer " + std::to_string(lo) + ".." + std::to_string(hi);
}

std::string flow_list(const std::vector<std::string>& items) {
  // Wrapped near 100 columns; continuation lines are indented deeper than any key.
  std::string out = "[";
  std::size_t column = 20;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += ",";
      if (column + items[i].size() + 2 > 96) {
        out += "\n    ";
        column = 4;
      } else {
        out += " ";
        ++column;
      }
    }
    out += items[i];
    column += items[i].size() + 1;
  }
  return out + "]";
}

template <class T>
std::string flow_numbers(const std::vector<T>& values) {
  std::vector<std::string> items;
  items.reserve(values.size());
  for (T v : values) items.push_back(std::to_string(v));
  return flow_list(items);
}

/// A double-quoted YAML string (escapes everything that is not printable ASCII).
std::string quoted(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += hex[c >> 4U];
          out += hex[c & 15U];
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through: YAML text is UTF-8
        }
    }
  }
  return out + "\"";
}

key_def make(std::string path, shape sh, std::string type, std::string help) {
  key_def k;
  auto dot = path.rfind('.');
  k.parent = dot == std::string::npos ? "" : path.substr(0, dot);
  k.name = dot == std::string::npos ? path : path.substr(dot + 1);
  k.path = std::move(path);
  k.shape = sh;
  k.type = std::move(type);
  k.help = std::move(help);
  return k;
}

key_def section(std::string path, std::string help) {
  return make(std::move(path), shape::map, "map", std::move(help));
}

/// `get(s, index)` returns a reference to the field; a generic lambda serves const and mutable.
template <class Get>
key_def integer_key(std::string path, std::uint64_t lo, std::uint64_t hi, std::string help,
                    Get get) {
  key_def k = make(std::move(path), shape::scalar, range_text(lo, hi), std::move(help));
  k.read = [lo, hi, get](reader& r, const YAML::Node& n, scenario& s, std::size_t i) {
    if (auto v = r.integer(n, lo, hi)) {
      auto& field = get(s, i);
      field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
    }
  };
  k.write = [get](const scenario& s, std::size_t i) -> std::optional<std::string> {
    return std::to_string(get(s, i));
  };
  return k;
}

template <class E, class Get>
key_def enum_key(std::string path, std::string help, Get get) {
  key_def k = make(std::move(path), shape::scalar, harness::all_names<E>(" | "), std::move(help));
  k.read = [get](reader& r, const YAML::Node& n, scenario& s, std::size_t i) {
    if (auto v = r.enumeration<E>(n)) get(s, i) = *v;
  };
  k.write = [get](const scenario& s, std::size_t i) -> std::optional<std::string> {
    return std::string(harness::name_of(get(s, i)));
  };
  return k;
}

key_def required(key_def k) {
  k.required = true;
  return k;
}

key_def absent(key_def k, std::string meaning) {
  k.absent = std::move(meaning);
  return k;
}

/// Writes nothing for a scenario with pinned decisions (its `explore` section must be absent).
key_def explore_only(key_def k) {
  auto write = k.write;
  k.write = [write](const scenario& s, std::size_t i) -> std::optional<std::string> {
    if (s.decisions) return std::nullopt;
    return write(s, i);
  };
  return k;
}

void add_pinned_faults(std::vector<key_def>& t) {
  auto add = [&t](key_def k) { t.push_back(std::move(k)); };
  key_def pinned = make("faults.pinned", shape::list_of_maps, "list of maps",
                        "faults that strike a named task at a named point");
  pinned.count = [](const scenario& s) { return s.work.pinned.size(); };
  pinned.resize = [](scenario& s, std::size_t n) { s.work.pinned.resize(n); };
  add(absent(std::move(pinned), "[]"));
  key_def pinned_task = make("faults.pinned[].task", shape::scalar,
                             "task name: p<N>, c<N>, c<N>.<restart>, j<N>", "the task struck");
  pinned_task.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t i) {
    if (auto v = r.task_name(n)) s.work.pinned[i].task = *v;
  };
  pinned_task.write = [](const scenario& s, std::size_t i) -> std::optional<std::string> {
    return s.work.pinned[i].task;
  };
  add(required(std::move(pinned_task)));
  add(required(enum_key<harness::fault_point>(
      "faults.pinned[].point", "the suspension point where it strikes",
      [](auto& s, std::size_t i) -> auto& { return s.work.pinned[i].point; })));
  add(enum_key<harness::fault_kind>(
      "faults.pinned[].kind", "what it does",
      [](auto& s, std::size_t i) -> auto& { return s.work.pinned[i].kind; }));
  key_def item = integer_key(
      "faults.pinned[].item", 0, 999'999, "strike only while the task handles this item id",
      [](auto& s, std::size_t i) -> auto& { return s.work.pinned[i].item; });
  item.write = [](const scenario& s, std::size_t i) -> std::optional<std::string> {
    if (s.work.pinned[i].item < 0) return std::nullopt;
    return std::to_string(s.work.pinned[i].item);
  };
  add(absent(std::move(item), "(any item)"));
  add(integer_key(
      "faults.pinned[].occurrence", 0, u32_max,
      "strike at the task's (N+1)-th visit of the point (counted per item when item is set)",
      [](auto& s, std::size_t i) -> auto& { return s.work.pinned[i].occurrence; }));
}

void add_controls(std::vector<key_def>& t) {
  auto add = [&t](key_def k) { t.push_back(std::move(k)); };
  key_def controls = make("controls", shape::list_of_maps, "list of maps",
                          "actions taken from outside at a given step");
  controls.count = [](const scenario& s) { return s.work.controls.size(); };
  controls.resize = [](scenario& s, std::size_t n) { s.work.controls.resize(n); };
  add(absent(std::move(controls), "[]"));
  add(required(integer_key(
      "controls[].at_step", 0, u64_max,
      "taken before this step (steps count from 0; at quiescence if the run stops earlier)",
      [](auto& s, std::size_t i) -> auto& { return s.work.controls[i].at_step; })));
  add(required(enum_key<harness::control_action>(
      "controls[].action", "what is done",
      [](auto& s, std::size_t i) -> auto& { return s.work.controls[i].action; })));
  key_def control_task =
      make("controls[].task", shape::scalar, "task name: p<N>, c<N>, c<N>.<restart>, j<N>, s<N>",
           "the task cancelled");
  control_task.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t i) {
    if (auto v = r.task_name(n)) s.work.controls[i].task = *v;
  };
  control_task.write = [](const scenario& s, std::size_t i) -> std::optional<std::string> {
    if (s.work.controls[i].action != harness::control_action::cancel) return std::nullopt;
    return s.work.controls[i].task;
  };
  add(absent(std::move(control_task), "(required for cancel, not allowed otherwise)"));
}

/// The sections a workload key sits in, each once, before its first key.
void add_sections(std::vector<key_def>& t, const std::string& parent) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> helps{{
      {"queue", "the queue under test"},
      {"producers", "the tasks that put items (p0, p1, ...)"},
      {"consumers", "the tasks that get, process and acknowledge items (c0, c1, ...)"},
      {"joiners", "the tasks that call join() (j0, j1, ...)"},
      {"faults", "faults placed by hand (pinned) and faults the schedule may draw"},
      {"faults.budget", "faults each schedule may draw from its decisions"},
  }};
  for (std::size_t dot = 0; dot != std::string::npos;) {
    dot = parent.find('.', dot == 0 ? 0 : dot + 1);
    std::string const path = parent.substr(0, dot);
    bool const known =
        std::any_of(t.begin(), t.end(), [&](const key_def& k) { return k.path == path; });
    if (known) continue;
    auto const help =
        std::find_if(helps.begin(), helps.end(), [&](const auto& h) { return h.first == path; });
    assert(help != helps.end() && "a workload key's section needs its help here");
    t.push_back(section(path, std::string(help->second)));
  }
}

/// Reads the crash points: a non-empty list of distinct drawn crash points.
void read_crash_points(reader& r, const YAML::Node& n, harness::point_set& out) {
  harness::point_set chosen;
  r.list(n, "a list of fault points", [&](const YAML::Node& e, std::size_t) {
    auto p = r.enumeration<harness::fault_point>(e);
    if (!p) return;
    if (std::string problem = harness::crash_point_problem(chosen, *p); !problem.empty()) {
      r.error(e, std::move(problem));
    } else {
      chosen.insert(*p);
    }
  });
  if (n.IsSequence() && n.size() == 0)
    r.error(n, "the list is empty: name at least one point (or leave the key out for all)");
  if (!chosen.empty()) out = chosen;
}

/// One key per row of the field table, its type, limits and help from the row.
std::vector<key_def> workload_keys() {
  std::vector<key_def> out;
  workload const defaults;
  for_each_field(defaults, [&out](const field_info& f, const auto& proto) {
    using T = std::remove_cvref_t<decltype(proto)>;
    std::string type;
    if constexpr (harness::is_integer_field<T>) {
      type = range_text(f.lo, f.hi);
    } else if constexpr (std::is_same_v<T, harness::point_set>) {
      type = "list of " + harness::describe(harness::drawn_crash_points, " | ");
    } else if constexpr (std::is_same_v<T, harness::code_name>) {
      type = f.id == field_id::program ? "module:function (mode python)"
                                       : "registered name (NAME or NAME@VERSION)";
    } else {
      type = harness::all_names<T>(" | ");
    }
    key_def k = make(std::string(f.yaml),
                     std::is_same_v<T, harness::point_set> ? shape::list : shape::scalar,
                     std::move(type), std::string(f.help));
    field_id const id = f.id;
    k.read = [id](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
      harness::visit_field(s.work, id, [&](auto& value) {
        using V = std::remove_cvref_t<decltype(value)>;
        const field_info& row = harness::info(id);
        if constexpr (harness::is_integer_field<V>) {
          if (auto v = r.integer(n, row.lo, row.hi)) value = static_cast<V>(*v);
        } else if constexpr (std::is_same_v<V, harness::point_set>) {
          read_crash_points(r, n, value);
        } else if constexpr (std::is_same_v<V, harness::code_name>) {
          if (auto v = r.code(n, id)) value = *v;
        } else {
          if (auto v = r.enumeration<V>(n)) value = *v;
        }
      });
    };
    k.write = [id](const scenario& s, std::size_t) -> std::optional<std::string> {
      // A Python program makes its own tasks and queue: their keys would only repeat defaults.
      if (s.work.mode == harness::run_mode::python && !harness::applies_in_python_mode(id))
        return std::nullopt;
      std::string text;
      harness::visit_field(s.work, id, [&](const auto& value) {
        using V = std::remove_cvref_t<decltype(value)>;
        if constexpr (harness::is_integer_field<V>) {
          text = std::to_string(value);
        } else if constexpr (std::is_same_v<V, harness::point_set>) {
          // Written even when it is every point, as every key is: a later chaosq that draws
          // crashes at a new point must not change what a saved reproducer replays.
          std::vector<std::string> names;
          for (const auto& [p, point_name, help] : harness::names_of<harness::fault_point>::values)
            if (value.contains(p)) names.emplace_back(point_name);
          text = flow_list(names);
        } else if constexpr (std::is_same_v<V, harness::code_name>) {
          text = value.text;  // letters, digits and -_./@+: a plain scalar
        } else {
          text = harness::name_of(value);
        }
      });
      return text;
    };
    out.push_back(std::move(k));
  });
  for (key_def& k : out) {
    if (k.path == "consumers.policy") {
      auto write = k.write;
      k.write = [write](const scenario& s, std::size_t i) -> std::optional<std::string> {
        if (!s.work.behaviour.empty()) return std::nullopt;  // the behaviour replaces it
        return write(s, i);
      };
    } else if (k.path == "queue.impl" || k.path == "consumers.behaviour" || k.path == "python") {
      // Left out for chaosq's own code, so that files without it read as they always did.
      auto write = k.write;
      k.write = [write, id = k.path](const scenario& s,
                                     std::size_t i) -> std::optional<std::string> {
        bool const own = id == "queue.impl" ? s.work.queue_impl.empty()
                         : id == "python"   ? s.work.program.empty()
                                            : s.work.behaviour.empty();
        if (own) return std::nullopt;
        return write(s, i);
      };
      // The meaning first: `absent` takes `k` by value, and the order in which a call's
      // arguments are evaluated is unspecified (clang moves `k` before reading `k.path`).
      std::string meaning = k.path == "queue.impl" ? "(chaosq's reference queue)"
                            : k.path == "python"   ? "(none: chaosq's own tasks run)"
                                                   : "(the policy's built-in consumer)";
      k = absent(std::move(k), std::move(meaning));
    } else if (k.path == "faults.budget.crash_points") {
      k = absent(std::move(k), "(all of them)");
    } else if (k.path == "joiners.timeout") {
      // Left out when there is no deadline, so that files without one read as they always did.
      auto write = k.write;
      k.write = [write](const scenario& s, std::size_t i) -> std::optional<std::string> {
        if (s.work.join_timeout_ms == 0) return std::nullopt;
        return write(s, i);
      };
      k = absent(std::move(k), "0");
    } else if (k.path == "step_budget") {
      // Left out when it scales with the workload: the file then scales it as the run did.
      auto write = k.write;
      k.write = [write](const scenario& s, std::size_t i) -> std::optional<std::string> {
        if (s.work.step_budget == 0) return std::nullopt;
        return write(s, i);
      };
      k = absent(std::move(k), "(" + std::string(harness::scaled_step_budget_rule) + ")");
    }
  }
  return out;
}

std::vector<key_def> build() {
  std::vector<key_def> t;
  auto add = [&t](key_def k) { t.push_back(std::move(k)); };

  key_def version = make("version", shape::scalar, "integer, " + std::to_string(schema_version),
                         "schema version of the file");
  version.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    if (auto v = r.integer(n, 0, u64_max)) {
      if (*v != static_cast<std::uint64_t>(schema_version)) {
        r.error(n, "unsupported version " + std::to_string(*v) + ": this chaosq reads version " +
                       std::to_string(schema_version));
      } else {
        s.version = static_cast<std::int64_t>(*v);
      }
    }
  };
  version.write = [](const scenario& s, std::size_t) -> std::optional<std::string> {
    return std::to_string(s.version);
  };
  add(required(std::move(version)));

  key_def name = make("name", shape::scalar, "name (letters, digits, '-', '_', '.')",
                      "what the scenario is called in reports (JUnit test case, SUMMARY line)");
  name.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    if (auto v = r.identifier(n)) s.name = *v;
  };
  name.write = [](const scenario& s, std::size_t) -> std::optional<std::string> { return s.name; };
  add(required(std::move(name)));

  key_def description =
      make("description", shape::scalar, "string", "the real failure the scenario models");
  description.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    if (auto v = r.string(n)) s.description = *v;
  };
  description.write = [](const scenario& s, std::size_t) -> std::optional<std::string> {
    if (s.description.empty()) return std::nullopt;
    return quoted(s.description);
  };
  add(absent(std::move(description), "\"\""));

  // The workload's keys, one per row of the harness field table; the scenario's own keys
  // (faults.pinned, controls) go in between, where they belong.
  for (key_def& k : workload_keys()) {
    if (k.path == "step_budget") {
      add_pinned_faults(t);
      add_controls(t);
    }
    if (k.parent != "") add_sections(t, k.parent);
    add(std::move(k));
  }

  add(section("explore", "how schedules are chosen (not with decisions)"));
  std::string strategy_type;
  for (const strategy& st : strategies())
    strategy_type += (strategy_type.empty() ? "" : " | ") + std::string(st.name);
  key_def strat = make("explore.strategy", shape::scalar, strategy_type, "exploration strategy");
  strat.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    if (auto v = r.strategy_name(n)) s.explore.strategy = *v;
  };
  strat.write = [](const scenario& s, std::size_t) -> std::optional<std::string> {
    return s.explore.strategy;
  };
  add(explore_only(std::move(strat)));
  add(explore_only(integer_key(
      "explore.schedules", 1, 1'000'000'000, "schedules to run",
      [](auto& s, std::size_t) -> auto& { return s.explore.schedules; })));
  add(explore_only(integer_key(
      "explore.seed", 0, u64_max,
      "seed (the same seed and strategy as `chaosq explore` run the same "
      "schedules)",
      [](auto& s, std::size_t) -> auto& { return s.explore.seed; })));
  add(explore_only(integer_key(
      "explore.depth", 1, harness::k_max_depth, "pct: the bug depth d (d-1 priority change points)",
      [](auto& s, std::size_t) -> auto& { return s.explore.depth; })));
  add(explore_only(integer_key(
      "explore.preemptions", 0, harness::k_max_preemptions,
      "dfs: deviations from asyncio order allowed per schedule",
      [](auto& s, std::size_t) -> auto& { return s.explore.preemptions; })));
  add(explore_only(integer_key(
      "explore.max_faults", 0, u32_max, "dfs: drawn faults allowed per schedule",
      [](auto& s, std::size_t) -> auto& { return s.explore.max_faults; })));

  add(required(section("expect", "what must happen")));
  key_def join = make("expect.join", shape::scalar, harness::all_names<join_outcome>(" | "),
                      "completes: no schedule hangs a join; hangs: some schedule does");
  join.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    if (auto v = r.enumeration<join_outcome>(n)) s.expect.join = *v;
  };
  join.write = [](const scenario& s, std::size_t) -> std::optional<std::string> {
    if (!s.expect.join) return std::nullopt;
    return std::string(harness::name_of(*s.expect.join));
  };
  add(absent(std::move(join), "(not checked)"));
  key_def verdict = make("expect.verdict", shape::scalar, "none | ORACLE | ORACLE/KIND",
                         "none: no schedule shows a violation; otherwise some schedule shows "
                         "this verdict (oracles: " +
                             harness::all_names<harness::oracle>(", ") + ")");
  verdict.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    if (n.IsScalar() && n.Tag() == "?" && n.Scalar() == "none") {
      s.expect.verdict.reset();
    } else if (auto v = r.pattern(n)) {
      s.expect.verdict = *v;
    }
  };
  verdict.write = [](const scenario& s, std::size_t) -> std::optional<std::string> {
    return s.expect.verdict ? s.expect.verdict->to_string() : "none";
  };
  add(required(std::move(verdict)));
  key_def unacked = make("expect.unacknowledged", shape::list, "list of item ids (3 or i3)",
                         "exactly the items a hang leaves unacknowledged");
  unacked.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    std::vector<std::uint32_t> ids;
    r.list(n, "a list of item ids", [&](const YAML::Node& e, std::size_t) {
      if (auto id = r.item_id(e)) {
        if (std::find(ids.begin(), ids.end(), *id) != ids.end()) {
          r.error(e, "item i" + std::to_string(*id) + " is listed twice");
        } else {
          ids.push_back(*id);
        }
      }
    });
    std::sort(ids.begin(), ids.end());
    s.expect.unacknowledged = std::move(ids);
  };
  unacked.write = [](const scenario& s, std::size_t) -> std::optional<std::string> {
    if (!s.expect.unacknowledged) return std::nullopt;
    return flow_numbers(*s.expect.unacknowledged);
  };
  add(absent(std::move(unacked), "(not checked)"));
  key_def forbid = make("expect.forbid", shape::list, "list of ORACLE or ORACLE/KIND",
                        "verdicts no schedule may show");
  forbid.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    std::vector<verdict_pattern> patterns;
    r.list(n, "a list of verdicts", [&](const YAML::Node& e, std::size_t) {
      if (auto p = r.pattern(e)) patterns.push_back(*p);
    });
    s.expect.forbid = std::move(patterns);
  };
  forbid.write = [](const scenario& s, std::size_t) -> std::optional<std::string> {
    if (s.expect.forbid.empty()) return std::nullopt;
    std::vector<std::string> items;
    for (const verdict_pattern& p : s.expect.forbid) items.push_back(p.to_string());
    return flow_list(items);
  };
  add(absent(std::move(forbid), "[]"));

  key_def decisions =
      make("decisions", shape::list, "list of integers 0.." + std::to_string(u32_max),
           "a pinned decision record: replay exactly this run instead of exploring (a "
           "reproducer's; values past its end read as 0)");
  decisions.read = [](reader& r, const YAML::Node& n, scenario& s, std::size_t) {
    std::vector<std::uint32_t> values;
    r.list(n, "a list of integers", [&](const YAML::Node& e, std::size_t) {
      if (auto v = r.integer(e, 0, u32_max)) values.push_back(static_cast<std::uint32_t>(*v));
    });
    s.decisions = std::move(values);
  };
  decisions.write = [](const scenario& s, std::size_t) -> std::optional<std::string> {
    if (!s.decisions) return std::nullopt;
    return flow_numbers(*s.decisions);
  };
  add(absent(std::move(decisions), "(explore)"));
  return t;
}

}  // namespace

const std::vector<key_def>& keys() {
  static const std::vector<key_def> table = build();
  return table;
}

const key_def* find_key(std::string_view parent, std::string_view name) {
  for (const key_def& k : keys())
    if (k.parent == parent && k.name == name) return &k;
  return nullptr;
}

std::vector<const key_def*> children(std::string_view parent) {
  std::vector<const key_def*> out;
  for (const key_def& k : keys())
    if (k.parent == parent) out.push_back(&k);
  return out;
}

scenario documented_defaults() {
  scenario s;
  s.work.pinned.emplace_back();
  s.work.controls.emplace_back();
  return s;
}

}  // namespace chaosq::scenarios::detail

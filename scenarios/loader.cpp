#include "chaosq/scenarios/loader.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "chaosq/harness/token.hpp"
#include "chaosq/harness/workload_fields.hpp"

#include "detail/keys.hpp"

namespace chaosq::scenarios {

std::string load_error::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": error: ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

namespace detail {
namespace {

std::string clip(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return text.size() > 40 ? out + "..." : out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string join(const std::vector<std::string_view>& names, std::string_view sep) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

}  // namespace

void reader::error_at(const YAML::Mark& mark, std::string key, std::string message) {
  if (full()) return;
  load_error_data e;
  if (!mark.is_null() && mark.line >= 0 && mark.column >= 0) {
    e.line = static_cast<std::size_t>(mark.line) + 1;
    e.column = static_cast<std::size_t>(mark.column) + 1;
  }
  e.key = std::move(key);
  e.message = std::move(message);
  errors_.push_back(std::move(e));
}

void reader::error(const YAML::Node& at, std::string message) {
  YAML::Mark mark = at.Mark();
  if (at.IsNull() || mark.is_null()) mark = key_mark;
  error_at(mark, path, std::move(message));
}

std::string reader::describe_node(const YAML::Node& n) const {
  if (n.IsNull()) return "nothing (null)";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a map";
  if (n.Tag() == "!") return "the quoted string \"" + clip(n.Scalar()) + "\"";
  if (n.Tag() != "?") return "a value tagged " + clip(n.Tag());
  return "'" + clip(n.Scalar()) + "'";
}

std::optional<std::uint64_t> reader::integer(const YAML::Node& n, std::uint64_t lo,
                                             std::uint64_t hi) {
  std::string const expected = "an integer " + std::to_string(lo) + ".." + std::to_string(hi);
  if (!n.IsScalar() || n.Tag() != "?") {
    std::string hint = n.IsScalar() && n.Tag() == "!" ? "; write numbers without quotes" : "";
    error(n, "expected " + expected + ", got " + describe_node(n) + hint);
    return std::nullopt;
  }
  std::uint64_t value = 0;
  if (!harness::decimal_problem(n.Scalar(), lo, hi, value).empty()) {
    // Worded again on the clipped text: the message shows at most 40 characters of it.
    error(n, harness::decimal_problem(clip(n.Scalar()), lo, hi, value));
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> reader::string(const YAML::Node& n) {
  if (!n.IsScalar() || (n.Tag() != "?" && n.Tag() != "!")) {
    error(n, "expected a string, got " + describe_node(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::string> reader::plain_word(const YAML::Node& n, const std::string& expected) {
  if (!n.IsScalar() || (n.Tag() != "?" && n.Tag() != "!")) {
    error(n, "expected " + expected + ", got " + describe_node(n));
    return std::nullopt;
  }
  return n.Scalar();
}

void reader::unknown_name(const YAML::Node& n, const std::string& got,
                          const std::vector<std::string_view>& names) {
  std::string message = "expected " + join(names, " | ") + ", got " + describe_node(n);
  if (std::string best = closest(got, names); !best.empty())
    message += "; did you mean '" + best + "'?";
  error(n, std::move(message));
}

std::optional<std::string> reader::identifier(const YAML::Node& n) {
  auto text = plain_word(n, "a name (letters, digits, '-', '_', '.')");
  if (!text) return std::nullopt;
  bool const ok =
      !text->empty() && text->size() <= 100 && std::all_of(text->begin(), text->end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
      });
  if (!ok) {
    error(n,
          "expected a name of 1 to 100 letters, digits, '-', '_' or '.', got " + describe_node(n));
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> reader::task_name(const YAML::Node& n) {
  std::string const expected = "a task name (p<N>, c<N>, c<N>.<restart>, j<N>, s<N>)";
  auto text = plain_word(n, expected);
  if (!text) return std::nullopt;
  std::string_view t = *text;
  auto number = [](std::string_view s) {
    return all_digits(s) && s.size() <= 6 && (s.size() == 1 || s.front() != '0');
  };
  bool ok = t.size() >= 2 && std::string_view("pcjs").find(t.front()) != std::string_view::npos;
  if (ok) {
    std::string_view rest = t.substr(1);
    auto dot = rest.find('.');
    if (dot != std::string_view::npos) {
      std::string_view const generation = rest.substr(dot + 1);
      ok = t.front() == 'c' && number(generation) && generation != "0";
      rest = rest.substr(0, dot);
    }
    ok = ok && number(rest);
  }
  if (!ok) {
    error(n, "expected " + expected + ", got " + describe_node(n));
    return std::nullopt;
  }
  return text;
}

std::optional<harness::code_name> reader::code(const YAML::Node& n, harness::field_id id) {
  auto text = string(n);
  if (!text) return std::nullopt;
  if (std::string problem = harness::code_name_problem(*text, harness::info(id).hi);
      !problem.empty() || text->empty()) {
    error(n, text->empty() ? "expected a registered name, got an empty string" : problem);
    return std::nullopt;
  }
  harness::workload probe;
  harness::visit_field(probe, id, [&](auto& value) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(value)>, harness::code_name>)
      value.text = *text;
  });
  if (std::string problem = registry_.names_problem(probe); !problem.empty()) {
    error(n, std::move(problem));
    return std::nullopt;
  }
  return harness::code_name{*text};
}

std::optional<std::string> reader::strategy_name(const YAML::Node& n) {
  auto text = plain_word(n, "a strategy name");
  if (!text) return std::nullopt;
  if (find_strategy(*text) != nullptr) return text;
  std::vector<std::string_view> names;
  std::string listing;
  for (const strategy& s : strategies()) {
    names.push_back(s.name);
    listing +=
        (listing.empty() ? "" : ", ") + std::string(s.name) + " (" + std::string(s.help) + ")";
  }
  std::string message = "unknown strategy " + describe_node(n) + "; this chaosq has: " + listing;
  if (std::string best = closest(*text, names); !best.empty())
    message += "; did you mean '" + best + "'?";
  error(n, std::move(message));
  return std::nullopt;
}

std::optional<verdict_pattern> reader::pattern(const YAML::Node& n) {
  auto text = plain_word(n, "a verdict (ORACLE or ORACLE/KIND)");
  if (!text) return std::nullopt;
  std::string_view t = *text;
  auto slash = t.find('/');
  std::string_view const oracle_name = t.substr(0, slash);
  verdict_pattern p;
  if (auto o = harness::parse_name<harness::oracle>(oracle_name)) {
    p.oracle = *o;
  } else {
    std::vector<std::string_view> names;
    for (const auto& v : harness::names_of<harness::oracle>::values) names.push_back(v.name);
    std::string message = "unknown oracle '" + clip(oracle_name) + "' in " + describe_node(n) +
                          "; oracles: " + join(names, ", ");
    if (std::string best = closest(oracle_name, names); !best.empty())
      message += "; did you mean '" + best + "'?";
    error(n, std::move(message));
    return std::nullopt;
  }
  if (slash != std::string_view::npos) {
    std::string_view const kind = t.substr(slash + 1);
    p.kind = harness::parse_verdict_kind(p.oracle, kind);
    if (!p.kind) {
      std::vector<std::string_view> const kinds = harness::kind_names(p.oracle);
      std::string message = "unknown kind '" + clip(kind) + "' of oracle '" +
                            std::string(oracle_name) + "' in " + describe_node(n) +
                            "; its kinds: " + join(kinds, ", ");
      if (std::string best = closest(kind, kinds); !best.empty())
        message += "; did you mean '" + std::string(oracle_name) + "/" + best + "'?";
      error(n, std::move(message));
      return std::nullopt;
    }
  }
  return p;
}

std::optional<std::uint32_t> reader::item_id(const YAML::Node& n) {
  if (n.IsScalar() && n.Tag() == "?" && n.Scalar().size() > 1 && n.Scalar().front() == 'i') {
    std::string_view digits = std::string_view(n.Scalar()).substr(1);
    std::uint32_t id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (all_digits(digits) && ec == std::errc{} && end == digits.data() + digits.size() &&
        id < 1'000'000 && (digits.size() == 1 || digits.front() != '0'))
      return id;
    error(n, "expected an item id (3 or i3, below 1000000), got " + describe_node(n));
    return std::nullopt;
  }
  if (n.IsScalar() && n.Tag() == "?" && !all_digits(n.Scalar())) {
    error(n, "expected an item id (3 or i3), got " + describe_node(n));
    return std::nullopt;
  }
  auto v = integer(n, 0, 999'999);
  if (!v) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

void reader::list(const YAML::Node& n, std::string_view what,
                  const std::function<void(const YAML::Node&, std::size_t)>& each) {
  if (!n.IsSequence()) {
    error(n, "expected " + std::string(what) + " like [1, 2], got " + describe_node(n));
    return;
  }
  std::string const base = path;
  std::size_t i = 0;
  for (const YAML::Node& e : n) {
    if (full()) break;
    path = base + "[" + std::to_string(i) + "]";
    each(e, i);
    ++i;
  }
  path = base;
}

namespace {

/// Counts documents (and where each starts) without building nodes.
class document_counter final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

/// YAML text must be UTF-8 of printable characters (YAML 1.2's c-printable); yaml-cpp is only
/// handed text that is. Returns the first offending position (1-based line and column).
std::optional<load_error_data> check_text(std::string_view text) {
  std::size_t line = 1;
  std::size_t column = 1;
  auto bad = [&](std::string message) {
    return load_error_data{line, column, "", std::move(message)};
  };
  std::size_t i = 0;
  while (i < text.size()) {
    auto const c = static_cast<unsigned char>(text[i]);
    std::uint32_t cp = 0;
    std::size_t length = 0;
    if (c < 0x80) {
      cp = c;
      length = 1;
    } else if ((c & 0xE0U) == 0xC0U) {
      cp = c & 0x1FU;
      length = 2;
    } else if ((c & 0xF0U) == 0xE0U) {
      cp = c & 0x0FU;
      length = 3;
    } else if ((c & 0xF8U) == 0xF0U) {
      cp = c & 0x07U;
      length = 4;
    } else {
      return bad("not UTF-8 text: byte 0x" + std::string(1, "0123456789abcdef"[c >> 4U]) +
                 "0123456789abcdef"[c & 15U]);
    }
    if (i + length > text.size()) return bad("not UTF-8 text: a character is cut off");
    for (std::size_t k = 1; k < length; ++k) {
      auto const cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0U) != 0x80U) return bad("not UTF-8 text: a malformed character");
      cp = (cp << 6U) | (cc & 0x3FU);
    }
    bool const overlong =
        (length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return bad("not UTF-8 text: a malformed character");
    bool const printable = cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0x7E) ||
                           cp == 0x85 || (cp >= 0xA0 && cp <= 0xD7FF) ||
                           (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
    if (!printable) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      return bad(std::string("a control character (") + code +
                 ") that YAML does not allow in a document");
    }
    if (cp == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
  return std::nullopt;
}

/// Does `task` name a task of `w`? nullopt when it does, else why not.
std::optional<std::string> task_problem(const harness::workload& w, const std::string& task) {
  char const role = task.front();
  std::string_view rest = std::string_view(task).substr(1);
  std::uint32_t generation = 0;
  if (auto dot = rest.find('.'); dot != std::string_view::npos) {
    std::string_view const g = rest.substr(dot + 1);
    std::from_chars(g.data(), g.data() + g.size(), generation);
    rest = rest.substr(0, dot);
  }
  std::uint32_t slot = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), slot);
  auto range = [](char r, std::uint32_t count, std::string_view what) {
    if (count == 0) return "this scenario has no " + std::string(what);
    return "this scenario's " + std::string(what) + " are " + std::string(1, r) + "0.." +
           std::string(1, r) + std::to_string(count - 1);
  };
  switch (role) {
    case 'p':
      if (slot >= w.producers)
        return "no task '" + task + "': " + range('p', w.producers, "producers");
      break;
    case 'j':
      if (slot >= w.joiners) return "no task '" + task + "': " + range('j', w.joiners, "joiners");
      break;
    case 's':
      if (w.restarts == 0)
        return "no task '" + task + "': supervisors (s<N>) exist only with consumers.restarts > 0";
      if (slot >= w.consumers)
        return "no task '" + task + "': " + range('s', w.consumers, "supervisors");
      break;
    default:
      if (slot >= w.consumers)
        return "no task '" + task + "': " + range('c', w.consumers, "consumers");
      if (generation > w.restarts)
        return "no task '" + task + "': it would be restart " + std::to_string(generation) +
               " of c" + std::to_string(slot) + ", but consumers.restarts is " +
               std::to_string(w.restarts);
  }
  return std::nullopt;
}

char role_of(harness::fault_point p) {
  switch (p) {
    case harness::fault_point::before_put:
    case harness::fault_point::in_put:
      return 'p';
    case harness::fault_point::in_join:
      return 'j';
    default:
      return 'c';
  }
}

class loader {
 public:
  loader(std::string file, const harness::registry& registry, std::size_t max_errors)
      : file_(file), registry_(registry), r_(std::move(file), registry, max_errors) {}

  load_result load(std::string_view text) {
    if (text.size() > max_file_bytes) {
      r_.error_at(YAML::Mark::null_mark(), "",
                  "the file has " + std::to_string(text.size()) +
                      " bytes; a scenario may have at most " + std::to_string(max_file_bytes));
      return errors();
    }
    if (auto e = check_text(text)) {
      r_.errors().push_back(std::move(*e));
      return errors();
    }
    std::string const buffer(text);
    try {
      if (!single_document(buffer)) return errors();
      YAML::Node const root = YAML::Load(buffer);
      scenario s;
      read_root(root, s);
      if (r_.error_count() == 0) check_settings(s);
      if (r_.error_count() > 0) return errors();
      return s;
    } catch (const YAML::DeepRecursion& e) {
      r_.error_at(e.mark, "", "invalid YAML: nested too deeply");
    } catch (const YAML::Exception& e) {
      r_.error_at(e.mark, "", "invalid YAML: " + e.msg);
    } catch (const std::exception& e) {
      r_.error_at(YAML::Mark::null_mark(), "", std::string("could not read the YAML: ") + e.what());
    }
    return errors();
  }

 private:
  std::vector<load_error> errors() {
    std::vector<load_error> out;
    for (auto& e : r_.errors())
      out.push_back({file_, e.line, e.column, std::move(e.key), std::move(e.message)});
    return out;
  }

  /// yaml-cpp 0.7's LoadAll never returns on some inputs (a stray ',' at the top makes every
  /// document start at the same place), so documents are counted here, two at most.
  bool single_document(const std::string& buffer) {
    std::istringstream in(buffer);
    YAML::Parser parser(in);
    document_counter counter;
    std::size_t documents = 0;
    while (documents < 2 && parser.HandleNextDocument(counter)) ++documents;
    if (documents < 2) return true;
    const YAML::Mark& second = counter.starts.at(1);
    if (second.pos == counter.starts.at(0).pos) {
      std::string const here =
          second.pos >= 0 && static_cast<std::size_t>(second.pos) < buffer.size()
              ? std::string(1, buffer[static_cast<std::size_t>(second.pos)])
              : std::string();
      r_.error_at(second, "", "invalid YAML: unexpected '" + here + "'");
    } else {
      r_.error_at(second, "",
                  "a second YAML document starts here; a scenario file holds exactly one");
    }
    return false;
  }

  void read_root(const YAML::Node& root, scenario& s) {
    if (root.IsNull()) {
      r_.error_at(YAML::Mark(), "",
                  "the file holds no scenario: expected a map with version, name and expect");
      return;
    }
    if (!root.IsMap()) {
      r_.error_at(root.Mark(), "", "expected a map of keys (version, name, ...) at the top");
      return;
    }
    // The version decides how to read everything else: read it first, and stop if it is wrong.
    bool found = false;
    for (auto it = root.begin(); it != root.end(); ++it) {
      if (!it->first.IsScalar() || it->first.Scalar() != "version") continue;
      found = true;
      r_.path = "version";
      r_.key_mark = it->first.Mark();
      find_key("", "version")->read(r_, it->second, s, 0);
      break;
    }
    if (!found) {
      r_.error_at(root.Mark(), "",
                  "missing required key 'version' (this chaosq reads version " +
                      std::to_string(schema_version) + ")");
    }
    if (r_.error_count() > 0) return;
    walk(root, "", "", 0, s);
  }

  void walk(const YAML::Node& map, const std::string& section, const std::string& display,
            std::size_t index, scenario& s) {
    if (!map.IsMap()) {
      r_.path = display;
      r_.error(map, "expected a map of keys (" + key_names(section) + "), got " + kind_of(map));
      return;
    }
    std::map<std::string, YAML::Mark> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (r_.full()) return;
      YAML::Node const key = it->first;
      YAML::Node const value = it->second;
      if (!key.IsScalar()) {
        r_.error_at(key.Mark(), display, "keys must be names, got " + kind_of(key));
        continue;
      }
      std::string const& name = key.Scalar();
      std::string const path = display.empty() ? name : display + "." + name;
      if (auto first = seen.find(name); first != seen.end()) {
        r_.error_at(key.Mark(), path,
                    "duplicate key '" + name + "' (first at line " +
                        std::to_string(first->second.line + 1) + ", column " +
                        std::to_string(first->second.column + 1) +
                        "); each key may appear once in a map");
        continue;
      }
      seen.emplace(name, key.Mark());
      const key_def* k = find_key(section, name);
      if (k == nullptr) {
        unknown_key(key, section, display, name);
        continue;
      }
      key_marks_[path] = key.Mark();
      value_marks_[path] = value.IsNull() || value.Mark().is_null() ? key.Mark() : value.Mark();
      if (section.empty() && name == "version") continue;  // already read
      r_.path = path;
      r_.key_mark = key.Mark();
      switch (k->shape) {
        case shape::map:
          walk(value, k->path, path, index, s);
          break;
        case shape::list_of_maps:
          walk_list(*k, value, path, s);
          break;
        case shape::scalar:
        case shape::list:
          k->read(r_, value, s, index);
          break;
      }
    }
    for (const key_def* c : children(section)) {
      if (c->required && seen.count(c->name) == 0) {
        r_.error_at(map.Mark(), display,
                    "missing required key '" + c->name + "' (" + c->type + ": " + c->help + ")");
      }
    }
  }

  void walk_list(const key_def& k, const YAML::Node& value, const std::string& path, scenario& s) {
    if (!value.IsSequence()) {
      r_.error(value, "expected a list of maps (each '- key: value'), got " + kind_of(value));
      return;
    }
    std::size_t const limit = harness::token_limits::pinned_faults;
    if (value.size() > limit) {
      r_.error(value, "at most " + std::to_string(limit) + " entries, got " +
                          std::to_string(value.size()));
      return;
    }
    k.resize(s, value.size());
    std::size_t i = 0;
    for (const YAML::Node& element : value) {
      std::string const element_path = path + "[" + std::to_string(i) + "]";
      value_marks_[element_path] = element.Mark().is_null() ? r_.key_mark : element.Mark();
      key_marks_[element_path] = value_marks_[element_path];
      walk(element, k.path + "[]", element_path, i, s);
      ++i;
    }
  }

  static std::string kind_of(const YAML::Node& n) {
    if (n.IsNull()) return "nothing (null)";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a map";
    return "'" + clip(n.Scalar()) + "'";
  }

  static std::string key_names(const std::string& section) {
    std::vector<std::string_view> names;
    for (const key_def* c : children(section)) names.push_back(c->name);
    return join(names, ", ");
  }

  void unknown_key(const YAML::Node& key, const std::string& section, const std::string& display,
                   const std::string& name) {
    std::vector<std::string_view> names;
    for (const key_def* c : children(section)) names.push_back(c->name);
    std::string const where = display.empty() ? "at the top level" : "in '" + display + "'";
    std::string message = "unknown key '" + clip(name) + "' " + where;
    if (std::string best = closest(name, names); !best.empty()) {
      message += "; did you mean '" + best + "'?";
    } else {
      for (const key_def& other : keys()) {
        if (other.name != name || other.parent == section) continue;
        message +=
            "; '" + name + "' belongs " +
            (other.parent.empty() ? std::string("at the top level") : "in '" + other.parent + "'");
        break;
      }
    }
    message += " (keys here: " + join(names, ", ") + ")";
    r_.error_at(key.Mark(), display.empty() ? name : display + "." + name, std::move(message));
  }

  [[nodiscard]] bool has(const std::string& path) const { return key_marks_.count(path) > 0; }

  void fail(const std::string& path, std::string message, bool at_key = false) {
    auto const& marks = at_key ? key_marks_ : value_marks_;
    auto it = marks.find(path);
    r_.error_at(it != marks.end() ? it->second : YAML::Mark(), path, std::move(message));
  }

  [[nodiscard]] std::string line_of(const std::string& path) const {
    auto it = key_marks_.find(path);
    if (it == key_marks_.end()) return "";
    return " (line " + std::to_string(it->second.line + 1) + ")";
  }

  /// Settings that are each valid but contradict each other or the workload.
  void check_settings(scenario& s) {
    const harness::workload& w = s.work;
    if (has("decisions") && has("explore")) {
      fail("explore",
           "'explore' contradicts 'decisions'" + line_of("decisions") +
               ": pinned decisions replay exactly one run, nothing is explored; keep one of them",
           true);
    }
    if (has("consumers.behaviour") && has("consumers.policy")) {
      fail("consumers.behaviour",
           "'behaviour' and 'policy'" + line_of("consumers.policy") +
               " both choose the consumers' code; keep one of them",
           true);
    }
    std::uint64_t const total_items = std::uint64_t{w.producers} * w.items;
    if (total_items > harness::max_total_items) {
      fail("producers.items", "producers.count x producers.items is " +
                                  std::to_string(total_items) + "; at most " +
                                  std::to_string(harness::max_total_items) + " items");
    }
    for (std::size_t i = 0; i < w.pinned.size(); ++i) {
      const harness::pinned_fault& f = w.pinned[i];
      std::string const at = "faults.pinned[" + std::to_string(i) + "]";
      if (f.task.front() == 's') {
        fail(at + ".task", "supervisors cannot be struck by pinned faults; strike the consumer");
      } else if (auto problem = task_problem(w, f.task)) {
        fail(at + ".task", *problem);
      } else if (char const role = role_of(f.point); role != f.task.front()) {
        std::string const whose = role == 'p'   ? "producers (p<N>)"
                                  : role == 'j' ? "joiners (j<N>)"
                                                : "consumers (c<N>)";
        fail(at + ".point", "point '" + std::string(harness::name_of(f.point)) + "' applies to " +
                                whose + ", not to '" + f.task + "'");
      }
      if (f.item >= 0 && static_cast<std::uint64_t>(f.item) >= total_items) {
        fail(at + ".item",
             "item " + std::to_string(f.item) + " is never put: " +
                 (total_items == 0 ? std::string("no items are put")
                                   : "the items are 0.." + std::to_string(total_items - 1)));
      }
    }
    for (std::size_t i = 0; i < w.controls.size(); ++i) {
      const harness::control_event& c = w.controls[i];
      std::string const at = "controls[" + std::to_string(i) + "]";
      bool const cancel = c.action == harness::control_action::cancel;
      if (cancel && !has(at + ".task")) {
        fail(at, "action 'cancel' needs a 'task' to cancel", true);
      } else if (!cancel && has(at + ".task")) {
        fail(at + ".task", "action '" + std::string(harness::name_of(c.action)) + "' takes no task",
             true);
      } else if (cancel) {
        if (auto problem = task_problem(w, c.task)) fail(at + ".task", *problem);
      }
    }
    check_expectation(s, total_items);
    if (r_.error_count() == 0) {
      for (const std::string& problem : harness::validate(w))
        r_.error_at(YAML::Mark(), "", problem);
    }
    // The code it names can run it (a thread-based queue in threads mode, a workload a thread
    // pool fits), once every name is known good.
    if (r_.error_count() == 0 && (!w.queue_impl.empty() || !w.program.empty())) {
      if (std::string problem = registry_.problem(w); !problem.empty())
        fail(w.program.empty() ? "queue.impl" : "python", problem);
    }
  }

  void check_expectation(const scenario& s, std::uint64_t total_items) {
    const expectation& e = s.expect;
    auto verdict_text = [&] { return e.verdict ? e.verdict->to_string() : std::string("none"); };
    if (e.join && s.work.joiners == 0) {
      fail("expect.join", "this scenario has no joiners (joiners.count is 0), so 'join: " +
                              std::string(harness::name_of(*e.join)) + "' cannot hold");
    }
    bool const hang_verdict = e.verdict && is_hang(*e.verdict);
    if (e.join == join_outcome::hangs && !hang_verdict) {
      fail("expect.join", "'join: hangs' contradicts 'verdict: " + verdict_text() + "'" +
                              line_of("expect.verdict") +
                              ": a hang's verdict is join-hang or join-late");
    }
    if (e.join == join_outcome::completes && hang_verdict) {
      fail("expect.join", "'join: completes' contradicts 'verdict: " + verdict_text() + "'" +
                              line_of("expect.verdict") + ": that verdict is a hang");
    }
    if (e.unacknowledged) {
      if (!e.verdict || e.verdict->oracle != harness::oracle::join_hang) {
        fail("expect.unacknowledged",
             "'unacknowledged' needs 'verdict: join-hang' (only a hang leaves items "
             "unacknowledged when the run ends), not 'verdict: " +
                 verdict_text() + "'",
             true);
      }
      for (std::uint32_t id : *e.unacknowledged) {
        if (id >= total_items) {
          fail("expect.unacknowledged",
               "item i" + std::to_string(id) + " is never put: " +
                   (total_items == 0 ? std::string("no items are put")
                                     : "the items are i0..i" + std::to_string(total_items - 1)));
          break;
        }
      }
    }
    if (e.verdict) {
      for (std::size_t i = 0; i < e.forbid.size(); ++i) {
        const verdict_pattern& f = e.forbid[i];
        if (e.verdict->within(f)) {
          fail("expect.forbid", "forbid[" + std::to_string(i) + "] '" + f.to_string() +
                                    "' forbids the expected verdict '" + verdict_text() + "'");
        }
      }
    }
  }

  std::string file_;
  const harness::registry& registry_;
  reader r_;
  std::map<std::string, YAML::Mark> key_marks_;
  std::map<std::string, YAML::Mark> value_marks_;
};

}  // namespace
}  // namespace detail

load_result parse_scenario(std::string_view text, std::string_view file,
                           const load_options& options) {
  harness::registry const builtin =
      options.registry ? harness::registry{} : harness::builtin_registry();
  const harness::registry& registry = options.registry ? *options.registry : builtin;
  detail::loader l(std::string(file), registry, std::max<std::size_t>(options.max_errors, 1));
  return l.load(text);
}

load_result load_scenario(const std::filesystem::path& path, const load_options& options) {
  std::string const name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return std::vector<load_error>{{name, 0, 0, "", "is a directory, not a scenario file"}};
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::vector<load_error>{{name, 0, 0, "", "cannot open the file"}};
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_file_bytes) {
      return std::vector<load_error>{{name, 0, 0, "",
                                      "the file is larger than " + std::to_string(max_file_bytes) +
                                          " bytes; a scenario is a few kilobytes"}};
    }
  }
  if (in.bad()) return std::vector<load_error>{{name, 0, 0, "", "cannot read the file"}};
  return parse_scenario(text, name, options);
}

}  // namespace chaosq::scenarios

#include "chaosq/scenarios/writer.hpp"

#include <algorithm>

#include "detail/keys.hpp"

namespace chaosq::scenarios {
namespace {

using detail::key_def;
using detail::shape;

/// `text` with every line after the first indented by `prefix` too.
std::string indent(std::string_view prefix, const std::string& text) {
  std::string out(prefix);
  for (char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out;
}

/// The lines of the keys under `section` (for element `index` of an enclosing list of maps).
std::vector<std::string> lines_of(const scenario& s, std::string_view section, std::size_t index) {
  std::vector<std::string> out;
  for (const key_def* k : detail::children(section)) {
    switch (k->shape) {
      case shape::scalar:
      case shape::list:
        if (auto value = k->write(s, index)) out.push_back(k->name + ": " + *value);
        break;
      case shape::map: {
        std::vector<std::string> const sub = lines_of(s, k->path, index);
        if (sub.empty()) break;
        out.push_back(k->name + ":");
        for (const std::string& line : sub) out.push_back(indent("  ", line));
        break;
      }
      case shape::list_of_maps: {
        std::size_t const n = k->count(s);
        if (n == 0) break;
        out.push_back(k->name + ":");
        for (std::size_t i = 0; i < n; ++i) {
          std::vector<std::string> const sub = lines_of(s, k->path + "[]", i);
          for (std::size_t j = 0; j < sub.size(); ++j)
            out.push_back(indent(j == 0 ? "  - " : "    ", sub[j]));
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace

std::string to_yaml(const scenario& s, std::string_view comment) {
  std::string out;
  while (!comment.empty()) {
    auto const end = comment.find('\n');
    std::string_view const line = comment.substr(0, end);
    out += line.empty() ? "#\n" : "# " + std::string(line) + "\n";
    if (end == std::string_view::npos) break;
    comment.remove_prefix(end + 1);
  }
  for (const std::string& line : lines_of(s, "", 0)) out += line + "\n";
  return out;
}

std::string scenario_name_from(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 100)) {
    bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '-';
  }
  return out.empty() ? "scenario" : out;
}

scenario pinned_scenario(std::string name, std::string description, const harness::workload& work,
                         std::span<const std::uint32_t> decisions,
                         const harness::run_report& traced) {
  scenario s;
  s.name = std::move(name);
  s.description = std::move(description);
  s.work = work;
  s.decisions.emplace(decisions.begin(), decisions.end());
  if (traced.violation) {
    const harness::verdict& v = *traced.violation;
    s.expect.verdict = verdict_pattern{v.oracle(), v.kind};
    if (harness::info(v.kind).hang && work.joiners > 0) s.expect.join = join_outcome::hangs;
    if (v.oracle() == harness::oracle::join_hang) {
      s.expect.unacknowledged.emplace();
      for (const harness::item_account& item : v.items) s.expect.unacknowledged->push_back(item.id);
    }
  }
  return s;
}

scenario pinned_scenario(std::string name, std::string description, const harness::failure& f) {
  return pinned_scenario(std::move(name), std::move(description), f.work, f.decisions, f.report);
}

}  // namespace chaosq::scenarios

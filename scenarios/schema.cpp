#include "chaosq/scenarios/schema.hpp"

#include "chaosq/harness/verdict.hpp"

#include "detail/keys.hpp"

namespace chaosq::scenarios {
namespace {

/// `text` for a Markdown table cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::vector<key_info> schema() {
  scenario const defaults = detail::documented_defaults();
  std::vector<key_info> out;
  for (const detail::key_def& k : detail::keys()) {
    key_info info{k.path, k.type, "", k.help};
    if (k.required) {
      info.default_value = "required";
    } else if (!k.absent.empty()) {
      info.default_value = k.absent;
    } else if (k.write) {
      info.default_value = k.write(defaults, 0).value_or("");
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::string schema_markdown() {
  std::string out =
      "| key | type | default | meaning |\n"
      "|---|---|---|---|\n";
  for (const key_info& k : schema()) {
    out += "| `" + k.path + "` | " + cell(k.type) + " | " +
           (k.default_value.empty() || k.default_value == "required" || k.default_value[0] == '('
                ? cell(k.default_value)
                : "`" + cell(k.default_value) + "`") +
           " | " + cell(k.help) + " |\n";
  }
  return out;
}

std::string verdicts_markdown() {
  std::string out =
      "| verdict | meaning | a hang | judged when nothing can run |\n"
      "|---|---|---|---|\n";
  for (const harness::verdict_info& v : harness::verdict_kinds) {
    out += "| `" + harness::signature_of(v.kind) + "` | " + cell(v.meaning) + " | " +
           (v.hang ? "yes" : "no") + " | " + (v.judged_at_end ? "yes" : "no") + " |\n";
  }
  return out;
}

}  // namespace chaosq::scenarios

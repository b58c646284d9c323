#include "chaosq/scenarios/schema.hpp"

#include "detail/keys.hpp"

namespace chaosq::scenarios {

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
  auto cell = [](const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '|')
        out += "\\|";
      else
        out += c;
    }
    return out;
  };
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

}  // namespace chaosq::scenarios

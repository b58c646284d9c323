#include "chaosq/scenarios/report.hpp"

#include <cstdio>
#include <filesystem>

#include "chaosq/harness/failure.hpp"
#include "chaosq/scenarios/writer.hpp"

#include "detail/markup.hpp"

namespace chaosq::scenarios {
namespace {

using detail::markup_escape;

std::string test_name(const file_report& r) {
  if (r.scenario) return r.scenario->name;
  return std::filesystem::path(r.file).stem().string();
}

}  // namespace

std::string evidence_token(const file_report& r) {
  if (!r.result || !r.result->evidence) return {};
  return r.result->evidence->token;
}

std::string evidence_text(const file_report& r) {
  if (!r.result || !r.result->evidence || !r.scenario) return {};
  std::string out = harness::failure_text(*r.result->evidence);
  scenario const repro = reproducer(*r.scenario, *r.result);
  std::string const file = repro.name + ".yaml";
  out += "reproducer (save as " + file + ", then: chaosq run " + file + "):\n";
  out += to_yaml(repro,
                 "Reproducer written by chaosq run; `chaosq run` on it shows the verdict "
                 "below.\nOnce the bug is fixed, change expect to what must happen instead.");
  return out;
}

std::string junit_xml(std::span<const file_report> reports) {
  std::size_t failures = 0;
  std::size_t errors = 0;
  double total = 0;
  for (const file_report& r : reports) {
    if (r.failed()) ++failures;
    if (!r.result) ++errors;
    total += r.seconds;
  }
  auto seconds = [](double s) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", s);
    return std::string(text);
  };
  std::string const counts = " tests=\"" + std::to_string(reports.size()) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                             "\" time=\"" + seconds(total) + "\"";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"chaosq run\"" + counts + ">\n";
  out += "  <testsuite name=\"chaosq.scenarios\"" + counts + " skipped=\"0\">\n";
  for (const file_report& r : reports) {
    out += "    <testcase classname=\"chaosq.scenarios\" name=\"" + markup_escape(test_name(r)) +
           "\" file=\"" + markup_escape(r.file) + "\" time=\"" + seconds(r.seconds) + "\"";
    if (r.passed()) {
      out += ">\n      <system-out>PASS: " + markup_escape(r.result->reason) +
             "</system-out>\n    </testcase>\n";
      continue;
    }
    out += ">\n";
    if (r.failed()) {
      const scenario_result& res = *r.result;
      std::string const type = res.evidence && res.evidence->violation()
                                   ? res.evidence->violation()->signature()
                                   : std::string("expectation");
      std::string body = "FAIL " + test_name(r) + " (" + r.file + "): " + res.reason + "\n\n";
      body += evidence_text(r);
      body += "\nrerun: chaosq run " + r.file + "\n";
      out += "      <failure message=\"" + markup_escape(res.reason) + "\" type=\"" +
             markup_escape(type) + "\">" + markup_escape(body) + "</failure>\n";
    } else {
      std::string text = r.internal_error;
      for (const load_error& e : r.load_errors) text += e.to_string() + "\n";
      out += "      <error message=\"" + markup_escape(text.substr(0, text.find('\n'))) +
             "\" type=\"" + (r.internal_error.empty() ? "invalid scenario" : "internal error") +
             "\">" + markup_escape(text) + "</error>\n";
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace chaosq::scenarios

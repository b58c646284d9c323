#include "chaosq/scenarios/report.hpp"

#include <cstdio>
#include <filesystem>

#include "chaosq/harness/token.hpp"
#include "chaosq/scenarios/writer.hpp"

#include "detail/markup.hpp"

namespace chaosq::scenarios {
namespace {

using detail::markup_escape;

std::string items_text(const std::vector<std::uint32_t>& ids) {
  std::string out;
  for (std::uint32_t id : ids) out += (out.empty() ? "i" : ", i") + std::to_string(id);
  return out.empty() ? "none" : out;
}

std::string test_name(const file_report& r) {
  if (r.scenario) return r.scenario->name;
  return std::filesystem::path(r.file).stem().string();
}

}  // namespace

std::string evidence_token(const file_report& r) {
  if (!r.result || !r.result->evidence || !r.scenario || !r.scenario->behaviour.empty()) return {};
  const evidence& ev = *r.result->evidence;
  if (!harness::validate(ev.work).empty()) return {};
  return harness::encode_token(ev.work, ev.decisions);
}

std::string evidence_text(const file_report& r) {
  if (!r.result || !r.result->evidence || !r.scenario) return {};
  const scenario& s = *r.scenario;
  const evidence& ev = *r.result->evidence;
  const harness::run_report& run = ev.report;
  std::string out;
  if (run.violation) {
    out += "VIOLATION " + run.violation->signature() + "\n  " + run.violation->message + "\n\n";
  }
  if (ev.shrunk) {
    out += "minimal trace: " + std::to_string(run.steps) + " steps, " +
           std::to_string(ev.decisions.size()) + " decisions (shrunk from " +
           std::to_string(ev.original_decisions) + " in " + std::to_string(ev.shrink_runs) +
           " runs" + (ev.shrink_stopped_early ? ", stopped early: smaller may exist" : "") + ")";
  } else {
    out += "trace: " + std::to_string(run.steps) + " steps, " +
           std::to_string(ev.decisions.size()) + " decisions";
  }
  out += "; '>' marks the steps that matter:\n" + run.trace->to_text();
  if (!ev.unacknowledged.empty())
    out += "unacknowledged at the end: " + items_text(ev.unacknowledged) + "\n";
  std::string const token = evidence_token(r);
  if (!token.empty()) {
    out += "token: " + token + "\nreproduce: chaosq replay " + token + "\n";
  } else if (!s.behaviour.empty()) {
    out += "no replay token: the consumers run behaviour '" + s.behaviour +
           "', which a token cannot carry; use the reproducer below\n";
  }
  scenario const repro = reproducer(s, *r.result);
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
      std::string const type = res.evidence && res.evidence->report.violation
                                   ? res.evidence->report.violation->signature()
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

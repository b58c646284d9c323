#include "chaosq/scenarios/report.hpp"

#include <gtest/gtest.h>

#include "chaosq/harness/token.hpp"
#include "chaosq/scenarios/loader.hpp"

namespace chaosq::scenarios {
namespace {

file_report ran(std::string file, std::string_view text) {
  file_report r;
  r.file = std::move(file);
  load_result loaded = parse_scenario(text, r.file);
  if (auto* e = std::get_if<std::vector<load_error>>(&loaded)) {
    r.load_errors = *e;
    return r;
  }
  r.scenario = std::get<scenario>(loaded);
  r.result = run_scenario(*r.scenario);
  return r;
}

constexpr const char* failing = R"(version: 1
name: leak
producers: {count: 1, items: 3}
consumers: {count: 2, policy: on-success}
faults: {budget: {crashes: 1}}
explore: {schedules: 2000}
expect: {verdict: none}
)";

constexpr const char* passing = R"(version: 1
name: fine
explore: {schedules: 20}
expect: {verdict: none}
)";

TEST(Report, EvidenceTextHasVerdictTraceTokenAndReproducer) {
  file_report const r = ran("leak.yaml", failing);
  ASSERT_TRUE(r.failed());
  std::string const text = evidence_text(r);
  const harness::verdict& v = *r.result->evidence->report.violation;
  EXPECT_NE(text.find("VIOLATION " + v.signature() + "\n  " + v.message), std::string::npos);
  EXPECT_NE(text.find("minimal trace: "), std::string::npos);
  EXPECT_NE(text.find(r.result->evidence->report.trace->to_text()), std::string::npos);
  std::string const token = evidence_token(r);
  ASSERT_FALSE(token.empty());
  EXPECT_NE(text.find("reproduce: chaosq replay " + token + "\n"), std::string::npos);
  auto decoded = harness::decode_token(token);
  ASSERT_TRUE(std::holds_alternative<harness::decoded_token>(decoded));
  EXPECT_EQ(std::get<harness::decoded_token>(decoded).decisions, r.result->evidence->decisions);
  EXPECT_NE(text.find("reproducer (save as leak-repro.yaml, then: chaosq run leak-repro.yaml):\n"),
            std::string::npos);
  // The reproducer is the text's tail, and it loads.
  std::string const yaml = text.substr(text.find("# Reproducer written by chaosq run"));
  load_result loaded = parse_scenario(yaml, "leak-repro.yaml");
  ASSERT_TRUE(std::holds_alternative<scenario>(loaded)) << yaml;
}

TEST(Report, ATokenNamesTheBehaviourTheConsumersRan) {
  // No consumer takes an item: every schedule hangs, whatever code the consumers would run.
  file_report const r = ran("leak.yaml", R"(version: 1
name: leak
producers: {count: 1, items: 3}
consumers: {count: 0, behaviour: get-with-timeout}
explore: {schedules: 20}
expect: {verdict: none}
)");
  ASSERT_TRUE(r.failed()) << (r.load_errors.empty() ? "" : r.load_errors.front().to_string());
  std::string const token = evidence_token(r);
  ASSERT_TRUE(token.starts_with("cq4-")) << token;
  auto decoded = harness::decode_token(token);
  ASSERT_TRUE(std::holds_alternative<harness::decoded_token>(decoded));
  EXPECT_EQ(std::get<harness::decoded_token>(decoded).work.behaviour.text, "get-with-timeout");
}

TEST(Report, JunitPutsTheWholeFailureInTheElementText) {
  std::vector<file_report> reports;
  reports.push_back(ran("ok.yaml", passing));
  reports.push_back(ran("leak.yaml", failing));
  reports.push_back(ran("bad <1>.yaml", "version: 1\nname: x\nexpect: {verdict: nonee}\n"));
  reports.back().seconds = 0.25;
  std::string const xml = junit_xml(reports);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"chaosq "
                      "run\" tests=\"3\" failures=\"1\" errors=\"1\" time=\"0.250\">\n",
                      0),
            0U)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"chaosq.scenarios\" name=\"fine\" file=\"ok.yaml\" "
                     "time=\"0.000\">\n      <system-out>PASS: no violation in 20 "
                     "schedule(s)</system-out>"),
            std::string::npos)
      << xml;
  const scenario_result& failed = *reports[1].result;
  std::string const signature = failed.evidence->report.violation->signature();
  auto const open =
      xml.find("<failure message=\"" + failed.reason + "\" type=\"" + signature + "\">");
  ASSERT_NE(open, std::string::npos) << xml;
  auto const close = xml.find("</failure>", open);
  std::string const body = xml.substr(open, close - open);
  EXPECT_NE(body.find("VIOLATION " + signature), std::string::npos);
  EXPECT_NE(body.find("minimal trace:"), std::string::npos);
  EXPECT_NE(body.find("  step  task    operation"), std::string::npos);
  EXPECT_NE(body.find("reproduce: chaosq replay cq1-"), std::string::npos);
  EXPECT_NE(body.find("rerun: chaosq run leak.yaml"), std::string::npos);
  EXPECT_NE(xml.find("name=\"bad &lt;1&gt;\" file=\"bad &lt;1&gt;.yaml\" time=\"0.250\">\n"
                     "      <error message=\"bad &lt;1&gt;.yaml:3:19: error: expect.verdict: "),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("type=\"invalid scenario\">"), std::string::npos);
  std::string const tail = "    </testcase>\n  </testsuite>\n</testsuites>\n";
  EXPECT_EQ(xml.substr(xml.size() - tail.size()), tail);
}

TEST(Report, JunitEscapesEverythingAndDropsControlCharacters) {
  file_report r;
  r.file = "a&b\"c'<d>\x01.yaml";
  r.internal_error = "internal error: boom <&>\x02";
  std::string const xml = junit_xml(std::span<const file_report>(&r, 1));
  EXPECT_NE(xml.find("file=\"a&amp;b&quot;c&apos;&lt;d&gt;?.yaml\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("type=\"internal error\">internal error: boom &lt;&amp;&gt;?</error>"),
            std::string::npos)
      << xml;
}

}  // namespace
}  // namespace chaosq::scenarios

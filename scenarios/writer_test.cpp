#include "chaosq/scenarios/writer.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "chaosq/scenarios/loader.hpp"
#include "chaosq/scenarios/schema.hpp"

namespace chaosq::scenarios {
namespace {

scenario parsed(const std::string& text) {
  load_result r = parse_scenario(text, "w.yaml");
  if (auto* e = std::get_if<std::vector<load_error>>(&r)) {
    ADD_FAILURE() << e->front().to_string() << "\n" << text;
    return {};
  }
  return std::get<scenario>(r);
}

TEST(Writer, WritesEveryKeyExplicitly) {
  scenario s;
  s.name = "w";
  s.description = "a \"quoted\" line\nand a second";
  s.work.pinned.push_back({harness::fault_kind::crash, "c0", harness::fault_point::mid_item, 1, 0});
  s.work.controls.push_back({5, harness::control_action::cancel, "c1"});
  s.work.controls.push_back({7, harness::control_action::shutdown_graceful, ""});
  s.expect.join = join_outcome::hangs;
  s.expect.verdict =
      verdict_pattern{harness::oracle::join_hang, harness::verdict_kind::join_hang_held_by_crashed};
  s.expect.unacknowledged = std::vector<std::uint32_t>{1};
  s.expect.forbid = {{harness::oracle::over_ack, std::nullopt}};
  EXPECT_EQ(to_yaml(s, "first\n\nthird"), R"(# first
#
# third
version: 1
name: w
description: "a \"quoted\" line\nand a second"
mode: coroutines
queue:
  kind: fifo
  maxsize: 0
producers:
  count: 1
  items: 3
  put: blocking
consumers:
  count: 2
  policy: finally
  work_steps: 1
  restarts: 0
joiners:
  count: 1
  when: after-producers
faults:
  budget:
    crashes: 0
    cancels: 0
    shutdown: none
    odds: 8
    crash_points: [after-get, mid-item, before-ack, after-ack, in-get, before-put]
  pinned:
    - task: c0
      point: mid-item
      kind: crash
      item: 1
      occurrence: 0
controls:
  - at_step: 5
    action: cancel
    task: c1
  - at_step: 7
    action: shutdown
explore:
  strategy: random
  schedules: 1000
  seed: 1
  depth: 3
  preemptions: 2
  max_faults: 1000
expect:
  join: hangs
  verdict: join-hang/held-by-crashed
  unacknowledged: [1]
  forbid: [over-ack]
)");
  EXPECT_EQ(parsed(to_yaml(s)), s);
}

TEST(Writer, AStepBudgetIsWrittenOnlyWhenSet) {
  // Left to scale with the workload, the file leaves it out and scales it when read; a budget
  // that is set is written, even one equal to the scaled default.
  scenario s;
  s.name = "b";
  EXPECT_EQ(to_yaml(s).find("step_budget"), std::string::npos);
  EXPECT_EQ(parsed(to_yaml(s)), s);
  s.work.step_budget = harness::scaled_step_budget(s.work);
  EXPECT_NE(to_yaml(s).find("\nstep_budget: 100000\n"), std::string::npos) << to_yaml(s);
  EXPECT_EQ(parsed(to_yaml(s)), s);
}

TEST(Writer, PinnedDecisionsReplaceExploreAndWrapLongRecords) {
  scenario s;
  s.name = "p";
  s.work.behaviour.text = "get-with-timeout";
  s.decisions.emplace();
  for (std::uint32_t i = 0; i < 300; ++i) s.decisions->push_back(i * 7919U % 1000U);
  std::string const text = to_yaml(s);
  EXPECT_EQ(text.find("explore:"), std::string::npos);
  EXPECT_EQ(text.find("policy:"), std::string::npos) << "a behaviour replaces the policy";
  EXPECT_NE(text.find("behaviour: get-with-timeout\n"), std::string::npos);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 100U) << line;
  EXPECT_EQ(parsed(text), s);
}

TEST(Writer, AnyDescriptionRoundTrips) {
  scenario s;
  s.name = "d";
  for (std::string description :
       {"plain", "colon: and # hash", "'single' \"double\" \\back", "tab\there\r\n",
        "\x01\x1f\x7f control", "Ünïcode ✓", "  leading and trailing  ", "- dash", "null",
        "[flow, {like: this}]", "*alias &anchor !tag %directive @ `"}) {
    s.description = description;
    EXPECT_EQ(parsed(to_yaml(s)).description, description) << to_yaml(s);
  }
}

TEST(Writer, EveryBundledScenarioRoundTrips) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CHAOSQ_SCENARIOS_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    load_result r = load_scenario(entry.path());
    ASSERT_TRUE(std::holds_alternative<scenario>(r)) << entry.path();
    const scenario& s = std::get<scenario>(r);
    EXPECT_EQ(parsed(to_yaml(s)), s) << entry.path();
    ++count;
  }
  EXPECT_GT(count, 0U);
}

TEST(Writer, ANegativeMaxsizeIsNoWorkload) {
  // The command line and YAML both take maxsize 0..2147483647 (the field table's range), so a
  // reproducer never has to turn a negative one into 0.
  harness::workload w;
  w.maxsize = -3;
  EXPECT_EQ(harness::validate(w), std::vector<std::string>{"maxsize is -3, not in 0..2147483647"});
}

TEST(UnacknowledgedItems, APinnedHangExpectsTheItemsItsVerdictNames) {
  harness::workload w;
  w.items = 4;
  w.consumers = 1;
  w.policy = harness::ack_policy::on_success;
  w.pinned.push_back({harness::fault_kind::crash, "c0", harness::fault_point::mid_item, 1, 0});
  harness::run_report const r = harness::replay(w, std::vector<std::uint32_t>{}, {.trace = true});
  ASSERT_TRUE(r.violation);
  ASSERT_EQ(r.violation->oracle(), harness::oracle::join_hang);
  // The verdict lists "Unacknowledged: i1 (...); i2 (...); i3 (...)".
  // (Read without <regex>: with -O1, g++ 12 reports -Wmaybe-uninitialized inside <regex>.)
  std::vector<std::uint32_t> listed;
  const std::string& message = r.violation->message;
  for (std::size_t at = message.find("Unacknowledged: i"); at != std::string::npos;
       at = message.find("; i", at)) {
    at = message.find('i', at + 1) + 1;
    std::size_t const digits = message.find_first_not_of("0123456789", at);
    if (digits == at || digits == std::string::npos || message[digits] != ' ') continue;
    listed.push_back(static_cast<std::uint32_t>(std::stoul(message.substr(at, digits - at))));
  }
  EXPECT_EQ(listed, (std::vector<std::uint32_t>{1, 2, 3})) << r.violation->message;
  scenario const pinned = pinned_scenario("hang", "", w, {}, r);
  EXPECT_EQ(pinned.expect.unacknowledged, listed);
}

// ---- the schema, and the documentation generated from it ----

TEST(Schema, DocumentsEveryKeyWithTypeDefaultAndMeaning) {
  std::vector<key_info> const keys = schema();
  ASSERT_FALSE(keys.empty());
  for (const key_info& k : keys) {
    EXPECT_FALSE(k.type.empty()) << k.path;
    EXPECT_FALSE(k.help.empty()) << k.path;
    if (k.type != "map") {
      EXPECT_FALSE(k.default_value.empty()) << k.path;
    }
  }
  auto find = [&](std::string_view path) {
    for (const key_info& k : keys)
      if (k.path == path) return k;
    ADD_FAILURE() << "no key " << path;
    return key_info{};
  };
  EXPECT_EQ(find("version").default_value, "required");
  EXPECT_EQ(find("queue.kind").type, "fifo | lifo | priority");
  EXPECT_EQ(find("queue.kind").default_value, "fifo");
  EXPECT_EQ(find("consumers.policy").default_value, "finally");
  EXPECT_EQ(find("faults.pinned[].kind").default_value, "crash");
  EXPECT_EQ(find("step_budget").default_value,
            "(" + std::string(harness::scaled_step_budget_rule) + ")");
  EXPECT_EQ(find("expect.verdict").default_value, "required");
}

TEST(Schema, TheDocumentationHoldsTheGeneratedTable) {
  std::ifstream in(CHAOSQ_SCENARIOS_DOC);
  ASSERT_TRUE(in) << CHAOSQ_SCENARIOS_DOC;
  std::stringstream doc;
  doc << in.rdbuf();
  std::string const text = doc.str();
  std::string const begin =
      "<!-- BEGIN KEYS: generated by `chaosq run --schema`; do not edit -->\n";
  std::string const end = "<!-- END KEYS -->";
  auto const from = text.find(begin);
  auto const to = text.find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  EXPECT_EQ(text.substr(from + begin.size(), to - from - begin.size()), schema_markdown())
      << "regenerate the table in docs/scenarios.md with `chaosq run --schema`";
  std::string const verdicts_begin =
      "<!-- BEGIN VERDICTS: generated by `chaosq run --schema`; do not edit -->\n";
  std::string const verdicts_end = "<!-- END VERDICTS -->";
  auto const vfrom = text.find(verdicts_begin);
  auto const vto = text.find(verdicts_end);
  ASSERT_NE(vfrom, std::string::npos);
  ASSERT_NE(vto, std::string::npos);
  EXPECT_EQ(text.substr(vfrom + verdicts_begin.size(), vto - vfrom - verdicts_begin.size()),
            verdicts_markdown())
      << "regenerate the verdict table in docs/scenarios.md with `chaosq run --schema`";
}

TEST(Schema, ListsEveryVerdictKind) {
  std::string const table = verdicts_markdown();
  for (const harness::verdict_info& v : harness::verdict_kinds)
    EXPECT_NE(table.find("`" + harness::signature_of(v.kind) + "`"), std::string::npos)
        << harness::signature_of(v.kind);
}

}  // namespace
}  // namespace chaosq::scenarios

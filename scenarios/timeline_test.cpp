#include "chaosq/scenarios/timeline.hpp"

#include <gtest/gtest.h>

#include "chaosq/harness/engine.hpp"

namespace chaosq::scenarios {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Timeline, ASelfContainedPageWithALanePerTask) {
  harness::workload w;
  w.policy = harness::ack_policy::on_success;
  w.pinned.push_back({harness::fault_kind::crash, "c0", harness::fault_point::mid_item, -1, 0});
  harness::run_report const r = harness::replay(w, std::vector<std::uint32_t>{}, {.trace = true});
  ASSERT_TRUE(r.violation);
  std::vector<timeline_section> const sections{
      {"FAIL <seed> & co", r.violation->message, &*r.trace, r.violation->items}};
  std::string const html = timeline_html(sections);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_EQ(count(html, "<svg "), 1U);
  EXPECT_EQ(count(html, "<script"), 0U) << "no script";
  EXPECT_EQ(count(html, "http://") + count(html, "https://"), 1U) << "only the SVG namespace";
  EXPECT_NE(html.find("<h2>FAIL &lt;seed&gt; &amp; co</h2>"), std::string::npos);
  for (const char* task : {">p0</text>", ">c0</text>", ">c1</text>", ">j0</text>"})
    EXPECT_EQ(count(html, task), 1U) << task;
  EXPECT_GT(count(html, "stroke=\"#d00\""), 0U) << "the marked steps are outlined";
  EXPECT_EQ(count(html, "fill=\"#e15759\""), 1U) << "one crash cell";
  EXPECT_NE(html.find("j0 still waiting (unfinished=3) when the run ended"), std::string::npos)
      << "the hung join is drawn to the end";
  EXPECT_EQ(count(html, "<polyline class=\"item-path\""), 1U)
      << "the one item c0 took and never acknowledged is traced from its put to the crash";
  EXPECT_GE(count(html, "<g class=\"mark marked\""), 3U) << "its put, get and crash";
  EXPECT_EQ(timeline_html(sections), html) << "deterministic";
}

TEST(Timeline, NoItemPathWhenEveryTakenItemIsAcknowledged) {
  harness::workload w;  // the finally policy acknowledges even the item it crashed on
  w.pinned.push_back({harness::fault_kind::crash, "c0", harness::fault_point::mid_item, -1, 0});
  harness::run_report const r = harness::replay(w, std::vector<std::uint32_t>{}, {.trace = true});
  ASSERT_FALSE(r.violation);
  std::vector<timeline_section> const sections{{"PASS", "", &*r.trace}};
  std::string const html = timeline_html(sections);
  EXPECT_EQ(count(html, "fill=\"#e15759\""), 1U) << "the crash is drawn";
  EXPECT_EQ(count(html, "class=\"item-path\""), 0U);
}

TEST(Timeline, AFailureSectionReadsTheFailureValue) {
  harness::workload w;
  w.policy = harness::ack_policy::on_success;
  w.pinned.push_back({harness::fault_kind::crash, "c0", harness::fault_point::mid_item, -1, 0});
  harness::run_report const r = harness::replay(w, std::vector<std::uint32_t>{});
  ASSERT_TRUE(r.violation);
  harness::failure const f = harness::make_failure(w, r.decisions, r.violation->signature());
  timeline_section const s = failure_section("FAIL x", f);
  EXPECT_EQ(s.title, "FAIL x: " + f.violation()->signature());
  EXPECT_EQ(s.subtitle, f.violation()->message);
  EXPECT_EQ(s.trace, &*f.report.trace);
  EXPECT_EQ(s.unacknowledged, f.unacknowledged);
  std::string const html = timeline_html(std::vector<timeline_section>{s});
  ASSERT_EQ(f.unacknowledged.size(), 1U);
  EXPECT_EQ(count(html, "<polyline class=\"item-path\""), 1U);
  EXPECT_NE(html.find("<title>" + harness::to_string(f.unacknowledged.front()) + "</title>"),
            std::string::npos);
}

TEST(Timeline, EmptyPageSaysSo) {
  EXPECT_NE(timeline_html({}).find("No trace to show"), std::string::npos);
}

}  // namespace
}  // namespace chaosq::scenarios

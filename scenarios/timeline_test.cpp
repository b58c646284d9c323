#include "chaosq/scenarios/timeline.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include <gtest/gtest.h>

#include "chaosq/harness/engine.hpp"

namespace chaosq::scenarios {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The page's charts: [0] every step, [1] (when there is one) only the steps that matter.
std::vector<std::string> charts(const std::string& html) {
  std::vector<std::string> out;
  for (auto at = html.find("<svg class=\"timeline"); at != std::string::npos;
       at = html.find("<svg class=\"timeline", at + 1))
    out.push_back(html.substr(at, html.find("</svg>", at) - at));
  return out;
}

// Each run of text after `marker` up to the next `end`; with `after_tag`, the run starts where
// the tag holding `marker` closes. (Read without <regex>: with -O1, g++ 12 reports
// -Wmaybe-uninitialized inside <regex>.)
std::vector<std::string> values(const std::string& text, const std::string& marker,
                                const std::string& end, bool after_tag = false) {
  std::vector<std::string> out;
  for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    auto from = at + marker.size();
    if (after_tag) from = text.find('>', from) + 1;
    out.push_back(text.substr(from, text.find(end, from) - from));
  }
  return out;
}

// The first colour (`#rrggbb`) given to one of `attributes` in `markup`.
std::string first_colour(const std::string& markup,
                         std::initializer_list<std::string> attributes = {"stroke", "fill"}) {
  std::string colour;
  std::size_t first = std::string::npos;
  for (const std::string& name : attributes) {
    std::string const attribute = name + "=\"#";
    auto const at = markup.find(attribute);
    if (at < first) {
      first = at;
      colour = markup.substr(at + attribute.size() - 1, 7);
    }
  }
  return colour;
}

// The markup of the cell of `task` at `step`.
std::string cell_of(const std::string& chart, const std::string& task, std::uint64_t step) {
  auto const attributes =
      chart.find("data-task=\"" + task + "\" data-step=\"" + std::to_string(step) + "\"");
  if (attributes == std::string::npos) return {};
  auto const at = chart.rfind("<g ", attributes);
  return chart.substr(at, chart.find("</g>\n", at) - at);
}

int attribute(const std::string& markup, const std::string& name) {
  auto const found = values(markup, " " + name + "=\"", "\"");
  return found.empty() ? -1 : std::stoi(found.front());
}

harness::trace_event event(std::uint64_t step, std::string task, std::string operation,
                           std::int64_t item, std::string outcome, bool marked = false) {
  return {step, std::move(task), std::move(operation), item, std::move(outcome), "", marked};
}

// The seed incident in small: p0 puts two items at once, c0 takes i1 and crashes holding it,
// c1 handles i0 and idles in get, j0's join waits forever; cancel and shutdown for their glyphs.
harness::trace incident() {
  harness::trace t;
  t.events = {event(1, "s0", "process", -1, "ok"),
              event(2, "j0", "join", -1, "waiting (unfinished=2)", true),
              event(3, "c1", "get", 0, "ok"),
              event(4, "c0", "get", 1, "ok", true),
              event(4, "c0", "crash", 1, "struck", true),
              event(5, "c1", "process", 0, "done"),
              event(5, "c1", "ack", 0, "ok"),
              event(6, "c2", "cancel", -1, "requested"),
              event(7, "engine", "shutdown", -1, "ok"),
              event(8, "c1", "get", -1, "waiting")};
  t.events.insert(t.events.begin(),
                  {event(0, "p0", "put", 0, "ok"), event(0, "p0", "put", 1, "ok", true)});
  return t;
}

harness::item_account leaked_i1() { return {1, "p0", 0, "c0", 4, "crash at mid-item", 4}; }

timeline_section incident_section(const harness::trace& t) {
  return {"chaosq replay cq1-AAABFAAEAQEAAQABAAAIoI0GAAAXAAAAAAAAAAAAAAAc-c4984104",
          "join-hang/held-by-crashed",
          "Join pending forever; a consumer crashed holding an item it never acknowledged.",
          "j0's join can never return.",
          &t,
          {leaked_i1()}};
}

TEST(Timeline, ASelfContainedPageHeadedByTheCommandAndTheVerdict) {
  harness::trace const t = incident();
  std::string const html = timeline_html(std::vector{incident_section(t)});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_EQ(count(html, "<script"), 0U) << "no script";
  EXPECT_EQ(count(html, "http://") + count(html, "https://") + count(html, "url(http"), 0U)
      << "nothing fetched";
  EXPECT_NE(html.find("<title>join-hang/held-by-crashed — chaosq replay cq1-AAABFAAEAQEA…c4984104"
                      "</title>"),
            std::string::npos);
  EXPECT_NE(html.find("<h1><span class=\"subject\">chaosq replay cq1-AAABFAAEAQEA…c4984104</span> "
                      "<span class=\"verdict\">join-hang/held-by-crashed</span><span "
                      "class=\"why\">Join pending forever; a consumer crashed holding an item it "
                      "never acknowledged.</span></h1>"),
            std::string::npos);
  EXPECT_NE(html.find("<code>" + incident_section(t).subject + "</code>"), std::string::npos)
      << "the whole command under its shortened heading";
  EXPECT_LT(html.find("<h1>"), html.find("class=\"legend\"")) << "the heading comes first";
  EXPECT_EQ(timeline_html(std::vector{incident_section(t)}), html) << "deterministic";
}

TEST(Timeline, OnlyTokensAreCutInTheHeading) {
  harness::trace const t = incident();
  timeline_section s = incident_section(t);
  s.subject = "FAIL shutdown-immediate-crashed-holder";
  std::string const html = timeline_html(std::vector{s});
  EXPECT_NE(html.find("<span class=\"subject\">FAIL shutdown-immediate-crashed-holder</span>"),
            std::string::npos);
  EXPECT_EQ(count(html, "<p class=\"command\">"), 0U) << "nothing cut, nothing to show whole";
}

TEST(Timeline, LanesAreProducersConsumersJoinersSupervisorsThenTheRest) {
  harness::trace t;
  for (const char* task : {"s0", "j0", "c0.1", "c10", "c2", "engine", "c0", "p1", "p0"})
    t.events.push_back(event(t.events.size(), task, "process", -1, "ok"));
  auto const full = charts(timeline_html(std::vector<timeline_section>{{"x", "v", "", "", &t}}));
  ASSERT_EQ(full.size(), 1U) << "nothing marked: nothing to collapse";
  EXPECT_EQ(
      values(full[0], "class=\"lane\"", "</text>", true),
      (std::vector<std::string>{"p0", "p1", "c0", "c0.1", "c2", "c10", "j0", "s0", "engine"}));
}

TEST(Timeline, TheLeakedItemsPathRunsFromItsPutToTheCrashThatStrandedIt) {
  harness::trace const t = incident();
  auto const svg = charts(timeline_html(std::vector{incident_section(t)}));
  ASSERT_EQ(svg.size(), 2U);
  for (const std::string& chart : svg) {
    ASSERT_EQ(count(chart, "<g class=\"leak\" data-item=\"1\">"), 1U);
    std::string const path = chart.substr(chart.find("<g class=\"leak\""));
    EXPECT_EQ(count(path, "</g>"), 1U) << "drawn last, above everything";
    // It starts in p0's put cell, which shows the leaked item although p0 put i0 there first.
    std::string const put = cell_of(chart, "p0", 0);
    EXPECT_NE(put.find(">i1</text>"), std::string::npos) << put;
    std::string const start = path.substr(path.find("class=\"item-start\""));
    int const x = attribute(put, "x");
    int const y = attribute(put, "y");
    EXPECT_GE(attribute(start, "cx"), x);
    EXPECT_LE(attribute(start, "cx"), x + attribute(put, "width"));
    EXPECT_GE(attribute(start, "cy"), y);
    EXPECT_LE(attribute(start, "cy"), y + attribute(put, "height"));
    // It ends in a ring around the crash glyph of c0's cell, which still shows the get of i1.
    std::string const crash = cell_of(chart, "c0", 4);
    EXPECT_NE(crash.find(">i1</text>"), std::string::npos) << crash;
    ASSERT_NE(crash.find("<g class=\"glyph crash\">"), std::string::npos) << crash;
    std::string const end = path.substr(path.find("class=\"item-end\""));
    EXPECT_NE(crash.find("M" + std::to_string(attribute(end, "cx") - 5) + " " +
                         std::to_string(attribute(end, "cy") - 5)),
              std::string::npos)
        << "the ring is centred on the crash glyph";
    EXPECT_EQ(values(path, "stroke-width=\"", "\"").front(), "7");
    EXPECT_NE(path.find(">i1 never acknowledged"), std::string::npos) << "said in words too";
    for (const std::string& width :
         values(chart.substr(0, chart.find("<g class=\"leak\"")), "stroke-width=\"", "\""))
      EXPECT_LE(std::stod(width) * 2, 7.0) << "every other stroke is at most half as wide";
  }
  EXPECT_NE(svg[0].find(">i1 never acknowledged: c0 ended by crash at mid-item</text>"),
            std::string::npos)
      << "with room for it, what ended its holder";
  std::string const html = timeline_html(std::vector{incident_section(t)});
  EXPECT_EQ(count(html, "#cc0077"),
            count(html, "class=\"item-path\"") + count(html, "class=\"item-start\"") +
                count(html, "class=\"item-end\"") + count(html, "class=\"item-label\"") + 1)
      << "its colour is used by nothing else (but its legend)";
}

TEST(Timeline, EachFaultHasItsOwnGlyphAndColourAndMattersHasAnother) {
  harness::trace const t = incident();
  std::string const chart = charts(timeline_html(std::vector{incident_section(t)}))[0];
  std::set<std::string> colours;
  for (const char* kind : {"crash", "cancel", "shutdown"}) {
    auto const at = chart.find("<g class=\"glyph " + std::string(kind) + "\">");
    ASSERT_NE(at, std::string::npos) << kind;
    EXPECT_EQ(count(chart, "<g class=\"glyph " + std::string(kind) + "\">"), 1U) << kind;
    std::string const glyph = chart.substr(at, chart.find("</g>", at) - at);
    colours.insert(first_colour(glyph));
  }
  std::string const marked = cell_of(chart, "j0", 2);
  ASSERT_NE(marked.find("class=\"step op-join marked\""), std::string::npos);
  std::string const matters = first_colour(marked, {"stroke"});
  colours.insert(matters);
  colours.insert("#cc0077");
  EXPECT_EQ(colours.size(), 5U) << "crash, cancel, shutdown, matters and the leak differ";
  for (const std::string& colour : colours) {
    if (colour == matters || colour == "#cc0077") continue;
    EXPECT_EQ(count(chart, "=\"" + colour + "\""), 1U) << colour << " is one glyph's alone";
  }
  EXPECT_EQ(count(chart, "stroke=\"" + matters + "\""), count(chart, " marked\""))
      << "the outline of a step that matters, and nothing else";
}

TEST(Timeline, AHangingJoinIsNotAnIdleGetter) {
  harness::trace const t = incident();
  std::string const chart = charts(timeline_html(std::vector{incident_section(t)}))[0];
  ASSERT_EQ(count(chart, "<g class=\"hang\">"), 1U);
  ASSERT_EQ(count(chart, "<g class=\"wait\">"), 1U);
  std::string const hang = chart.substr(chart.find("<g class=\"hang\">"));
  EXPECT_NE(hang.find(">j0: join waiting since step 2 — hangs</text>"), std::string::npos);
  EXPECT_NE(hang.find("fill=\"url(#hatch-0-full)\""), std::string::npos) << "hatched";
  auto const at = chart.find("<g class=\"wait\">");
  std::string const wait = chart.substr(at, chart.find("</g>", at) - at);
  EXPECT_NE(wait.find("<title>c1 waiting in get since step 8 when the run ended: idle</title>"),
            std::string::npos);
  EXPECT_EQ(wait.find("url(#"), std::string::npos);
}

TEST(Timeline, HoveringAStepShowsItsTraceLines) {
  harness::trace const t = incident();
  std::string const chart = charts(timeline_html(std::vector{incident_section(t)}))[0];
  std::string const cell = cell_of(chart, "c1", 5);
  EXPECT_NE(cell.find("<title>" + harness::line_of(t.events[7]) + "\n" +
                      harness::line_of(t.events[8]) + "</title>"),
            std::string::npos)
      << cell;
  EXPECT_EQ(count(chart, "<g class=\"step "), 9U) << "a cell per task and step";
}

TEST(Timeline, UnmarkedStepsCollapse) {
  harness::trace const t = incident();
  std::string const html = timeline_html(std::vector{incident_section(t)});
  auto const svg = charts(html);
  ASSERT_EQ(svg.size(), 2U);
  EXPECT_NE(html.find("<input type=\"checkbox\" class=\"collapse\" id=\"collapse-0\"><label "
                      "for=\"collapse-0\">Show only the steps that matter (hides 6 of 9)</label>"),
            std::string::npos)
      << "a short run starts expanded";
  EXPECT_EQ(svg[0].rfind("<svg class=\"timeline full\"", 0), 0U);
  EXPECT_EQ(svg[1].rfind("<svg class=\"timeline collapsed\"", 0), 0U);
  EXPECT_EQ(count(svg[0], "<g class=\"gap\">"), 0U);
  // Kept: 0 (the put), 2 (the join), 4 (the get and the crash). Hidden: 1, 3 and 5-8.
  EXPECT_EQ(values(svg[1], "class=\"step-number\"", "</text>", true),
            (std::vector<std::string>{"0", "2", "4"}));
  EXPECT_EQ(values(svg[1], "<g class=\"gap\"><title>", "</title>"),
            (std::vector<std::string>{"step 1 hidden: nothing there matters for the verdict",
                                      "step 3 hidden: nothing there matters for the verdict",
                                      "steps 5–8 hidden: nothing there matters for the verdict"}));
  EXPECT_EQ(count(svg[1], "<g class=\"step "), 3U);
  EXPECT_EQ(count(svg[1], " marked\""), count(svg[0], " marked\"")) << "every marked step kept";
  EXPECT_EQ(count(svg[1], "<g class=\"hang\">"), 1U);

  harness::trace long_run = t;
  for (std::uint64_t step = 9; step < 300; ++step)
    long_run.events.push_back(event(step, "c1", "process", -1, "ok"));
  EXPECT_NE(
      timeline_html(std::vector{incident_section(long_run)}).find("id=\"collapse-0\" checked>"),
      std::string::npos)
      << "a run too long to label starts collapsed";
}

TEST(Timeline, ACappedTraceDrawsTheStepsItLeftOutAsOneColumnAndSaysWhy) {
  // The incident, then a consumer busy for 100000 steps: a recorder of 30 events keeps the
  // incident and the last events, the steps between them one column in both charts.
  harness::trace_recorder r(30);
  for (harness::trace_event& e : incident().events) r.push(std::move(e));
  for (std::uint64_t step = 9; step < 100'009; ++step)
    r.push(event(step, "c1", "process", -1, "ok"));
  r.push(event(100'009, "c1", "get", -1, "waiting"));
  harness::trace const t = r.take();
  ASSERT_EQ(t.events.size(), 30U);
  ASSERT_GT(t.omitted, 0U);
  std::string const html = timeline_html(std::vector{incident_section(t)});
  EXPECT_NE(html.find("<p class=\"detail\">" +
                      std::string(1, static_cast<char>(std::toupper(t.omission().front()))) +
                      t.omission().substr(1) + ".</p>"),
            std::string::npos)
      << "the page says what the trace left out";
  auto const svg = charts(html);
  ASSERT_EQ(svg.size(), 2U);
  std::string const left_out = "steps " + std::to_string(t.events[t.gap - 1].step + 1) + "–" +
                               std::to_string(t.events[t.gap].step - 1) +
                               " left out of the trace: " + t.omission();
  for (const std::string& chart : svg) {
    auto const gaps = values(chart, "<g class=\"gap\"><title>", "</title>");
    EXPECT_EQ(std::count(gaps.begin(), gaps.end(), left_out), 1) << chart.substr(0, 200);
    EXPECT_LT(count(chart, "<g class=\"step "), 40U) << "no cell for a step left out";
  }
  EXPECT_LT(html.size(), 200'000U) << "the steps left out draw no column each";
}

TEST(Timeline, EveryTextIsEscaped) {
  harness::trace t;
  t.events = {event(1, "x<&>", "put\"", 3, "ok <fine>", true)};
  std::vector<timeline_section> const sections{
      {"FAIL <seed> & co", "a<b", "it's \"so\"", "1 < 2", &t}};
  std::string const html = timeline_html(sections);
  EXPECT_NE(html.find("<span class=\"subject\">FAIL &lt;seed&gt; &amp; co</span>"),
            std::string::npos);
  EXPECT_NE(html.find(">x&lt;&amp;&gt;</text>"), std::string::npos);
  EXPECT_NE(html.find("data-task=\"x&lt;&amp;&gt;\""), std::string::npos);
  EXPECT_NE(html.find("ok &lt;fine&gt;"), std::string::npos);
  for (const char* raw : {"<seed>", "x<&>", "<fine>", "\"so\"", "1 < 2", "a<b"})
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
}

TEST(Timeline, NoItemPathWhenEveryTakenItemIsAcknowledged) {
  harness::workload w;  // the finally policy acknowledges even the item it crashed on
  w.pinned.push_back({harness::fault_kind::crash, "c0", harness::fault_point::mid_item, -1, 0});
  harness::run_report const r = harness::replay(w, std::vector<std::uint32_t>{}, {.trace = true});
  ASSERT_FALSE(r.violation);
  std::string const html = timeline_html(std::vector{run_section("PASS", r, "it passed")});
  EXPECT_NE(html.find("<span class=\"verdict\">no violation</span><span class=\"why\">it "
                      "passed</span>"),
            std::string::npos);
  auto const svg = charts(html);
  ASSERT_EQ(svg.size(), 1U);
  EXPECT_EQ(count(svg[0], "<g class=\"glyph crash\">"), 1U) << "the crash is drawn";
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
  EXPECT_EQ(s.subject, "FAIL x");
  EXPECT_EQ(s.verdict, f.violation()->signature());
  EXPECT_EQ(s.explanation,
            "Join pending forever; a consumer crashed holding an item it never "
            "acknowledged.");
  EXPECT_EQ(s.detail, f.violation()->message);
  EXPECT_EQ(s.trace, &*f.report.trace);
  EXPECT_EQ(s.unacknowledged, f.unacknowledged);
  std::string const html = timeline_html(std::vector<timeline_section>{s});
  ASSERT_EQ(f.unacknowledged.size(), 1U);
  EXPECT_EQ(count(html, "<polyline class=\"item-path\""), 2U) << "in both charts";
  EXPECT_NE(html.find("<title>" + harness::to_string(f.unacknowledged.front()) + "</title>"),
            std::string::npos);
}

TEST(Timeline, EmptyPageSaysSo) {
  EXPECT_NE(timeline_html({}).find("No trace to show"), std::string::npos);
}

}  // namespace
}  // namespace chaosq::scenarios

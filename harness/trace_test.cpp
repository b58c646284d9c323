#include "chaosq/harness/trace.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace chaosq::harness {
namespace {

trace_event event(std::uint64_t step, std::string task, std::string operation, std::int64_t item,
                  std::string outcome = "ok") {
  return {step, std::move(task), std::move(operation), item, std::move(outcome), {}, false};
}

// The table without its header line.
std::string body(const trace& t) {
  std::string text = t.to_text();
  return text.substr(text.find('\n') + 1);
}

TEST(trace_text, a_task_doing_the_same_thing_to_successive_items_is_one_line_with_a_count) {
  trace t;
  for (std::int64_t i = 0; i < 20; ++i) t.events.push_back(event(1, "p0", "put", i));
  EXPECT_EQ(body(t), "     1  p0      put                 i0..i19 ok (20)\n");
}

TEST(trace_text, a_spinning_task_is_one_line_with_its_count_and_steps) {
  trace t;
  for (std::uint64_t s = 6; s <= 40; ++s)
    t.events.push_back(event(s, "p0", "put_nowait", 1, "QueueFull"));
  EXPECT_EQ(body(t), "     6  p0      put_nowait          i1     QueueFull (35, steps 6..40)\n");
}

TEST(trace_text, two_like_events_are_shown_in_full) {
  trace t;
  t.events = {event(1, "p0", "put", 0), event(1, "p0", "put", 1)};
  EXPECT_EQ(body(t),
            "     1  p0      put                 i0     ok\n"
            "     1  p0      put                 i1     ok\n");
}

TEST(trace_text, a_marked_event_is_never_hidden_in_a_run_of_unmarked_ones) {
  trace t;
  for (std::int64_t i = 0; i < 5; ++i) t.events.push_back(event(1, "p0", "put", i));
  t.mark({1}, {2});
  EXPECT_EQ(body(t),
            "     1  p0      put                 i0     ok\n"
            "     1  p0      put                 i1     ok\n"
            ">    1  p0      put                 i2     ok\n"
            "     1  p0      put                 i3     ok\n"
            "     1  p0      put                 i4     ok\n");
}

TEST(trace_text, runs_break_where_the_item_does_not_advance_by_one) {
  trace t;
  for (std::int64_t i : {0, 1, 2, 4, 5, 6}) t.events.push_back(event(1, "p0", "put", i));
  EXPECT_EQ(body(t),
            "     1  p0      put                 i0..i2 ok (3)\n"
            "     1  p0      put                 i4..i6 ok (3)\n");
}

TEST(trace_text, a_repeating_cycle_is_shown_once_with_a_count) {
  trace t;
  for (std::uint64_t s = 1; s <= 8; s += 2) {
    t.events.push_back(event(s, "c0", "get_nowait", -1, "QueueEmpty"));
    t.events.push_back(event(s + 1, "p0", "put_nowait", 3, "QueueFull"));
  }
  t.events.push_back(event(9, "j0", "join", -1, "waiting"));
  EXPECT_EQ(body(t),
            "     1  c0      get_nowait          -      QueueEmpty\n"
            "     2  p0      put_nowait          i3     QueueFull\n"
            "        ... the 2 lines above repeat 3 more times, through step 8\n"
            "     9  j0      join                -      waiting\n");
}

TEST(trace_text, consumers_taking_the_next_items_in_turn_are_a_cycle_on_the_next_items) {
  trace t;
  for (std::int64_t round = 0; round < 3; ++round) {
    for (std::int64_t c = 0; c < 2; ++c) {
      auto const step = static_cast<std::uint64_t>(10 + 2 * round + c);
      std::string const task = "c" + std::to_string(c);
      t.events.push_back(event(step, task, "ack", 2 * round + c));
      t.events.push_back(event(step, task, "get", 2 * round + c + 2));
    }
  }
  EXPECT_EQ(body(t),
            "    10  c0      ack                 i0     ok\n"
            "    10  c0      get                 i2     ok\n"
            "    11  c1      ack                 i1     ok\n"
            "    11  c1      get                 i3     ok\n"
            "        ... the 4 lines above repeat 2 more times with the next items, through "
            "step 15\n");
}

TEST(trace_text, a_block_seen_twice_is_not_a_cycle) {
  trace t;
  for (std::uint64_t s = 1; s <= 4; ++s)
    t.events.push_back(event(s, s % 2 ? "c0" : "p0", "get", -1, "waiting"));
  EXPECT_EQ(body(t).size(),
            4 * std::string("     1  c0      get                 -      waiting\n").size());
}

TEST(trace_text, the_json_keeps_every_event) {
  trace t;
  for (std::int64_t i = 0; i < 20; ++i) t.events.push_back(event(1, "p0", "put", i));
  std::string const json = t.to_json();
  std::size_t count = 0;
  for (std::size_t at = json.find("\"step\""); at != std::string::npos;
       at = json.find("\"step\"", at + 1))
    ++count;
  EXPECT_EQ(count, 20u);
}

TEST(trace_text, a_line_of_one_event_keeps_a_space_after_a_wide_item) {
  EXPECT_EQ(line_of(event(3, "c0", "get", 1234567)),
            "   3  c0      get                 i1234567 ok");
}

// ---- a capped trace: the first and the last events, and a line for those left out ----

/// A recorder of `limit` events fed `n` events, one a step from step 1, by p0 then c0 in turn.
trace recorded(std::size_t limit, std::uint64_t n) {
  trace_recorder r(limit);
  for (std::uint64_t s = 1; s <= n; ++s)
    r.push(event(s, s % 2 != 0 ? "p0" : "c0", "get", static_cast<std::int64_t>(s)));
  return r.take();
}

TEST(trace_cap, a_trace_within_its_limit_is_complete) {
  trace const t = recorded(6, 6);
  ASSERT_EQ(t.events.size(), 6U);
  EXPECT_EQ(t.omitted, 0U);
  EXPECT_EQ(t.omission(), "");
  for (std::uint64_t s = 1; s <= 6; ++s) EXPECT_EQ(t.events[s - 1].step, s);
}

TEST(trace_cap, past_its_limit_it_keeps_the_first_half_and_the_last_half) {
  trace const t = recorded(6, 20);
  std::vector<std::uint64_t> steps;
  for (const trace_event& e : t.events) steps.push_back(e.step);
  EXPECT_EQ(steps, (std::vector<std::uint64_t>{1, 2, 3, 18, 19, 20}));
  EXPECT_EQ(t.omitted, 14U);
  EXPECT_EQ(t.gap, 3U);
  EXPECT_EQ(t.first_omitted_step, 4U);
  EXPECT_EQ(t.last_omitted_step, 17U);
  EXPECT_EQ(t.omission(),
            "14 events of steps 4..17 left out: a trace keeps at most 6 events, the first 3 and "
            "the last 3");
}

TEST(trace_cap, an_odd_limit_keeps_the_extra_event_at_the_end) {
  trace const t = recorded(5, 1000);
  ASSERT_EQ(t.events.size(), 5U);
  EXPECT_EQ(t.gap, 2U);
  EXPECT_EQ(t.events[1].step, 2U);
  EXPECT_EQ(t.events[2].step, 998U);
  EXPECT_EQ(t.events[4].step, 1000U);
  EXPECT_EQ(t.omitted, 995U);
}

TEST(trace_cap, the_table_says_once_what_was_left_out_and_folds_nothing_across_the_gap) {
  // Like events on both sides of the gap would fold into one line if the gap were ignored.
  trace_recorder r(8);
  for (std::uint64_t s = 1; s <= 100; ++s) r.push(event(s, "p0", "put_nowait", 1, "QueueFull"));
  trace t = r.take();
  t.mark({100});
  EXPECT_EQ(body(t),
            "     1  p0      put_nowait          i1     QueueFull (4, steps 1..4)\n"
            "        ... 92 events of steps 5..96 left out: a trace keeps at most 8 events, the "
            "first 4 and the last 4\n"
            "    97  p0      put_nowait          i1     QueueFull (3, steps 97..99)\n"
            ">  100  p0      put_nowait          i1     QueueFull\n");
}

TEST(trace_cap, a_recorder_starts_empty_again_after_take) {
  trace_recorder r(4);
  for (std::uint64_t s = 1; s <= 10; ++s) r.push(event(s, "p0", "put", 0));
  EXPECT_EQ(r.take().omitted, 6U);
  r.push(event(1, "c0", "get", 0));
  trace const again = r.take();
  EXPECT_EQ(again.events.size(), 1U);
  EXPECT_EQ(again.omitted, 0U);
}

}  // namespace
}  // namespace chaosq::harness

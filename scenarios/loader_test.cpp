#include "chaosq/scenarios/loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <type_traits>
#include <utility>

#include <gtest/gtest.h>

#include "chaosq/harness/registry.hpp"
#include "chaosq/harness/work_queue.hpp"
#include "chaosq/harness/workload.hpp"
#include "chaosq/harness/workload_fields.hpp"
#include "chaosq/scenarios/schema.hpp"
#include "chaosq/scenarios/writer.hpp"

namespace chaosq::scenarios {
namespace {

/// The smallest valid scenario; tests add lines to it.
constexpr const char* minimal = "version: 1\nname: t\nexpect: {verdict: none}\n";

std::vector<load_error> errors_of(std::string_view text, const load_options& options = {}) {
  load_result r = parse_scenario(text, "t.yaml", options);
  if (auto* e = std::get_if<std::vector<load_error>>(&r)) return *e;
  ADD_FAILURE() << "loaded, but errors were expected:\n" << text;
  return {};
}

/// The only error's full text.
std::string error_of(std::string_view text) {
  std::vector<load_error> e = errors_of(text);
  if (e.size() != 1) {
    std::string all;
    for (const auto& x : e) all += x.to_string() + "\n";
    ADD_FAILURE() << "expected one error, got " << e.size() << ":\n" << all;
    return e.empty() ? "" : e.front().to_string();
  }
  return e.front().to_string();
}

scenario loaded(std::string_view text) {
  load_result r = parse_scenario(text, "t.yaml");
  if (auto* e = std::get_if<std::vector<load_error>>(&r)) {
    std::string all;
    for (const auto& x : *e) all += x.to_string() + "\n";
    ADD_FAILURE() << all;
    return {};
  }
  return std::get<scenario>(r);
}

std::string with(std::string_view extra) { return std::string(minimal) + std::string(extra); }

TEST(Loader, MinimalScenarioTakesTheDocumentedDefaults) {
  scenario const s = loaded(minimal);
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.work, harness::workload{});
  EXPECT_EQ(s.explore, exploration{});
  EXPECT_FALSE(s.decisions);
  EXPECT_FALSE(s.expect.verdict);
  EXPECT_FALSE(s.expect.join);
}

TEST(Loader, ReadsEveryKey) {
  scenario const s = loaded(R"(version: 1
name: all.keys_1
description: |
  two
  lines
queue: {kind: priority, maxsize: 4}
producers: {count: 2, items: 5, put: nowait}
consumers: {count: 3, policy: on-success, work_steps: 2, restarts: 1}
joiners: {count: 2, when: at-start, timeout: 2500}
faults:
  budget: {crashes: 1, cancels: 2, shutdown: any, odds: 5}
  pinned:
    - {task: c1.1, point: before-ack, kind: cancel, item: 9, occurrence: 2}
    - {task: p1, point: in-put}
controls:
  - {at_step: 7, action: cancel, task: s2}
  - {at_step: 9, action: shutdown-immediate}
step_budget: 5000
explore: {strategy: random, schedules: 42, seed: 18446744073709551615}
expect:
  join: hangs
  verdict: join-hang/held-by-crashed
  unacknowledged: [i3, 1]
  forbid: [over-ack, order/lifo]
)");
  EXPECT_EQ(s.name, "all.keys_1");
  EXPECT_EQ(s.description, "two\nlines\n");
  EXPECT_EQ(s.work.kind, queue::queue_kind::priority);
  EXPECT_EQ(s.work.maxsize, 4);
  EXPECT_EQ(s.work.producers, 2U);
  EXPECT_EQ(s.work.items, 5U);
  EXPECT_EQ(s.work.put, harness::put_mode::nowait);
  EXPECT_EQ(s.work.consumers, 3U);
  EXPECT_EQ(s.work.policy, harness::ack_policy::on_success);
  EXPECT_EQ(s.work.work_steps, 2U);
  EXPECT_EQ(s.work.restarts, 1U);
  EXPECT_EQ(s.work.joiners, 2U);
  EXPECT_EQ(s.work.join_when, harness::join_when::at_start);
  EXPECT_EQ(s.work.join_timeout_ms, 2500U);
  EXPECT_EQ(s.work.faults, (harness::fault_budget{1, 2, harness::shutdown_allowance::any, 5}));
  ASSERT_EQ(s.work.pinned.size(), 2U);
  EXPECT_EQ(s.work.pinned[0], (harness::pinned_fault{harness::fault_kind::cancel, "c1.1",
                                                     harness::fault_point::before_ack, 9, 2}));
  EXPECT_EQ(s.work.pinned[1], (harness::pinned_fault{harness::fault_kind::crash, "p1",
                                                     harness::fault_point::in_put, -1, 0}));
  ASSERT_EQ(s.work.controls.size(), 2U);
  EXPECT_EQ(s.work.controls[0], (harness::control_event{7, harness::control_action::cancel, "s2"}));
  EXPECT_EQ(s.work.controls[1],
            (harness::control_event{9, harness::control_action::shutdown_immediate, ""}));
  EXPECT_EQ(s.work.step_budget, 5000U);
  EXPECT_EQ(s.explore, (exploration{"random", 42, 18446744073709551615ULL}));
  EXPECT_EQ(s.explore.depth, 3U) << "the knobs default to harness::strategy_options'";
  EXPECT_EQ(s.expect.join, join_outcome::hangs);
  EXPECT_EQ(s.expect.verdict, (verdict_pattern{harness::oracle::join_hang,
                                               harness::verdict_kind::join_hang_held_by_crashed}));
  EXPECT_EQ(s.expect.unacknowledged, (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(s.expect.forbid, (std::vector<verdict_pattern>{
                                 {harness::oracle::over_ack, std::nullopt},
                                 {harness::oracle::order, harness::verdict_kind::order_lifo}}));
}

// A misspelled kind would match nothing: in `forbid` it could never fail, so it is an error.
TEST(Loader, UnknownVerdictKindIsAnErrorWithTheClosestKind) {
  EXPECT_EQ(
      error_of(
          "version: 1\nname: t\nexpect: {verdict: none, forbid: [join-hang/held-by-crashd]}\n"),
      "t.yaml:3:34: error: expect.forbid[0]: unknown kind 'held-by-crashd' of oracle 'join-hang' "
      "in 'join-hang/held-by-crashd'; its kinds: unconsumed, held-by-crashed, "
      "held-by-cancelled, never-acked, count-mismatch; did you mean "
      "'join-hang/held-by-crashed'?");
  EXPECT_EQ(error_of("version: 1\nname: t\nexpect: {verdict: join-hang/foo}\n"),
            "t.yaml:3:19: error: expect.verdict: unknown kind 'foo' of oracle 'join-hang' in "
            "'join-hang/foo'; its kinds: unconsumed, held-by-crashed, held-by-cancelled, "
            "never-acked, count-mismatch");
}

TEST(Loader, EveryWorkloadFieldIsAKeyWithTheFieldTablesLimits) {
  std::vector<key_info> const keys = schema();
  for (const harness::field_info& f : harness::workload_fields) {
    auto const k =
        std::find_if(keys.begin(), keys.end(), [&](const key_info& i) { return i.path == f.yaml; });
    ASSERT_NE(k, keys.end()) << f.flag << " has no key " << f.yaml;
    EXPECT_EQ(k->help, f.help) << f.yaml;
    harness::workload const defaults;
    harness::visit_field(defaults, f.id, [&](const auto& value) {
      using T = std::remove_cvref_t<decltype(value)>;
      if constexpr (harness::is_integer_field<T>) {
        EXPECT_EQ(k->type, "integer " + f.range()) << f.yaml;
        // The ends of the range load; one past either end is an error naming the range.
        // "faults.budget.odds" with value v as "faults: {budget: {odds: v}}".
        auto text = [&](std::uint64_t v) {
          std::string path(f.yaml);
          std::string yaml;
          std::size_t depth = 0;
          for (std::size_t dot; (dot = path.find('.')) != std::string::npos; ++depth) {
            yaml += path.substr(0, dot) + ": {";
            path.erase(0, dot + 1);
          }
          return with(yaml + path + ": " + std::to_string(v) + std::string(depth, '}') + "\n");
        };
        EXPECT_NE(error_of(text(f.hi + 1)).find("expected an integer " + f.range()),
                  std::string::npos);
        if (f.lo > 0) {
          EXPECT_NE(error_of(text(f.lo - 1)).find("expected an integer " + f.range()),
                    std::string::npos);
        }
        scenario const low = loaded(text(f.lo));
        harness::visit_field(low.work, f.id, [&](const auto& got) {
          if constexpr (harness::is_integer_field<std::remove_cvref_t<decltype(got)>>) {
            EXPECT_TRUE(std::cmp_equal(got, f.lo)) << f.yaml;
          }
        });
      }
    });
  }
}

TEST(Loader, PinnedDecisions) {
  scenario const s = loaded(with("decisions: [0, 3, 4294967295]\n"));
  EXPECT_EQ(s.decisions, (std::vector<std::uint32_t>{0, 3, 4294967295U}));
  EXPECT_EQ(loaded(with("decisions: []\n")).decisions, std::vector<std::uint32_t>{});
}

// ---- unknown keys and "did you mean" ----

TEST(Loader, UnknownKeySuggestsTheClosestKeyOfItsSection) {
  EXPECT_EQ(error_of(with("queue:\n  kind: fifo\n  maxsise: 3\n")),
            "t.yaml:6:3: error: queue.maxsise: unknown key 'maxsise' in 'queue'; did you mean "
            "'maxsize'? (keys here: kind, maxsize, impl)");
  EXPECT_EQ(error_of(with("consumers: {work-steps: 2}\n")),
            "t.yaml:4:13: error: consumers.work-steps: unknown key 'work-steps' in 'consumers'; "
            "did you mean 'work_steps'? (keys here: count, policy, behaviour, work_steps, "
            "restarts)");
  std::vector<load_error> const e = errors_of("version: 1\nnmae: t\nexpect: {verdict: none}\n");
  ASSERT_EQ(e.size(), 2U);
  EXPECT_EQ(e[0].to_string(),
            "t.yaml:2:1: error: nmae: unknown key 'nmae' at the top level; did you mean 'name'? "
            "(keys here: version, name, description, mode, python, queue, producers, consumers, "
            "joiners, faults, controls, step_budget, explore, expect, decisions)");
  EXPECT_EQ(e[1].to_string(),
            "t.yaml:1:1: error: missing required key 'name' (name (letters, digits, '-', '_', "
            "'.'): what the scenario is called in reports (JUnit test case, SUMMARY line))");
}

TEST(Loader, UnknownKeyThatBelongsElsewhereSaysWhere) {
  EXPECT_EQ(error_of(with("producers: {maxsize: 2}\n")),
            "t.yaml:4:13: error: producers.maxsize: unknown key 'maxsize' in 'producers'; "
            "'maxsize' belongs in 'queue' (keys here: count, items, put)");
  EXPECT_EQ(error_of(with("schedules: 5\n")),
            "t.yaml:4:1: error: schedules: unknown key 'schedules' at the top level; "
            "'schedules' belongs in 'explore' (keys here: version, name, description, mode, "
            "python, queue, producers, consumers, joiners, faults, controls, step_budget, "
            "explore, expect, decisions)");
}

TEST(Loader, UnknownKeyInAListElement) {
  EXPECT_EQ(error_of(with("faults:\n  pinned:\n    - {task: c0, point: mid-item, itme: 1}\n")),
            "t.yaml:6:35: error: faults.pinned[0].itme: unknown key 'itme' in "
            "'faults.pinned[0]'; did you mean 'item'? (keys here: task, point, kind, item, "
            "occurrence)");
}

TEST(Loader, MisspelledEnumValueSuggestsTheName) {
  EXPECT_EQ(error_of(with("consumers: {policy: on_success}\n")),
            "t.yaml:4:21: error: consumers.policy: expected finally | on-success | before-work | "
            "twice | never, got 'on_success'; did you mean 'on-success'?");
  EXPECT_EQ(error_of(with("queue: {kind: FIFO}\n")),
            "t.yaml:4:15: error: queue.kind: expected fifo | lifo | priority, got 'FIFO'; did "
            "you mean 'fifo'?");
  EXPECT_EQ(error_of(with("queue: {kind: stack}\n")),
            "t.yaml:4:15: error: queue.kind: expected fifo | lifo | priority, got 'stack'");
}

TEST(Loader, MisspelledOracleSuggestsTheOracle) {
  EXPECT_EQ(error_of("version: 1\nname: t\nexpect: {verdict: join-hangs/x}\n"),
            "t.yaml:3:19: error: expect.verdict: unknown oracle 'join-hangs' in "
            "'join-hangs/x'; oracles: join-early, join-hang, stranded, join-late, over-ack, "
            "work-unfinished, lost, duplicated, order, capacity, livelock, task-error; did you "
            "mean 'join-hang'?");
}

// ---- duplicate keys (yaml-cpp 0.7 keeps the first silently) ----

TEST(Loader, DuplicateKeysAreErrorsNamingBothPositions) {
  EXPECT_EQ(error_of(with("queue:\n  kind: fifo\n  kind: lifo\n")),
            "t.yaml:6:3: error: queue.kind: duplicate key 'kind' (first at line 5, column 3); "
            "each key may appear once in a map");
  EXPECT_EQ(error_of("version: 1\nname: a\nexpect: {verdict: none}\nname: b\n"),
            "t.yaml:4:1: error: name: duplicate key 'name' (first at line 2, column 1); each "
            "key may appear once in a map");
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: c0, point: mid-item, task: c1}]}\n")),
            "t.yaml:4:47: error: faults.pinned[0].task: duplicate key 'task' (first at line 4, "
            "column 20); each key may appear once in a map");
}

// ---- wrong types ----

TEST(Loader, WrongTypesSayWhatWasExpected) {
  EXPECT_EQ(error_of(with("producers: {count: \"3\"}\n")),
            "t.yaml:4:20: error: producers.count: expected an integer 0..1000, got the quoted "
            "string \"3\"; write numbers without quotes");
  EXPECT_EQ(error_of(with("producers: {count: [3]}\n")),
            "t.yaml:4:20: error: producers.count: expected an integer 0..1000, got a list");
  EXPECT_EQ(error_of(with("producers: {count: three}\n")),
            "t.yaml:4:20: error: producers.count: expected an integer 0..1000 (decimal digits), "
            "got 'three'");
  EXPECT_EQ(error_of(with("producers: {count: 1.5}\n")),
            "t.yaml:4:20: error: producers.count: expected an integer 0..1000 (decimal digits), "
            "got '1.5'");
  EXPECT_EQ(error_of(with("producers: {count: 0x10}\n")),
            "t.yaml:4:20: error: producers.count: expected an integer 0..1000 (decimal digits), "
            "got '0x10'");
  EXPECT_EQ(error_of(with("producers: 3\n")),
            "t.yaml:4:12: error: producers: expected a map of keys (count, items, put), got '3'");
  EXPECT_EQ(error_of(with("decisions: 3\n")),
            "t.yaml:4:12: error: decisions: expected a list of integers like [1, 2], got '3'");
  EXPECT_EQ(error_of(with("controls: {at_step: 1}\n")),
            "t.yaml:4:11: error: controls: expected a list of maps (each '- key: value'), got "
            "a map");
  EXPECT_EQ(error_of("version: 1\nname: [t]\nexpect: {verdict: none}\n"),
            "t.yaml:2:7: error: name: expected a name (letters, digits, '-', '_', '.'), got a "
            "list");
  EXPECT_EQ(error_of(with("queue: {kind: !!str fifo}\n")),
            "t.yaml:4:15: error: queue.kind: expected fifo | lifo | priority, got a value tagged "
            "tag:yaml.org,2002:str");
}

TEST(Loader, AnEmptyValueIsReportedAtItsKey) {
  EXPECT_EQ(error_of(with("queue:\n  kind:\n  maxsize: 1\n")),
            "t.yaml:5:3: error: queue.kind: expected fifo | lifo | priority, got nothing "
            "(null)");
  EXPECT_EQ(error_of(with("queue:\n")),
            "t.yaml:4:1: error: queue: expected a map of keys (kind, maxsize, impl), got nothing "
            "(null)");
}

TEST(Loader, NonScalarKeysAreErrors) {
  EXPECT_EQ(error_of(with("? [a, b]\n: 1\n")), "t.yaml:4:3: error: keys must be names, got a list");
}

// ---- out of range ----

TEST(Loader, OutOfRangeValuesNameTheRange) {
  EXPECT_EQ(error_of(with("producers: {items: -1}\n")),
            "t.yaml:4:20: error: producers.items: -1 is out of range: expected an integer "
            "0..1000000");
  EXPECT_EQ(error_of(with("consumers: {count: 1001}\n")),
            "t.yaml:4:20: error: consumers.count: 1001 is out of range: expected an integer "
            "0..1000");
  EXPECT_EQ(error_of(with("explore: {seed: 18446744073709551616}\n")),
            "t.yaml:4:17: error: explore.seed: 18446744073709551616 is out of range: expected an "
            "integer 0..18446744073709551615");
  EXPECT_EQ(error_of(with("faults: {budget: {odds: 1}}\n")),
            "t.yaml:4:25: error: faults.budget.odds: 1 is out of range: expected an integer "
            "2..1073741824");
  EXPECT_EQ(error_of(with("explore: {schedules: 0}\n")),
            "t.yaml:4:22: error: explore.schedules: 0 is out of range: expected an integer "
            "1..1000000000");
  EXPECT_EQ(error_of(with("explore: {strategy: pct, depth: 0}\n")),
            "t.yaml:4:33: error: explore.depth: 0 is out of range: expected an integer 1..20");
  EXPECT_EQ(error_of(with("explore: {strategy: dfs, preemptions: 51}\n")),
            "t.yaml:4:39: error: explore.preemptions: 51 is out of range: expected an integer "
            "0..50");
  EXPECT_EQ(error_of(with("explore: {max_faults: -1}\n")),
            "t.yaml:4:23: error: explore.max_faults: -1 is out of range: expected an integer "
            "0..4294967295");
  EXPECT_EQ(error_of(with("decisions: [1, 4294967296]\n")),
            "t.yaml:4:16: error: decisions[1]: 4294967296 is out of range: expected an integer "
            "0..4294967295");
  EXPECT_EQ(error_of(with("producers: {count: 007}\n")),
            "t.yaml:4:20: error: producers.count: expected an integer 0..1000 (decimal digits), "
            "got '007'");
}

TEST(Loader, CrashPointsRestrictDrawnCrashes) {
  scenario const s =
      loaded(with("faults: {budget: {crashes: 2, crash_points: [mid-item, in-get]}}\n"));
  EXPECT_EQ(s.work.faults.crash_points,
            (harness::point_set{harness::fault_point::mid_item, harness::fault_point::in_get}));
  EXPECT_EQ(loaded(minimal).work.faults.crash_points, harness::drawn_crash_points);
  // Written back only when restricted, and read back the same.
  std::string const yaml = to_yaml(s);
  EXPECT_NE(yaml.find("crash_points: [mid-item, in-get]"), std::string::npos) << yaml;
  EXPECT_EQ(loaded(yaml).work.faults.crash_points, s.work.faults.crash_points);
  // The default is written out too, like every key.
  EXPECT_NE(to_yaml(loaded(minimal))
                .find("crash_points: [after-get, mid-item, before-ack, after-ack, in-get, "
                      "before-put]"),
            std::string::npos);
}

TEST(Loader, CrashPointsMustBeDrawnPointsListedOnce) {
  EXPECT_EQ(error_of(with("faults: {budget: {crash_points: [in-join]}}\n")),
            "t.yaml:4:34: error: faults.budget.crash_points[0]: crashes are never drawn at "
            "in-join (only at after-get, mid-item, before-ack, after-ack, in-get, before-put)");
  EXPECT_EQ(error_of(with("faults: {budget: {crash_points: [mid-item, mid-item]}}\n")),
            "t.yaml:4:44: error: faults.budget.crash_points[1]: mid-item is listed twice");
  EXPECT_EQ(error_of(with("faults: {budget: {crash_points: []}}\n")),
            "t.yaml:4:33: error: faults.budget.crash_points: the list is empty: name at least "
            "one point (or leave the key out for all)");
  EXPECT_EQ(error_of(with("faults: {budget: {crash_points: [mid-itme]}}\n")),
            "t.yaml:4:34: error: faults.budget.crash_points[0]: expected after-get | mid-item | "
            "before-ack | after-ack | in-get | before-put | in-put | in-join, got 'mid-itme'; "
            "did you mean 'mid-item'?");
}

TEST(Loader, ProducersTimesItemsIsBounded) {
  EXPECT_EQ(error_of(with("producers: {count: 1000, items: 1001}\n")),
            "t.yaml:4:33: error: producers.items: producers.count x producers.items is 1001000; "
            "at most 1000000 items");
}

TEST(Loader, MalformedNames) {
  EXPECT_EQ(error_of("version: 1\nname: two words\nexpect: {verdict: none}\n"),
            "t.yaml:2:7: error: name: expected a name of 1 to 100 letters, digits, '-', '_' or "
            "'.', got 'two words'");
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: x0, point: mid-item}]}\n")),
            "t.yaml:4:26: error: faults.pinned[0].task: expected a task name (p<N>, c<N>, "
            "c<N>.<restart>, j<N>, s<N>), got 'x0'");
  EXPECT_EQ(error_of("version: 1\nname: t\nexpect: {verdict: join-hang/Held}\n"),
            "t.yaml:3:19: error: expect.verdict: unknown kind 'Held' of oracle 'join-hang' in "
            "'join-hang/Held'; its kinds: unconsumed, held-by-crashed, held-by-cancelled, "
            "never-acked, count-mismatch");
}

TEST(Loader, ItemIdsAcceptBothSpellings) {
  std::string const text = "version: 1\nname: t\nexpect:\n  verdict: join-hang\n";
  EXPECT_EQ(loaded(text + "  unacknowledged: [i2, 0]\n").expect.unacknowledged,
            (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(error_of(text + "  unacknowledged: [j3]\n"),
            "t.yaml:5:20: error: expect.unacknowledged[0]: expected an item id (3 or i3), got "
            "'j3'");
  EXPECT_EQ(error_of(text + "  unacknowledged: [1, i1]\n"),
            "t.yaml:5:23: error: expect.unacknowledged[1]: item i1 is listed twice");
}

// ---- required keys, versions ----

TEST(Loader, MissingRequiredKeys) {
  EXPECT_EQ(error_of("name: t\nexpect: {verdict: none}\n"),
            "t.yaml:1:1: error: missing required key 'version' (this chaosq reads version 1)");
  EXPECT_EQ(error_of("version: 1\nexpect: {verdict: none}\n"),
            "t.yaml:1:1: error: missing required key 'name' (name (letters, digits, '-', '_', "
            "'.'): what the scenario is called in reports (JUnit test case, SUMMARY line))");
  EXPECT_EQ(error_of("version: 1\nname: t\n"),
            "t.yaml:1:1: error: missing required key 'expect' (map: what must happen)");
  EXPECT_EQ(error_of("version: 1\nname: t\nexpect:\n  join: completes\n"),
            "t.yaml:4:3: error: expect: missing required key 'verdict' (none | ORACLE | "
            "ORACLE/KIND: none: no schedule shows a violation; otherwise some schedule shows "
            "this verdict (oracles: join-early, join-hang, stranded, join-late, over-ack, "
            "work-unfinished, lost, duplicated, order, capacity, livelock, task-error))");
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: c0}]}\n")),
            "t.yaml:4:19: error: faults.pinned[0]: missing required key 'point' (after-get | "
            "mid-item | before-ack | after-ack | in-get | before-put | in-put | in-join: the "
            "suspension point where it strikes)");
}

TEST(Loader, UnsupportedVersionStopsBeforeAnythingElse) {
  EXPECT_EQ(error_of("version: 2\nname: t\nqueue: {shape: round}\n"),
            "t.yaml:1:10: error: version: unsupported version 2: this chaosq reads version 1");
  EXPECT_EQ(error_of("version: \"1\"\nname: t\n"),
            "t.yaml:1:10: error: version: expected an integer 0..18446744073709551615, got the "
            "quoted string \"1\"; write numbers without quotes");
}

// ---- contradictions ----

TEST(Loader, DecisionsContradictExplore) {
  EXPECT_EQ(error_of(with("explore: {schedules: 10}\ndecisions: [1]\n")),
            "t.yaml:4:1: error: explore: 'explore' contradicts 'decisions' (line 5): pinned "
            "decisions replay exactly one run, nothing is explored; keep one of them");
}

TEST(Loader, PolicyContradictsBehaviour) {
  EXPECT_EQ(error_of(with("consumers:\n  policy: finally\n  behaviour: get-with-timeout\n")),
            "t.yaml:6:3: error: consumers.behaviour: 'behaviour' and 'policy' (line 5) both "
            "choose the consumers' code; keep one of them");
}

TEST(Loader, PinnedFaultsMustNameTasksThatExist) {
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: c2, point: mid-item}]}\n")),
            "t.yaml:4:26: error: faults.pinned[0].task: no task 'c2': this scenario's consumers "
            "are c0..c1");
  EXPECT_EQ(error_of(with("joiners: {count: 0}\nfaults: {pinned: [{task: j0, point: in-join}]}\n")),
            "t.yaml:5:26: error: faults.pinned[0].task: no task 'j0': this scenario has no "
            "joiners");
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: c0.1, point: mid-item}]}\n")),
            "t.yaml:4:26: error: faults.pinned[0].task: no task 'c0.1': it would be restart 1 "
            "of c0, but consumers.restarts is 0");
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: s0, point: mid-item}]}\n")),
            "t.yaml:4:26: error: faults.pinned[0].task: supervisors cannot be struck by pinned "
            "faults; strike the consumer");
}

TEST(Loader, PinnedFaultPointMustFitTheTask) {
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: p0, point: mid-item}]}\n")),
            "t.yaml:4:37: error: faults.pinned[0].point: point 'mid-item' applies to consumers "
            "(c<N>), not to 'p0'");
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: c0, point: in-join}]}\n")),
            "t.yaml:4:37: error: faults.pinned[0].point: point 'in-join' applies to joiners "
            "(j<N>), not to 'c0'");
}

TEST(Loader, PinnedItemMustBePut) {
  EXPECT_EQ(error_of(with("faults: {pinned: [{task: c0, point: mid-item, item: 3}]}\n")),
            "t.yaml:4:53: error: faults.pinned[0].item: item 3 is never put: the items are 0..2");
}

TEST(Loader, ControlEventsNeedATaskExactlyForCancel) {
  EXPECT_EQ(error_of(with("controls:\n  - {at_step: 1, action: cancel}\n")),
            "t.yaml:5:5: error: controls[0]: action 'cancel' needs a 'task' to cancel");
  EXPECT_EQ(error_of(with("controls:\n  - {at_step: 1, action: shutdown, task: c0}\n")),
            "t.yaml:5:36: error: controls[0].task: action 'shutdown' takes no task");
  EXPECT_EQ(error_of(with("controls:\n  - {at_step: 1, action: cancel, task: p1}\n")),
            "t.yaml:5:40: error: controls[0].task: no task 'p1': this scenario's producers are "
            "p0..p0");
  EXPECT_EQ(error_of(with("controls:\n  - {at_step: 1, action: cancel, task: s0}\n")),
            "t.yaml:5:40: error: controls[0].task: no task 's0': supervisors (s<N>) exist only "
            "with consumers.restarts > 0");
}

TEST(Loader, ExpectationsMustNotContradict) {
  std::string const head = "version: 1\nname: t\n";
  EXPECT_EQ(error_of(head + "expect: {join: hangs, verdict: none}\n"),
            "t.yaml:3:16: error: expect.join: 'join: hangs' contradicts 'verdict: none' (line "
            "3): a hang's verdict is join-hang or join-late");
  EXPECT_EQ(error_of(head + "expect: {join: completes, verdict: join-hang}\n"),
            "t.yaml:3:16: error: expect.join: 'join: completes' contradicts 'verdict: join-hang' "
            "(line 3): that verdict is a hang");
  EXPECT_EQ(error_of(head + "joiners: {count: 0}\nexpect: {join: completes, verdict: none}\n"),
            "t.yaml:4:16: error: expect.join: this scenario has no joiners (joiners.count is 0), "
            "so 'join: completes' cannot hold");
  EXPECT_EQ(error_of(head + "expect: {verdict: over-ack, unacknowledged: [1]}\n"),
            "t.yaml:3:29: error: expect.unacknowledged: 'unacknowledged' needs 'verdict: "
            "join-hang' (only a hang leaves items unacknowledged when the run ends), not "
            "'verdict: over-ack'");
  EXPECT_EQ(error_of(head + "expect: {verdict: join-hang, unacknowledged: [3]}\n"),
            "t.yaml:3:46: error: expect.unacknowledged: item i3 is never put: the items are "
            "i0..i2");
  EXPECT_EQ(error_of(head + "expect: {verdict: over-ack/double-ack, forbid: [lost, over-ack]}\n"),
            "t.yaml:3:48: error: expect.forbid: forbid[1] 'over-ack' forbids the expected verdict "
            "'over-ack/double-ack'");
  // A forbidden kind of the expected oracle leaves other kinds to show: no contradiction.
  EXPECT_TRUE(std::holds_alternative<scenario>(parse_scenario(
      head + "expect: {verdict: over-ack, forbid: [over-ack/double-ack]}\n", "t.yaml")));
}

TEST(Loader, UnknownStrategyListsTheStrategiesThatExist) {
  std::vector<load_error> const e = errors_of(with("explore: {strategy: rnadom}\n"));
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].line, 4U);
  EXPECT_EQ(e[0].column, 21U);
  EXPECT_EQ(e[0].key, "explore.strategy");
  std::string expected = "unknown strategy 'rnadom'; this chaosq has: ";
  for (std::size_t i = 0; i < strategies().size(); ++i) {
    expected += (i ? ", " : "") + std::string(strategies()[i].name) + " (" +
                std::string(strategies()[i].help) + ")";
  }
  EXPECT_EQ(e[0].message, expected + "; did you mean 'random'?");
}

TEST(Loader, UnknownBehaviourListsTheRegisteredOnes) {
  EXPECT_EQ(error_of(with("consumers: {behaviour: get-with-timout}\n")),
            "t.yaml:4:24: error: consumers.behaviour: this command has no consumer behaviour "
            "'get-with-timout' (--consumer; it has get-with-timeout); did you mean "
            "'get-with-timeout'? Run it with the command that registered it.");
  harness::registry const none;
  std::vector<load_error> const e =
      errors_of(with("consumers: {behaviour: mine}\n"), {.registry = &none});
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].message,
            "this command has no consumer behaviour 'mine' (--consumer; it has none). Run it "
            "with the command that registered it.");
}

// A thread-based queue or pool is named before `mode: threads` may be read: the name is
// checked alone, then whether the code can run the whole workload, at queue.impl.
TEST(Loader, AThreadBasedQueueOrPoolLoadsInThreadsModeAndSaysWhatDoesNotFit) {
  harness::registry r;
  ASSERT_TRUE(r.add_thread_queue("tq", "a thread queue", [](const harness::workload& w) {
    return harness::make_thread_reference_queue(w);
  }));
  ASSERT_TRUE(r.add_thread_pool("tp", "a thread pool", [](const harness::workload&) {
    return std::unique_ptr<harness::work_pool>();
  }));
  load_options const options{.registry = &r};
  for (const char* impl : {"tq", "tp"}) {
    std::string const text = with(std::string("queue: {impl: ") + impl + "}\nmode: threads\n");
    load_result const ok = parse_scenario(text, "t.yaml", options);
    EXPECT_TRUE(std::holds_alternative<scenario>(ok)) << impl;
    std::vector<load_error> const e =
        errors_of(with(std::string("queue: {impl: ") + impl + "}\n"), options);
    ASSERT_EQ(e.size(), 1U) << impl;
    EXPECT_EQ(e[0].to_string().substr(0, 37), "t.yaml:4:15: error: queue.impl: queue") << impl;
    EXPECT_NE(e[0].message.find("it runs with --mode threads"), std::string::npos) << e[0].message;
  }
  std::vector<load_error> const e =
      errors_of(with("mode: threads\nqueue: {impl: tp, maxsize: 2}\n"), options);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].key, "queue.impl");
  EXPECT_EQ(e[0].message,
            "queue 'tp' is a thread pool, which the workload does not fit:\n  maxsize: a thread "
            "pool has no capacity; use 0");
}

TEST(Loader, UnknownQueueImplListsTheRegisteredOnes) {
  std::vector<load_error> const e = errors_of(with("queue: {impl: planted/late-cont}\n"));
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].key, "queue.impl");
  EXPECT_NE(e[0].message.find("did you mean 'planted/late-count'?"), std::string::npos)
      << e[0].message;
  std::vector<load_error> const bad = errors_of(with("queue: {impl: \"two words\"}\n"));
  ASSERT_EQ(bad.size(), 1U);
  EXPECT_EQ(bad[0].message, "'two words': a name is letters, digits and - _ . / : (not ' ')");
}

// ---- not YAML, or not one YAML map ----

TEST(Loader, SyntaxErrorsCarryYamlCppsPositionOneBased) {
  EXPECT_EQ(error_of("version: 1\nname: [t\n"),
            "t.yaml:3:1: error: invalid YAML: end of sequence flow not found");
  EXPECT_EQ(error_of("version: 1\n  name: t\n"),
            "t.yaml:2:7: error: invalid YAML: illegal map value");
}

TEST(Loader, TextThatYamlCppWouldLoopOnIsRefused) {
  // yaml-cpp 0.7's LoadAll never returns on a top-level ',' (jbeder/yaml-cpp#1040).
  EXPECT_EQ(error_of(","), "t.yaml:1:1: error: invalid YAML: unexpected ','");
  EXPECT_EQ(error_of("  , x: 1"), "t.yaml:1:3: error: invalid YAML: unexpected ','");
}

TEST(Loader, OneDocumentPerFile) {
  EXPECT_EQ(error_of(std::string(minimal) + "---\nversion: 1\n"),
            "t.yaml:4:1: error: a second YAML document starts here; a scenario file holds "
            "exactly one");
}

TEST(Loader, NotAScenario) {
  EXPECT_EQ(error_of(""),
            "t.yaml:1:1: error: the file holds no scenario: expected a map with version, name "
            "and expect");
  EXPECT_EQ(error_of("# only a comment\n"),
            "t.yaml:1:1: error: the file holds no scenario: expected a map with version, name "
            "and expect");
  EXPECT_EQ(error_of("- version: 1\n"),
            "t.yaml:1:1: error: expected a map of keys (version, name, ...) at the top");
}

TEST(Loader, OnlyPrintableUtf8ReachesTheParser) {
  EXPECT_EQ(error_of("version: 1\nname: t\x01\n"),
            "t.yaml:2:8: error: a control character (U+0001) that YAML does not allow in a "
            "document");
  EXPECT_EQ(error_of(std::string("version: 1\n\0", 12)),
            "t.yaml:2:1: error: a control character (U+0000) that YAML does not allow in a "
            "document");
  EXPECT_EQ(error_of("na\xffme: 1"), "t.yaml:1:3: error: not UTF-8 text: byte 0xff");
  EXPECT_EQ(error_of("name: \xc3"), "t.yaml:1:7: error: not UTF-8 text: a character is cut off");
  EXPECT_EQ(error_of("name: \xc0\xaf"), "t.yaml:1:7: error: not UTF-8 text: a malformed character");
  EXPECT_EQ(error_of("name: \xed\xa0\x80"),
            "t.yaml:1:7: error: not UTF-8 text: a malformed character");
  // UTF-8 text is fine, in descriptions and elsewhere.
  EXPECT_EQ(loaded(with("description: \"Ünïcode ✓ 😀\"\n")).description, "Ünïcode ✓ 😀");
}

TEST(Loader, DeepNestingIsAnErrorNotAStackOverflow) {
  std::string deep = with("description: ");
  deep += std::string(100'000, '[') + std::string(100'000, ']') + "\n";
  std::vector<load_error> const e = errors_of(deep);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].message, "invalid YAML: nested too deeply");
}

TEST(Loader, AliasesCannotMultiplyWork) {
  // Each level refers to the previous one ten times: 10^30 nodes if expanded.
  std::string text = with("description: x\n");
  text += "anchors:\n  a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  for (int i = 1; i < 30; ++i) {
    std::string const prev = "*a" + std::to_string(i - 1);
    text += "  a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  text += "decisions: *a29\n";
  std::vector<load_error> const e = errors_of(text);
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e.front().key, "anchors");
}

TEST(Loader, StopsAfterMaxErrors) {
  std::string text = "version: 1\nname: t\nexpect: {verdict: none}\n";
  for (int i = 0; i < 50; ++i) text += "unknown" + std::to_string(i) + ": 1\n";
  EXPECT_EQ(errors_of(text).size(), 20U);
  EXPECT_EQ(errors_of(text, {.max_errors = 3}).size(), 3U);
}

TEST(Loader, FilesThatCannotBeRead) {
  auto missing = load_scenario("/nonexistent/chaosq/x.yaml");
  ASSERT_TRUE(std::holds_alternative<std::vector<load_error>>(missing));
  EXPECT_EQ(std::get<1>(missing).front().to_string(),
            "/nonexistent/chaosq/x.yaml: error: cannot open the file");
  auto directory = load_scenario(CHAOSQ_SCENARIOS_DIR);
  ASSERT_TRUE(std::holds_alternative<std::vector<load_error>>(directory));
  EXPECT_EQ(std::get<1>(directory).front().message, "is a directory, not a scenario file");
}

TEST(Loader, HugeInputIsRefusedUnparsed) {
  std::string text = with("description: \"");
  text += std::string(max_file_bytes, 'x') + "\"\n";
  std::vector<load_error> const e = errors_of(text);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].line, 0U);
}

// ---- robustness: arbitrary bytes in, only clean errors out ----

std::vector<std::string> bundled_texts() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(CHAOSQ_SCENARIOS_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A load result that is well formed: a scenario the harness accepts and the writer round
/// trips, or errors that each say something and point inside the text.
void expect_clean(const load_result& r, std::string_view text) {
  if (const auto* s = std::get_if<scenario>(&r)) {
    EXPECT_TRUE(harness::validate(s->work).empty()) << text;
    load_result again = parse_scenario(to_yaml(*s), "again.yaml");
    ASSERT_TRUE(std::holds_alternative<scenario>(again)) << to_yaml(*s);
    EXPECT_EQ(std::get<scenario>(again), *s) << text;
    return;
  }
  const auto& errors = std::get<std::vector<load_error>>(r);
  ASSERT_FALSE(errors.empty()) << text;
  std::size_t const lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  for (const load_error& e : errors) {
    EXPECT_FALSE(e.message.empty()) << text;
    EXPECT_EQ(e.file, "fuzz.yaml");
    EXPECT_LE(e.line, lines + 2) << e.to_string() << "\n" << text;
    EXPECT_EQ(e.to_string().rfind("fuzz.yaml", 0), 0U);
  }
}

TEST(Loader, SurvivesRandomBytes) {
  std::mt19937_64 rng(20240601);  // fixed: the same inputs on every run
  static constexpr char yaml_chars[] = "{}[]:,-?!&*#|>'\"%@` \n\t\\ax0.~<=";
  for (int i = 0; i < 4000; ++i) {
    std::string text;
    std::size_t const length = rng() % 96;
    for (std::size_t k = 0; k < length; ++k) {
      text +=
          rng() % 2 ? static_cast<char>(rng() % 256) : yaml_chars[rng() % (sizeof yaml_chars - 1)];
    }
    expect_clean(parse_scenario(text, "fuzz.yaml"), text);
    if (HasFailure()) return;
  }
}

TEST(Loader, SurvivesMutatedScenarios) {
  std::vector<std::string> const seeds = bundled_texts();
  ASSERT_FALSE(seeds.empty());
  std::mt19937_64 rng(7);
  static constexpr char yaml_chars[] = "{}[]:,-?!&*#|>'\"%@` \n\t\\ax0.~<=";
  std::size_t loaded_count = 0;
  for (int i = 0; i < 2500; ++i) {
    std::string text = seeds[rng() % seeds.size()];
    int const mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      std::size_t const at = rng() % (text.size() + 1);
      switch (rng() % 5) {
        case 0:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at),
                      yaml_chars[rng() % (sizeof yaml_chars - 1)]);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1 + rng() % 8);
          break;
        case 2:
          if (at < text.size()) text[at] = yaml_chars[rng() % (sizeof yaml_chars - 1)];
          break;
        case 3:
          if (at < text.size()) text[at] = static_cast<char>(rng() % 256);
          break;
        default: {
          const std::string& other = seeds[rng() % seeds.size()];
          text.insert(at, other.substr(rng() % (other.size() + 1), rng() % 40));
        }
      }
    }
    load_result const r = parse_scenario(text, "fuzz.yaml");
    if (std::holds_alternative<scenario>(r)) ++loaded_count;
    expect_clean(r, text);
    if (HasFailure()) return;
  }
  // The mutations must not all be rejected outright, or the test would only exercise syntax.
  EXPECT_GT(loaded_count, 50U);
}

// ---- the bundled scenarios ----

TEST(BundledScenarios, AtLeastTwelveEachLoadingNamedAfterItsFileAndExplained) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CHAOSQ_SCENARIOS_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    SCOPED_TRACE(entry.path().string());
    load_result r = load_scenario(entry.path());
    ASSERT_TRUE(std::holds_alternative<scenario>(r)) << std::get<1>(r).front().to_string();
    const scenario& s = std::get<scenario>(r);
    EXPECT_EQ(s.name, entry.path().stem().string());
    EXPECT_FALSE(s.description.empty());
    std::ifstream in(entry.path());
    std::string first;
    std::string second;
    std::getline(in, first);
    std::getline(in, second);
    EXPECT_EQ(first.rfind("# ", 0), 0U) << "starts with a comment on the failure it models";
    EXPECT_EQ(second.rfind("# ", 0), 0U) << "a comment of more than one line";
  }
  EXPECT_GE(count, 12U);
}

}  // namespace
}  // namespace chaosq::scenarios

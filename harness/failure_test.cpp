#include "chaosq/harness/failure.hpp"

#include <algorithm>
#include <set>
#include <variant>

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/token.hpp"
#include "chaosq/harness/zoo.hpp"

#include "testing/workloads.hpp"

namespace chaosq::harness {
namespace {

using testing::classic_leak;

failure first_failure_of(const workload& w, const failure_options& options = {}) {
  explore_result const found = explore(w, {.schedules = 10'000, .seed = 1});
  EXPECT_TRUE(found.first_failure);
  if (!found.first_failure) return {};
  return make_failure(w, found.first_failure->decisions,
                      found.first_failure->violation->signature(), options);
}

std::string signature_of_token(const std::string& token, const run_options& options = {}) {
  auto decoded = decode_token(token);
  EXPECT_TRUE(std::holds_alternative<decoded_token>(decoded)) << token;
  if (!std::holds_alternative<decoded_token>(decoded)) return {};
  const decoded_token& t = std::get<decoded_token>(decoded);
  run_report const r = replay(t.work, t.decisions, options);
  return r.violation ? r.violation->signature() : "pass";
}

TEST(failure, is_shrunk_traced_and_both_tokens_replay_to_its_signature) {
  failure const f = first_failure_of(classic_leak());
  ASSERT_NE(f.violation(), nullptr);
  EXPECT_EQ(f.signature, "join-hang/held-by-crashed");
  EXPECT_EQ(f.violation()->signature(), f.signature);
  EXPECT_TRUE(f.shrunk);
  EXPECT_LE(f.minimal_size, f.original_size);
  EXPECT_EQ(f.minimal_size, f.decisions.size());
  EXPECT_EQ(f.drawn_faults, 1U);
  ASSERT_TRUE(f.report.trace);
  EXPECT_FALSE(f.violation()->message.empty());
  EXPECT_EQ(signature_of_token(f.token), f.signature);
  EXPECT_EQ(signature_of_token(f.original_token), f.signature);
  EXPECT_EQ(f.reproduce_command(), "chaosq replay " + f.token);
  // The value is the replay of its own record: nothing in it is derived elsewhere.
  run_options traced;
  traced.trace = true;
  run_report const again = replay(f.work, f.decisions, traced);
  EXPECT_EQ(again.trace->to_text(), f.report.trace->to_text());
}

// The seed incident at its own size (20 items, 4 consumers, one crash), kept at that size: the
// steps that matter are the leaked item's put, its get and crash, and the join; the producer's
// nineteen other puts and the consumers' rounds on later items are a line each.
TEST(failure, the_seed_leak_at_its_own_size_marks_few_steps_and_reads_in_a_screen) {
  workload w = classic_leak();
  w.items = 20;
  w.consumers = 4;
  failure const f = first_failure_of(w);
  ASSERT_NE(f.violation(), nullptr);
  ASSERT_EQ(f.work.items, 20U);
  ASSERT_TRUE(f.report.trace);
  std::set<std::uint64_t> marked;
  for (const trace_event& e : f.report.trace->events)
    if (e.marked) marked.insert(e.step);
  EXPECT_GE(marked.size(), 3U);
  EXPECT_LE(marked.size(), 12U);
  std::string const text = f.report.trace->to_text();
  EXPECT_LE(std::count(text.begin(), text.end(), '\n'), 40) << text;
  EXPECT_NE(text.find(" (19)"), std::string::npos) << "the other puts are one line\n" << text;
}

TEST(failure, unacknowledged_items_are_the_ledgers) {
  failure const f = first_failure_of(classic_leak());
  ASSERT_NE(f.violation(), nullptr);
  ASSERT_EQ(f.unacknowledged.size(), 1U);
  const item_account& item = f.unacknowledged.front();
  EXPECT_EQ(item.put_by, "p0");
  EXPECT_FALSE(item.got_by.empty());
  EXPECT_FALSE(item.holder_fault.empty());
  // The verdict's text is written by the engine from the same ledger entries.
  EXPECT_NE(f.violation()->message.find("Unacknowledged: " + to_string(item)), std::string::npos)
      << f.violation()->message;
  // And the trace agrees: put, got, never acknowledged.
  std::set<std::int64_t> put;
  std::set<std::int64_t> acked;
  for (const trace_event& e : f.report.trace->events) {
    if (e.operation == "put" && e.outcome == "ok") put.insert(e.item);
    if (e.operation == "ack") acked.insert(e.item);
  }
  std::vector<std::uint32_t> from_trace;
  for (std::int64_t id : put)
    if (!acked.contains(id)) from_trace.push_back(static_cast<std::uint32_t>(id));
  EXPECT_EQ(from_trace, std::vector<std::uint32_t>{item.id});
  EXPECT_EQ(f.report.trace->events.empty(), false);
  EXPECT_GE(item.fault_step, item.got_step);
}

TEST(failure, untraced_runs_carry_no_item_accounts) {
  // Exploration runs without text; the accounts come with the text, on the failure's replay.
  workload const w = classic_leak();
  explore_result const found = explore(w, {.schedules = 10'000, .seed = 1});
  ASSERT_TRUE(found.first_failure);
  run_options quiet;
  quiet.explain = false;
  run_report const r = replay(w, found.first_failure->decisions, quiet);
  ASSERT_TRUE(r.violation);
  EXPECT_TRUE(r.violation->items.empty());
}

TEST(failure, not_shrinking_keeps_the_record_and_writes_one_token) {
  failure const f = first_failure_of(classic_leak(), {.shrink = shrinking::none});
  EXPECT_FALSE(f.shrunk);
  EXPECT_EQ(f.decisions, f.original_decisions);
  EXPECT_EQ(f.token, f.original_token);
  std::string const text = failure_text(f);
  EXPECT_NE(text.find("\ntrace: "), std::string::npos) << text;
  EXPECT_NE(text.find("token: " + f.token + "\n"), std::string::npos) << text;
}

TEST(failure, a_generated_workload_shrinks_through_its_record) {
  workload_space space;
  space.policies = {ack_policy::on_success};
  space.step_budget = 2'000;
  // Search records until one fails: workload and run both come from the record.
  std::vector<std::uint32_t> record;
  std::string signature;
  for (std::uint64_t seed = 1; seed < 2'000 && signature.empty(); ++seed) {
    sim::random_decisions d(seed);
    generated_run const g = run_generated(space, d);
    if (g.report.violation) {
      record = g.report.decisions;
      signature = g.report.violation->signature();
    }
  }
  ASSERT_FALSE(signature.empty());
  sim::replay_decisions source(record);
  workload const w = generate_workload(source, space);
  failure const f = make_failure(w, record, signature,
                                 {.shrink = shrinking::record_and_workload,
                                  .generated_from = &space,
                                  .replay_flags = " --queue-bug late-count"});
  ASSERT_NE(f.violation(), nullptr);
  EXPECT_EQ(f.violation()->signature(), signature);
  EXPECT_EQ(f.original_size, trim_record(record).size());
  EXPECT_LE(f.minimal_size, f.original_size);
  EXPECT_EQ(signature_of_token(f.token), signature);
  EXPECT_EQ(signature_of_token(f.original_token), signature);
  EXPECT_EQ(f.reproduce_command(), "chaosq replay " + f.token + " --queue-bug late-count");
}

// The seed leak found on 20 items and 4 consumers shrinks, workload included, to what a person
// reads at a glance; the text names the minimal workload and the one it was found on.
TEST(failure, a_fixed_workload_shrinks_too_when_asked_and_the_text_names_both) {
  workload big = classic_leak();
  big.items = 20;
  big.consumers = 4;
  failure const f = first_failure_of(big, {.shrink = shrinking::record_and_workload});
  ASSERT_NE(f.violation(), nullptr);
  EXPECT_EQ(f.original_work, big);
  EXPECT_LT(f.work.items, big.items);
  EXPECT_LT(f.work.consumers, big.consumers);
  EXPECT_EQ(signature_of_token(f.token), f.signature) << "the token carries the minimal workload";
  std::string const text = failure_text(f);
  EXPECT_NE(text.find("minimal workload: " + describe(f.work) + "\n  (found on: " + describe(big) +
                      ")\n"),
            std::string::npos)
      << text;
  EXPECT_LT(f.report.trace->events.size(), 20U) << f.report.trace->to_text();
}

TEST(failure, text_is_what_chaosq_explore_prints) {
  failure const f = first_failure_of(classic_leak());
  std::string const text = failure_text(f);
  const verdict& v = *f.violation();
  EXPECT_EQ(
      text.rfind("VIOLATION " + v.signature() + "\n  " + v.message + "\n\nminimal trace: ", 0), 0U)
      << text;
  EXPECT_NE(text.find(f.report.trace->to_text()), std::string::npos);
  EXPECT_NE(text.find("unacknowledged:\n  " + to_string(f.unacknowledged.front()) + "\n"),
            std::string::npos);
  EXPECT_NE(text.find("token (minimal):  " + f.token + "\ntoken (original): " + f.original_token +
                      "\nreproduce: chaosq replay " + f.token + "\n"),
            std::string::npos)
      << text;
}

TEST(failure, text_without_token_says_why) {
  failure const f = first_failure_of(classic_leak(), {.no_token_reason = "it runs behaviour 'x'"});
  EXPECT_TRUE(f.token.empty());
  std::string const text = failure_text(f);
  EXPECT_NE(text.find("no replay token: it runs behaviour 'x'\n"), std::string::npos);
  EXPECT_EQ(text.find("reproduce:"), std::string::npos);
}

TEST(failure, json_holds_verdict_tokens_statistics_items_and_trace) {
  failure const f = first_failure_of(classic_leak());
  std::string const json = failure_json(f);
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"signature\":\"join-hang/held-by-crashed\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"token\":\"" + f.token + "\""), std::string::npos);
  EXPECT_NE(json.find("\"original_token\":\"" + f.original_token + "\""), std::string::npos);
  EXPECT_NE(json.find("\"shrink\":{\"shrunk\":true,\"original_decisions\":" +
                      std::to_string(f.original_size)),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"unacknowledged\":[{\"id\":" + std::to_string(f.unacknowledged[0].id) +
                      ",\"put_by\":\"p0\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"trace\":" + f.report.trace->to_json() + "}"), std::string::npos);
}

/// Over many seeds, no failure made against the reference (as every front-end makes one:
/// `make_failure`) ends on a record that the reference queue fails too, while shrinking by
/// signature alone would end on such records (counted, so the workloads show what they are for).
TEST(failure, made_against_the_reference_never_ends_where_the_reference_fails) {
  constexpr std::uint64_t k_seeds = 10;
  workload const w = testing::early_ack();
  int failures = 0;
  int reference_fails = 0;
  int reference_fails_without_the_check = 0;
  for (planted_bug bug : {planted_bug::get_counts_down, planted_bug::late_count}) {
    run_options queue;
    queue.make_queue = planted_queue_factory(bug);
    for (std::uint64_t seed = 1; seed <= k_seeds; ++seed) {
      explore_result const found = explore(w, {.schedules = 5'000,
                                               .seed = seed,
                                               .run = queue,
                                               .against_reference = reference_check::passes});
      if (!found.first_failure) continue;
      std::string const signature = found.first_failure->violation->signature();
      for (reference_check check : {reference_check::passes, reference_check::off}) {
        failure const f = make_failure(w, found.first_failure->decisions, signature,
                                       {.run = queue, .against_reference = check});
        ASSERT_NE(f.violation(), nullptr);
        EXPECT_EQ(f.violation()->signature(), signature);
        bool const fails =
            run_reference(f.work, f.decisions, signature, queue) != reference_outcome::passes;
        if (check == reference_check::off) {
          reference_fails_without_the_check += fails ? 1 : 0;
          continue;
        }
        ++failures;
        reference_fails += fails ? 1 : 0;
        EXPECT_FALSE(fails) << name_of(bug) << " seed " << seed << ": " << failure_text(f);
      }
    }
  }
  EXPECT_EQ(failures, 2 * static_cast<int>(k_seeds));
  EXPECT_EQ(reference_fails, 0);
  EXPECT_GT(reference_fails_without_the_check, 0);
}

}  // namespace
}  // namespace chaosq::harness

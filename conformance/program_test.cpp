#include "chaosq/conformance/program.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/conformance/generator.hpp"
#include "chaosq/conformance/reference.hpp"
#include "chaosq/conformance/shrink.hpp"

namespace chaosq::conformance {
namespace {

using queue::queue_kind;

// ---- parsing and printing -------------------------------------------------------------------

TEST(program_parse, reads_every_operation_and_prints_it_back) {
  std::string const text =
      "queue priority -1\nspawn get\nspawn put 3\nspawn join\nput_nowait 0\nget_nowait\n"
      "task_done\ncancel t2\nshutdown\nshutdown immediate\nstep\n";
  auto const r = parse_program(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const program& p = r.value();
  EXPECT_EQ(p.kind, queue_kind::priority);
  EXPECT_EQ(p.maxsize, -1);
  ASSERT_EQ(p.ops.size(), 10U);
  EXPECT_EQ(p.ops[1], (operation{op_code::spawn_put, 3}));
  EXPECT_EQ(p.ops[6], (operation{op_code::cancel, 2}));
  EXPECT_EQ(p.ops[8].code, op_code::shutdown_immediate);
  EXPECT_EQ(to_string(p), text);
  EXPECT_EQ(task_count(p), 3U);
  EXPECT_TRUE(uses_shutdown(p));
}

TEST(program_parse, skips_comments_and_blank_lines_and_normalises_whitespace) {
  auto const r = parse_program("# a comment\n\n  queue\tlifo   2 \n#step\nspawn   put 7\r\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(to_string(r.value()), "queue lifo 2\nspawn put 7\n");
}

struct bad_program {
  const char* text;
  std::size_t line;
  std::size_t column;
  const char* message;  // a part of the message
};

TEST(program_parse, errors_name_the_line_and_column_and_say_what_was_expected) {
  std::vector<bad_program> const cases{
      {"", 1, 1, "program has no operations"},
      {"# only a comment\n", 1, 1, "program has no operations"},
      {"step\n", 1, 1, "the first operation must be 'queue <fifo|lifo|priority> <maxsize>'"},
      {"queue heap 0\n", 1, 7, "unknown queue kind 'heap'"},
      {"queue fifo\n", 1, 1, "'queue' takes 2 arguments"},
      {"queue fifo x\n", 1, 12, "bad maxsize 'x'"},
      {"queue fifo 99999999999999999999\n", 1, 12, "bad maxsize"},
      {"queue fifo 0\nstep\nfrob\n", 3, 1, "unknown operation 'frob'"},
      {"queue fifo 0\nqueue fifo 1\n", 2, 1, "second 'queue' operation"},
      {"queue fifo 0\ncancel t0\n", 2, 8, "unknown task t0 (0 tasks spawned so far)"},
      {"queue fifo 0\nspawn get\ncancel t01\n", 3, 8, "bad task id 't01'"},
      {"queue fifo 0\nspawn get\ncancel 0\n", 3, 8, "bad task id '0'"},
      {"queue fifo 0\nput_nowait -1\n", 2, 12, "bad value '-1'"},
      {"queue fifo 0\nput_nowait 2147483648\n", 2, 12, "larger than the reference's int items"},
      {"queue fifo 0\n\n  shutdown now\n", 3, 12, "expected 'shutdown', 'shutdown immediate'"},
      {"queue fifo 0\nspawn\n", 2, 1, "expected 'spawn get', 'spawn put V', 'spawn join'"},
      {"queue fifo 0\nspawn put\n", 2, 7, "expected 'spawn get', 'spawn put V', 'spawn join'"},
      {"queue fifo 0\nstep 1\n", 2, 6, "expected 'step'"},
  };
  for (const bad_program& c : cases) {
    auto const r = parse_program(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().line, c.line) << c.text;
    EXPECT_EQ(r.error().column, c.column) << c.text;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos)
        << c.text << "gave: " << r.error().message;
  }
}

TEST(program_parse, an_error_prints_as_file_line_column) {
  auto const r = parse_program("queue fifo 0\nfrob\n", 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(to_string(r.error(), "x.prog"), "x.prog:11:1: unknown operation 'frob': 'frob'");
}

TEST(program_parse, a_batch_needs_headers_and_non_empty_programs) {
  auto const ok = parse_batch("# c\nprogram 0\nqueue fifo 0\nstep\n\nprogram 7\nqueue lifo 1\n");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok.value().size(), 2U);
  EXPECT_EQ(to_batch(ok.value()), "program 0\nqueue fifo 0\nstep\nprogram 1\nqueue lifo 1\n");

  auto const headless = parse_batch("\nqueue fifo 0\n");
  ASSERT_FALSE(headless.ok());
  EXPECT_EQ(headless.error().line, 2U);
  EXPECT_NE(headless.error().message.find("expected a 'program <k>' header"), std::string::npos);

  auto const bad_header = parse_batch("program one\n");
  ASSERT_FALSE(bad_header.ok());
  EXPECT_NE(bad_header.error().message.find("bad program header"), std::string::npos);

  auto const empty = parse_batch("program 0\nprogram 1\nqueue fifo 0\n");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().line, 1U) << "an empty program is reported at its header";

  auto const inner = parse_batch("program 0\nqueue fifo 0\nprogram 1\nqueue fifo 0\ncancel t0\n");
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().line, 5U) << "lines count from the start of the batch";
}

// ---- the generator --------------------------------------------------------------------------

TEST(program_generate, is_a_function_of_the_seed) {
  EXPECT_EQ(generate_batch(42, 50, shutdown_ops::included),
            generate_batch(42, 50, shutdown_ops::included));
  EXPECT_NE(generate_batch(42, 50, shutdown_ops::included),
            generate_batch(43, 50, shutdown_ops::included));
  auto const big = generate_batch(5, 300, shutdown_ops::included);
  auto const small = generate_batch(5, 30, shutdown_ops::included);
  EXPECT_TRUE(std::equal(small.begin(), small.end(), big.begin()))
      << "a larger batch starts with the programs of a smaller one";
  EXPECT_EQ(generate_batch_program(5, 299, shutdown_ops::included), big[299]);

  sim::splitmix64 a(9);
  sim::splitmix64 b(9);
  EXPECT_EQ(generate_program(a, {}), generate_program(b, {}));
}

TEST(program_generate, programs_are_valid_and_within_the_options) {
  auto const batch = generate_batch(1, 600, shutdown_ops::included);
  std::set<std::int64_t> maxsizes;
  std::size_t with_shutdown = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const program& p = batch[i];
    EXPECT_EQ(p.kind,
              (std::array{queue_kind::fifo, queue_kind::lifo, queue_kind::priority})[i % 3]);
    EXPECT_GE(p.ops.size() + 1, 10U);
    EXPECT_LE(p.ops.size() + 1, 60U);
    maxsizes.insert(p.maxsize);
    with_shutdown += uses_shutdown(p) ? 1 : 0;
    auto const again = parse_program(to_string(p));
    ASSERT_TRUE(again.ok()) << again.error().message << "\n" << to_string(p);
    EXPECT_EQ(again.value(), p);
  }
  EXPECT_EQ(maxsizes, (std::set<std::int64_t>{-1, 0, 1, 2, 3}));
  EXPECT_GT(with_shutdown, batch.size() / 20) << "shutdown is rare but present";
  EXPECT_LT(with_shutdown, batch.size() / 2) << "shutdown is rare but present";

  for (const program& p : generate_batch(1, 600, shutdown_ops::excluded)) {
    EXPECT_FALSE(uses_shutdown(p)) << to_string(p);
  }
}

TEST(program_generate, every_interesting_interleaving_occurs) {
  reference_coverage c;
  for (const program& p : generate_batch(3, 300, shutdown_ops::included)) {
    static_cast<void>(run_on_reference(p, &c));
  }
  EXPECT_EQ(c.programs, 300U);
  EXPECT_GT(c.steps, c.idle_steps * 2) << "most steps run a task";
  EXPECT_GT(c.idle_steps, 0U);
  EXPECT_GT(c.steps_cancelled, 0U);
  EXPECT_GT(c.steps_shut_down, 0U);
  EXPECT_GT(c.cancels_waiting, 0U);
  EXPECT_GT(c.cancels_woken, 0U);
  EXPECT_GT(c.cancels_fresh, 0U);
  EXPECT_GT(c.cancels_done, 0U);
  EXPECT_GT(c.queue_full, 0U);
  EXPECT_GT(c.queue_empty, 0U);
  EXPECT_GT(c.value_errors, 0U);
  EXPECT_GT(c.shutdowns, 0U);
}

// ---- the reference run ----------------------------------------------------------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The per-program logs of a driver output, without the `python` line and the headers.
std::vector<std::string> split_logs(const std::string& output) {
  std::vector<std::string> logs;
  std::istringstream in(output);
  std::string line;
  std::getline(in, line);
  EXPECT_TRUE(line.starts_with("python ")) << line;
  while (std::getline(in, line)) {
    if (line.starts_with("program ")) {
      logs.emplace_back();
    } else {
      EXPECT_FALSE(logs.empty()) << line;
      if (!logs.empty()) logs.back() += line + "\n";
    }
  }
  return logs;
}

class program_reference_examples : public testing::TestWithParam<const char*> {};

TEST_P(program_reference_examples, reproduce_the_cpython_logs_exactly) {
  std::string const base = std::string(CHAOSQ_CONFORMANCE_EXAMPLES) + "/" + GetParam();
  auto const programs = parse_batch(read_file(base + ".prog"));
  ASSERT_TRUE(programs.ok()) << to_string(programs.error(), base + ".prog");
  auto const expected = split_logs(read_file(base + ".expected"));
  ASSERT_EQ(programs.value().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(run_on_reference(programs.value()[i]), expected[i]) << "program " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(program_reference, program_reference_examples,
                         testing::Values("getters", "putters", "storage_order", "join_shutdown"),
                         [](const testing::TestParamInfo<const char*>& param_info) {
                           return std::string(param_info.param);
                         });

TEST(program_reference, a_program_without_tasks_ends_with_a_bare_end_line) {
  auto const p = parse_program("queue lifo 1\nput_nowait 4\nput_nowait 5\ntask_done\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(
      run_on_reference(p.value()),
      "queue lifo 1 -> ok | items=[] unfinished=0 getters=0 putters=0 finished=set shutdown=0\n"
      "put_nowait 4 -> ok | items=[4] unfinished=1 getters=0 putters=0 finished=clear "
      "shutdown=0\n"
      "put_nowait 5 -> QueueFull | items=[4] unfinished=1 getters=0 putters=0 "
      "finished=clear shutdown=0\n"
      "task_done -> ok | items=[4] unfinished=0 getters=0 putters=0 finished=set shutdown=0\n"
      "end\n");
}

// ---- shrinking ------------------------------------------------------------------------------

TEST(program_shrink, removing_a_spawn_drops_its_cancels_and_renumbers_later_tasks) {
  auto const p = parse_program(
      "queue fifo 0\nspawn get\nspawn put 1\ncancel t1\nspawn join\ncancel t2\ncancel t0\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(to_string(without_op(p.value(), 1)),
            "queue fifo 0\nspawn get\nspawn join\ncancel t1\ncancel t0\n");
  EXPECT_EQ(to_string(without_op(p.value(), 5)),
            "queue fifo 0\nspawn get\nspawn put 1\ncancel t1\nspawn join\ncancel t2\n");
}

TEST(program_shrink, candidates_are_valid_and_smaller) {
  for (const program& p : generate_batch(11, 30, shutdown_ops::included)) {
    for (const program& c : shrink_candidates(p)) {
      EXPECT_LT(c.ops.size(), p.ops.size());
      auto const again = parse_program(to_string(c));
      ASSERT_TRUE(again.ok()) << again.error().message << "\n" << to_string(c);
    }
  }
}

TEST(program_shrink, keeps_only_what_the_failure_needs) {
  sim::splitmix64 rng(4);
  program p = generate_program(rng, {queue_kind::fifo, shutdown_ops::included, 60, 60});
  p.ops.insert(p.ops.begin() + 20, operation{op_code::put_nowait, 7});
  // Fails when a `put_nowait 7` is followed, somewhere later, by a `get_nowait`.
  auto const fails = [](const program& c) {
    bool put = false;
    for (const operation& op : c.ops) {
      if (op == operation{op_code::put_nowait, 7}) put = true;
      if (put && op.code == op_code::get_nowait) return true;
    }
    return false;
  };
  ASSERT_TRUE(fails(p));
  std::size_t judged_rounds = 0;
  std::size_t rounds = 0;
  program const small = shrink(
      p,
      [&](std::span<const program> candidates) {
        ++judged_rounds;
        std::vector<bool> out;
        for (const program& c : candidates) out.push_back(fails(c));
        return out;
      },
      &rounds);
  EXPECT_EQ(to_string(small),
            "queue fifo " + std::to_string(p.maxsize) + "\nput_nowait 7\nget_nowait\n");
  EXPECT_EQ(rounds, judged_rounds) << "one judgement per round";
}

}  // namespace
}  // namespace chaosq::conformance

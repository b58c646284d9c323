#include "chaosq/fuzz/targets.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <variant>

#include "chaosq/conformance/queue_model.hpp"
#include "chaosq/conformance/reference.hpp"
#include "chaosq/harness/blame.hpp"
#include "chaosq/harness/failure.hpp"
#include "chaosq/harness/token.hpp"
#include "chaosq/scenarios/loader.hpp"
#include "chaosq/scenarios/writer.hpp"

namespace chaosq::fuzz {
namespace {

using harness::ack_policy;
using harness::planted_bug;

constexpr std::array<zoo_entry, 11> k_zoo{{
    {"bug:no-pass-on", planted_bug::no_pass_on, ack_policy::finally},
    {"bug:get-counts-down", planted_bug::get_counts_down, ack_policy::finally},
    {"bug:join-not-woken", planted_bug::join_not_woken, ack_policy::finally},
    {"bug:immediate-keeps-count", planted_bug::immediate_keeps_count, ack_policy::finally},
    // Only a consumer that acknowledges twice reaches the missing underflow check.
    {"bug:task-done-unchecked", planted_bug::task_done_unchecked, ack_policy::twice},
    {"bug:putter-no-recheck", planted_bug::putter_no_recheck, ack_policy::finally},
    {"bug:late-count", planted_bug::late_count, ack_policy::finally},
    {"policy:on-success", planted_bug::none, ack_policy::on_success},  // the seed incident's leak
    {"policy:before-work", planted_bug::none, ack_policy::before_work},
    {"policy:twice", planted_bug::none, ack_policy::twice},
    {"policy:never", planted_bug::none, ack_policy::never},
}};

std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string file_safe(std::string s) {
  for (char& c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      c = '_';
  return s;
}

}  // namespace

std::vector<std::uint32_t> decode_decisions(std::span<const std::uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

std::vector<std::uint8_t> encode_decisions(std::span<const std::uint32_t> decisions) {
  std::vector<std::uint8_t> out;
  out.reserve(decisions.size());
  for (std::uint32_t const d : decisions)
    out.push_back(static_cast<std::uint8_t>(std::min(d, 255U)));
  return out;
}

std::optional<finding> run_schedule(const schedule_target& target,
                                    std::span<const std::uint8_t> bytes) {
  std::vector<std::uint32_t> const decisions = decode_decisions(bytes);
  harness::run_options options = target.run;
  options.trace = false;
  harness::generated_run const got = harness::replay_generated(target.space, decisions, options);
  if (!got.report.violation) return std::nullopt;
  harness::verdict_kind const kind = got.report.violation->kind;
  if (std::find(target.tolerated.begin(), target.tolerated.end(), kind) != target.tolerated.end())
    return std::nullopt;
  std::string const signature = got.report.violation->signature();
  std::span<const std::uint32_t> const record = got.report.decisions;
  if (!harness::blames_code_under_test(
          got.work, record.subspan(harness::workload_prefix(target.space, record)), signature,
          options, target.against_reference))
    return std::nullopt;
  return finding{.target = target.name,
                 .signature = signature,
                 .message = got.report.violation->message,
                 .work = got.work,
                 .decisions = got.report.decisions};
}

const schedule_target& correct_target() {
  static const schedule_target target{
      .name = "schedule",
      .tolerated = {harness::out_of_consumers.begin(), harness::out_of_consumers.end()}};
  return target;
}

const schedule_target& threads_target() {
  static const schedule_target target = [] {
    schedule_target t = correct_target();
    t.name = "schedule_threads";
    t.space.base.mode = harness::run_mode::threads;
    return t;
  }();
  return target;
}

std::span<const zoo_entry> zoo_entries() { return k_zoo; }

schedule_target zoo_target(const zoo_entry& entry) {
  schedule_target t{.name = "schedule_zoo/" + std::string(entry.name)};
  t.space.policies = {entry.policy};
  if (entry.bug != planted_bug::none) {
    t.run.make_queue = harness::planted_queue_factory(entry.bug);
    t.against_reference = harness::reference_check_for(entry.bug);
    t.replay_options = "--queue-bug " + std::string(harness::name_of(entry.bug));
  }
  return t;
}

std::optional<finding> run_schedule_zoo(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return std::nullopt;
  // One target per entry, built once: the factories are reused across executions.
  static const std::vector<schedule_target> targets = [] {
    std::vector<schedule_target> all;
    for (const zoo_entry& e : k_zoo) all.push_back(zoo_target(e));
    return all;
  }();
  return run_schedule(targets[bytes[0] % targets.size()], bytes.subspan(1));
}

std::optional<finding> run_queue_model(std::span<const std::uint8_t> bytes) {
  constexpr std::size_t k_max_ops = 512;
  if (bytes.size() < 2) return std::nullopt;
  auto const kind = static_cast<queue::queue_kind>(bytes[0] % 3);
  std::int64_t const maxsize = bytes[1] % 4;
  conformance::queue_model model(kind, maxsize);
  conformance::reference_run reference(kind, maxsize);
  std::string program = to_string(conformance::program{kind, maxsize, {}});
  std::size_t i = 2;
  for (std::size_t ops = 0; i < bytes.size() && ops < k_max_ops; ++ops) {
    conformance::operation op{.code = static_cast<conformance::op_code>(bytes[i++] % 10)};
    switch (op.code) {
      case conformance::op_code::spawn_put:
      case conformance::op_code::put_nowait:
        op.arg = i < bytes.size() ? bytes[i++] % 100 : 0;
        break;
      case conformance::op_code::cancel:
        if (model.task_count() == 0) continue;
        op.arg =
            static_cast<std::int64_t>((i < bytes.size() ? bytes[i++] : 0) % model.task_count());
        break;
      default:
        break;
    }
    program += to_string(op) + "\n";
    std::string const want = model.apply(op);
    std::string const got = reference.apply(op);
    conformance::queue_observation const seen_model = model.observe();
    conformance::queue_observation const seen_reference = reference.observe();
    if (want != got || seen_model != seen_reference || model.task_count() != reference.task_count())
      return finding{.target = "queue_model",
                     .signature = "divergence",
                     .message = program + "# model:     " + want + "  " + to_string(seen_model) +
                                "\n# reference: " + got + "  " + to_string(seen_reference) + "\n"};
  }
  return std::nullopt;
}

std::optional<finding> run_scenario_loader(std::span<const std::uint8_t> bytes) {
  std::string_view const text = as_text(bytes);
  scenarios::load_result const loaded = scenarios::parse_scenario(text, "fuzz-input");
  if (const auto* errors = std::get_if<std::vector<scenarios::load_error>>(&loaded)) {
    if (errors->empty())
      return finding{.target = "scenario_loader",
                     .signature = "bad-error",
                     .message = "the loader failed without an error"};
    for (const scenarios::load_error& e : *errors)
      if ((e.line == 0) != (e.column == 0) || e.message.empty())
        return finding{.target = "scenario_loader",
                       .signature = "bad-error",
                       .message = "malformed error: " + e.to_string()};
    return std::nullopt;
  }
  // A scenario that loads must be written back to text that loads to the same scenario.
  const auto& s = std::get<scenarios::scenario>(loaded);
  std::string const yaml = scenarios::to_yaml(s);
  scenarios::load_result const again = scenarios::parse_scenario(yaml, "fuzz-input.rewritten");
  if (const auto* errors = std::get_if<std::vector<scenarios::load_error>>(&again))
    return finding{.target = "scenario_loader",
                   .signature = "round-trip",
                   .message = "to_yaml wrote text that does not load:\n" + yaml + "\n" +
                              (errors->empty() ? std::string() : errors->front().to_string())};
  return std::nullopt;
}

std::optional<finding> run_replay_token(std::span<const std::uint8_t> bytes) {
  std::string_view const text = as_text(bytes);
  auto const decoded = harness::decode_token(text);
  if (const auto* error = std::get_if<harness::token_error>(&decoded)) {
    if (error->message.empty() || error->offset > text.size())
      return finding{.target = "replay_token",
                     .signature = "bad-error",
                     .message = "malformed error at offset " + std::to_string(error->offset) +
                                ": '" + error->message + "'"};
    return std::nullopt;
  }
  const auto& token = std::get<harness::decoded_token>(decoded);
  std::string const again = harness::encode_token(token.work, token.decisions);
  auto const is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  if (again != text.substr(begin, end - begin))
    return finding{.target = "replay_token",
                   .signature = "not-canonical",
                   .message = "decoded, but re-encodes to " + again};
  return std::nullopt;
}

harness::failure explain(const schedule_target& target, const finding& f) {
  return harness::make_failure(
      f.work, f.decisions, f.signature,
      {.run = target.run,
       .against_reference = target.against_reference,
       .shrink = harness::shrinking::record_and_workload,
       .generated_from = &target.space,
       .command = target.command,
       .replay_flags = target.replay_options.empty() ? "" : " " + target.replay_options});
}

std::string finding_yaml(const schedule_target& target, const finding& f,
                         const harness::failure& minimal) {
  // The YAML carries the generated workload and the run's own decisions only.
  scenarios::scenario const s =
      scenarios::pinned_scenario(file_safe(f.target + "." + f.signature),
                                 "found by the chaosq fuzzer (" + f.target + ")", minimal);
  std::string comment = "Found by fuzz target " + f.target + ": " + f.signature + ".";
  if (!target.replay_options.empty())
    comment +=
        "\nThe bug is in a planted queue, which a scenario cannot name: this file runs the"
        "\nreference queue. Reproduce with: " +
        minimal.reproduce_command() + "\nToken: " + minimal.token;
  return scenarios::to_yaml(s, comment);
}

void report_and_abort(const finding& f, const schedule_target* target) {
  std::string text =
      "==chaosq-fuzz== FINDING in " + f.target + ": " + f.signature + "\n" + f.message + "\n";
  std::optional<harness::failure> minimal;
  if (target) {
    minimal = explain(*target, f);
    text += "==chaosq-fuzz== minimal failure:\n" + harness::failure_text(*minimal);
  }
  text += "SUMMARY: chaosq-fuzz: " + f.target + " " + f.signature + "\n";
  std::fputs(text.c_str(), stderr);
  if (const char* dir = std::getenv("CHAOSQ_FUZZ_FINDINGS"); dir && *dir) {
    std::filesystem::path const where =
        std::filesystem::path(dir) / file_safe(f.target + "." + f.signature);
    std::error_code ec;
    std::filesystem::create_directories(where, ec);
    std::ofstream(where / "finding.txt") << text;
    if (minimal) {
      if (minimal->report.trace)
        std::ofstream(where / "trace.txt") << minimal->report.trace->to_text();
      std::ofstream(where / "token.txt") << minimal->token << "\n";
      std::ofstream(where / "failure.json") << harness::failure_json(*minimal) << "\n";
      std::ofstream(where / "scenario.yaml") << finding_yaml(*target, f, *minimal);
    }
  }
  std::fflush(stderr);
  std::abort();
}

std::optional<schedule_target> registered_target(const harness::registry& registry,
                                                 const registered_options& options,
                                                 std::string* error) {
  harness::workload named;
  named.queue_impl.text = options.queue;
  named.behaviour.text = options.behaviour;
  std::string problem =
      options.queue.empty()
          ? "no queue named: registered_options.queue must name a registered queue"
          : registry.names_problem(named);
  if (!problem.empty()) {
    if (error) *error = std::move(problem);
    return std::nullopt;
  }
  named = registry.with_versions(std::move(named));
  schedule_target t{.name = "registered/" + options.queue,
                    .space = options.space,
                    .run = registry.bind(named),
                    .against_reference = registry.reference_check_of(named),
                    .command = options.command};
  // A thread-based queue draws threads-mode workloads; a thread pool, those a pool runs.
  const harness::registered_queue& q = *registry.find_queue(named.queue_impl.name());
  if (q.make_pool) {
    t.space = harness::pool_space(std::move(t.space));
  } else if (q.mode == harness::run_mode::threads) {
    t.space.base.mode = harness::run_mode::threads;
    t.space.max_cancels = 0;
  }
  t.space.base.queue_impl = named.queue_impl;
  t.space.base.behaviour = named.behaviour;
  if (problem = registry.problem(t.space.base); !problem.empty()) {
    if (error) *error = std::move(problem);
    return std::nullopt;
  }
  return t;
}

int run_registered(const std::uint8_t* data, std::size_t size, const harness::registry& registry,
                   const registered_options& options) {
  static const schedule_target target = [&] {
    std::string error;
    std::optional<schedule_target> t = registered_target(registry, options, &error);
    if (!t) {
      std::fprintf(stderr, "chaosq-fuzz: %s\nSUMMARY: chaosq-fuzz: bad set-up\n", error.c_str());
      std::exit(2);
    }
    return *std::move(t);
  }();
  if (std::optional<finding> const f = run_schedule(target, {data, size}))
    report_and_abort(*f, &target);
  return 0;
}

}  // namespace chaosq::fuzz

#include "chaosq/harness/failure.hpp"

#include <algorithm>
#include <utility>

#include "chaosq/harness/token.hpp"

namespace chaosq::harness {
namespace {

void json_key(std::string& out, std::string_view key) {
  if (out.back() != '{') out += ',';
  json_string(out, key);
  out += ':';
}

void json_field(std::string& out, std::string_view key, std::string_view value) {
  json_key(out, key);
  json_string(out, value);
}

void json_field(std::string& out, std::string_view key, std::uint64_t value) {
  json_key(out, key);
  out += std::to_string(value);
}

void json_field(std::string& out, std::string_view key, bool value) {
  json_key(out, key);
  out += value ? "true" : "false";
}

}  // namespace

std::string failure::reproduce_command() const {
  return token.empty() ? std::string() : command + " replay " + token + replay_flags;
}

failure make_failure(const workload& w, std::span<const std::uint32_t> record,
                     const std::string& signature, const failure_options& options) {
  failure f;
  f.original_work = w;
  f.signature = signature;
  f.command = options.command;
  f.replay_flags = options.replay_flags;
  f.no_token_reason = options.no_token_reason;
  const workload_space* space = options.generated_from;
  // The record's own decisions, without those that generated the workload.
  auto run_part = [space](std::span<const std::uint32_t> r) {
    std::size_t const prefix = space != nullptr ? workload_prefix(*space, r) : 0;
    return trim_record(r.subspan(prefix));
  };
  std::vector<std::uint32_t> const trimmed = trim_record(record);
  f.original_decisions = run_part(trimmed);
  f.original_size = trimmed.size();
  f.work = w;
  f.decisions = f.original_decisions;
  f.minimal_size = f.original_size;
  if (options.shrink != shrinking::none && !signature.empty()) {
    shrink_options const shrinking_options{
        .max_runs = options.shrink_runs,
        .shrink_workload = options.shrink == shrinking::record_and_workload,
        .out_of_time = options.out_of_time,
        .run = options.run,
        .against_reference = options.against_reference};
    shrink_result m = space != nullptr
                          ? shrink_generated(*space, trimmed, signature, shrinking_options)
                          : shrink(w, trimmed, signature, shrinking_options);
    f.shrunk = true;
    f.work = std::move(m.work);
    f.decisions = run_part(m.decisions);
    f.original_size = m.original_size;
    f.minimal_size = m.minimal_size;
    f.shrink_runs = m.runs;
    f.stopped_early = m.stopped_early;
  }
  run_options traced = options.run;
  traced.trace = true;
  traced.explain = true;
  f.report = replay(f.work, f.decisions, traced);
  deviations const d = count_deviations(f.work, f.report);
  f.preemptions = d.preemptions;
  f.drawn_faults = d.drawn_faults;
  if (f.report.violation) f.unacknowledged = f.report.violation->items;
  // A long run (two tasks spinning through a big step budget) can record more decisions than a
  // token may hold: say so rather than write a token that would not decode.
  if (std::size_t const longest = std::max(f.decisions.size(), f.original_decisions.size());
      f.no_token_reason.empty() && longest > token_limits::decisions) {
    f.no_token_reason = "the run's record has " + std::to_string(longest) +
                        " decisions, more than a token holds (" +
                        std::to_string(token_limits::decisions) +
                        "); a smaller --step-budget finds a shorter run";
  }
  if (f.no_token_reason.empty()) {
    f.token = encode_token(f.work, f.decisions);
    f.original_token = encode_token(w, f.original_decisions);
  }
  return f;
}

std::string to_string(const item_account& item) {
  std::string out = "i" + std::to_string(item.id) + " (put by " + item.put_by + " at step " +
                    std::to_string(item.put_step);
  if (item.got_by.empty()) return out + ", never got)";
  out += ", got by " + item.got_by + " at step " + std::to_string(item.got_step);
  if (!item.holder_fault.empty())
    out += ", held by " + item.got_by + " when it ended: " + item.holder_fault + " at step " +
           std::to_string(item.fault_step);
  return out + ")";
}

std::string failure_text(const failure& f) {
  std::string out;
  if (const verdict* v = f.violation())
    out += "VIOLATION " + v->signature() + "\n  " + v->message + "\n\n";
  if (!(f.work == f.original_work)) {
    out += "minimal workload: " + describe(f.work) + "\n  (found on: " + describe(f.original_work) +
           ")\n";
  }
  out += f.shrunk ? "minimal trace: " : "trace: ";
  out +=
      std::to_string(f.report.steps) + " steps, " + std::to_string(f.minimal_size) + " decisions";
  if (f.shrunk)
    out += " (shrunk from " + std::to_string(f.original_size) + " in " +
           std::to_string(f.shrink_runs) + " runs" +
           (f.stopped_early ? ", stopped early: smaller may exist" : "") + ")";
  out += ", " + std::to_string(f.preemptions) + " preemption(s), " +
         std::to_string(f.drawn_faults) + " drawn fault(s); '>' marks the steps that matter:\n";
  if (f.report.trace) out += f.report.trace->to_text();
  if (!f.unacknowledged.empty()) {
    out += "unacknowledged:";
    for (const item_account& item : f.unacknowledged) out += "\n  " + to_string(item);
    out += "\n";
  }
  if (!f.no_token_reason.empty()) return out + "no replay token: " + f.no_token_reason + "\n";
  if (f.shrunk) {
    out += "token (minimal):  " + f.token + "\n";
    out += "token (original): " + f.original_token + "\n";
  } else {
    out += "token: " + f.token + "\n";
  }
  return out + "reproduce: " + f.reproduce_command() + "\n";
}

std::string failure_json(const failure& f) {
  std::string out = "{";
  if (const verdict* v = f.violation()) {
    json_field(out, "signature", v->signature());
    json_field(out, "oracle", name_of(v->oracle()));
    json_field(out, "kind", info(v->kind).name);
    json_field(out, "message", v->message);
    json_key(out, "marked_steps");
    out += '[';
    for (std::size_t i = 0; i < v->marked_steps.size(); ++i)
      out += (i == 0 ? "" : ",") + std::to_string(v->marked_steps[i]);
    out += ']';
  }
  if (f.no_token_reason.empty()) {
    json_field(out, "token", f.token);
    json_field(out, "reproduce", f.reproduce_command());
    json_field(out, "original_token", f.original_token);
  } else {
    json_field(out, "no_token_reason", f.no_token_reason);
  }
  json_field(out, "workload", describe(f.work));
  json_field(out, "steps", f.report.steps);
  json_key(out, "decisions");
  out += '[';
  for (std::size_t i = 0; i < f.decisions.size(); ++i)
    out += (i == 0 ? "" : ",") + std::to_string(f.decisions[i]);
  out += ']';
  json_key(out, "shrink");
  out += '{';
  json_field(out, "shrunk", f.shrunk);
  json_field(out, "original_decisions", std::uint64_t{f.original_size});
  json_field(out, "minimal_decisions", std::uint64_t{f.minimal_size});
  json_field(out, "runs", f.shrink_runs);
  json_field(out, "stopped_early", f.stopped_early);
  json_field(out, "preemptions", std::uint64_t{f.preemptions});
  json_field(out, "drawn_faults", std::uint64_t{f.drawn_faults});
  out += '}';
  json_key(out, "unacknowledged");
  out += '[';
  for (const item_account& item : f.unacknowledged) {
    if (out.back() != '[') out += ',';
    out += '{';
    json_field(out, "id", std::uint64_t{item.id});
    json_field(out, "put_by", item.put_by);
    json_field(out, "put_step", item.put_step);
    if (!item.got_by.empty()) {
      json_field(out, "got_by", item.got_by);
      json_field(out, "got_step", item.got_step);
    }
    if (!item.holder_fault.empty()) {
      json_field(out, "holder_fault", item.holder_fault);
      json_field(out, "fault_step", item.fault_step);
    }
    json_field(out, "text", to_string(item));
    out += '}';
  }
  out += ']';
  json_key(out, "trace");
  out += f.report.trace ? f.report.trace->to_json() : std::string("[]");
  if (f.report.trace && f.report.trace->omitted != 0) {
    // The trace keeps the first and the last events of a long run: where and how many not.
    const trace& t = *f.report.trace;
    json_key(out, "trace_omitted");
    out += '{';
    json_field(out, "events", t.omitted);
    json_field(out, "before_index", std::uint64_t{t.gap});
    json_field(out, "first_step", t.first_omitted_step);
    json_field(out, "last_step", t.last_omitted_step);
    json_field(out, "text", t.omission());
    out += '}';
  }
  out += '}';
  return out;
}

}  // namespace chaosq::harness

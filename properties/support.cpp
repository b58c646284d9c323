#include "chaosq/properties/support.hpp"

#include <algorithm>
#include <array>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "chaosq/harness/token.hpp"

namespace rc::detail {
// RapidCheck's global listener (declared in src/detail/DefaultTestListener.h of the snapshot
// Debian ships, upstream 08b5058, and defined in its static library): it collects
// failures for the reproduce string printed at exit. Not in an installed header; declared here
// so that properties driven through `run_property` behave like RC_GTEST_PROP.
TestListener& globalTestListener();
}  // namespace rc::detail

namespace chaosq::properties {
namespace {

using harness::generated_run;
using harness::trace_event;

std::string& program_path() {
  static std::string path = "chaosq_properties_test";
  return path;
}

std::string current_test_filter() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "*";
  return std::string(info->test_suite_name()) + "." + info->name();
}

/// The acknowledgement ledger rebuilt from the trace alone, independently of the engine's.
class trace_ledger {
 public:
  explicit trace_ledger(const generated_run& g) : work_(g.work) {}

  /// Feeds one event; returns why the join contract is broken at it, if it is.
  std::optional<std::string> feed(const trace_event& e) {
    if (e.task == "engine") {
      if (e.operation == "shutdown-immediate") {
        drained_.insert(stored_.begin(), stored_.end());
        stored_.clear();
        note_count();
      }
      return std::nullopt;
    }
    char const role = e.task.front();
    if (role == 'c') track_consumer(e);
    if (e.operation == "put" && e.outcome == "ok") {
      put_.insert(e.item);
      stored_.insert(e.item);
      note_count();
    } else if (e.operation == "get" && e.outcome == "ok") {
      got_.insert(e.item);
      stored_.erase(e.item);
      in_progress_[e.item] = e.task;
    } else if (e.operation == "process" && e.outcome == "done") {
      in_progress_.erase(e.item);
    } else if (e.outcome == "struck" && role == 'c') {
      std::erase_if(in_progress_, [&](const auto& entry) { return entry.second == e.task; });
    } else if (e.operation == "ack" && e.outcome == "ok") {
      acked_.insert(e.item);
      note_count();
    } else if (e.operation == "join") {
      return feed_join(e);
    }
    if (e.outcome == "struck" && role == 'j' && e.operation == "cancel")
      cancelled_joiners_.insert(e.task);
    return std::nullopt;
  }

  /// Joiners that neither returned nor were cancelled by a fault.
  [[nodiscard]] std::vector<std::string> joiners_not_done() const {
    std::vector<std::string> out;
    for (std::uint32_t j = 0; j < work_.joiners; ++j) {
      std::string const name = "j" + std::to_string(j);
      if (!returned_.contains(name) && !cancelled_joiners_.contains(name)) out.push_back(name);
    }
    return out;
  }

  /// Every consumer the trace shows has ended: by a fault (possibly followed by its
  /// acknowledgement in `finally`), or by QueueShutDown.
  [[nodiscard]] bool no_consumer_left() const {
    return !consumers_.empty() && std::all_of(consumers_.begin(), consumers_.end(),
                                              [](const auto& c) { return c.second.ended; });
  }

  /// Every item taken was acknowledged.
  [[nodiscard]] bool every_taken_item_acked() const {
    return std::includes(acked_.begin(), acked_.end(), got_.begin(), got_.end());
  }

 private:
  struct consumer_state {
    bool ended = false;
    bool struck = false;
  };

  void track_consumer(const trace_event& e) {
    consumer_state& c = consumers_[e.task];
    if (e.outcome == "struck") {
      c.struck = c.ended = true;
    } else if (e.operation == "get" && e.outcome == "QueueShutDown") {
      c.ended = true;
    } else if (e.operation == "ack" && c.struck) {
      // the acknowledgement in `finally` on the way out: still ended
    } else {
      c.ended = c.struck = false;  // it went on (a policy that retries after a crash)
    }
  }

  [[nodiscard]] bool nothing_outstanding() const {
    return std::all_of(put_.begin(), put_.end(), [&](std::int64_t id) {
      return acked_.contains(id) || drained_.contains(id);
    });
  }

  void note_count() {
    bool const zero = nothing_outstanding();
    if (zero && !was_zero_) ++zeros_;
    was_zero_ = zero;
  }

  std::optional<std::string> still_processing_acked(const trace_event& e) const {
    for (const auto& [item, consumer] : in_progress_) {
      if (acked_.contains(item)) {
        return e.task + "'s join returned at step " + std::to_string(e.step) + " while " +
               consumer + " was still processing i" + std::to_string(item) +
               ", already acknowledged (from the trace)";
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> feed_join(const trace_event& e) {
    if (e.outcome.rfind("waiting", 0) == 0) {
      waiting_since_[e.task] = zeros_;
      return std::nullopt;
    }
    if (e.outcome == "returns at once") {
      if (!nothing_outstanding()) {
        return e.task + "'s join returned at once at step " + std::to_string(e.step) +
               " with items unacknowledged (from the trace)";
      }
      return still_processing_acked(e);
    }
    if (e.outcome != "returned") return std::nullopt;
    returned_.insert(e.task);
    auto since = waiting_since_.find(e.task);
    if (since != waiting_since_.end() && zeros_ == since->second) {
      return e.task + "'s join returned at step " + std::to_string(e.step) +
             " although not every item put was acknowledged or drained at any moment since it "
             "began waiting (from the trace)";
    }
    return still_processing_acked(e);
  }

  harness::workload work_;
  std::set<std::int64_t> put_, got_, acked_, drained_, stored_;
  std::map<std::int64_t, std::string> in_progress_;  // item -> consumer processing it
  std::map<std::string, consumer_state> consumers_;
  std::map<std::string, std::size_t> waiting_since_;  // joiner -> zeros_ when it began waiting
  std::set<std::string> returned_, cancelled_joiners_;
  std::size_t zeros_ = 0;
  bool was_zero_ = true;
};

/// Tells the sink which evaluated cases RapidCheck kept as its counterexample, and passes every
/// event on to `forward` (RapidCheck's global listener) when given.
class sink_listener final : public rc::detail::TestListener {
 public:
  sink_listener(failure_sink& sink, rc::detail::TestListener* forward)
      : sink_(sink), forward_(forward) {}

  void onTestCaseFinished(const rc::detail::CaseDescription& description) override {
    sink_.case_finished(description.result.type == rc::detail::CaseResult::Type::Failure);
    if (forward_ != nullptr) forward_->onTestCaseFinished(description);
  }
  void onShrinkTried(const rc::detail::CaseDescription& shrink, bool accepted) override {
    sink_.case_finished(accepted);
    if (forward_ != nullptr) forward_->onShrinkTried(shrink, accepted);
  }
  void onTestFinished(const rc::detail::TestMetadata& metadata,
                      const rc::detail::TestResult& result) override {
    if (forward_ != nullptr) forward_->onTestFinished(metadata, result);
  }

 private:
  failure_sink& sink_;
  rc::detail::TestListener* forward_;
};

/// A verdict a run may end with, through no fault of the queue or the consumers, once faults
/// have ended every consumer (see `judge_join_contract`).
bool excusable(harness::verdict_kind kind) {
  return std::find(harness::out_of_consumers.begin(), harness::out_of_consumers.end(), kind) !=
         harness::out_of_consumers.end();
}

/// Faults and shutdowns the run drew: strike decisions that took the striking value.
bool drew_faults(const harness::run_report& r, const harness::workload& w) {
  return harness::count_deviations(w, r).drawn_faults > 0;
}

/// The join contract judged on a traced run.
contract_verdict judge_traced(const generated_run& g) {
  contract_verdict out;
  out.signature = signature_of(g.report);
  out.faults_struck = drew_faults(g.report, g.work);
  trace_ledger ledger(g);
  std::optional<std::string> from_trace;
  for (const trace_event& e : g.report.trace->events) {
    if (auto problem = ledger.feed(e); problem && !from_trace) from_trace = problem;
  }
  if (g.report.violation) {
    if (excusable(g.report.violation->kind) && ledger.no_consumer_left() &&
        ledger.every_taken_item_acked()) {
      out.excused = true;
    } else {
      out.broken = out.signature + ": " + g.report.violation->message;
    }
  } else if (from_trace) {
    out.broken = *from_trace;
  } else if (auto left = ledger.joiners_not_done(); !left.empty()) {
    out.broken = left.front() + "'s join never returned, and no oracle said why";
  }
  return out;
}

/// The engine's default space with a step budget that fits these workloads: the longest run
/// that ends on its own was 86 steps over 20,000 random records, and a record can starve a
/// task for at most one step per decision (2 x max_size of them). A livelock costs a full
/// budget of steps, and under ASan every spin of a put_nowait loop throws, so the engine's
/// default of 20,000 made shrinking livelocks the bulk of the suite's time.
harness::workload_space base_space() {
  harness::workload_space space;
  space.step_budget = 2'000;
  return space;
}

}  // namespace

harness::workload_space only(harness::ack_policy policy, harness::run_mode mode) {
  harness::workload_space space = base_space();
  space.policies = {policy};
  space.base.mode = mode;
  return space;
}

harness::workload_space every_policy() {
  harness::workload_space space = leaky_policies();
  space.policies.insert(space.policies.begin(), harness::ack_policy::finally);
  return space;
}

harness::workload_space leaky_policies() {
  harness::workload_space space = base_space();
  space.policies = {harness::ack_policy::on_success, harness::ack_policy::before_work,
                    harness::ack_policy::twice, harness::ack_policy::never};
  return space;
}

rc::Gen<std::vector<std::uint32_t>> decision_records() {
  // inRange scales its range with the size; resized to the maximum, every value is in reach at
  // every size (7, the striking value, would otherwise appear only at the largest sizes).
  auto const value = rc::gen::resize(100, rc::gen::inRange<std::uint32_t>(0, 8));
  return rc::gen::scale(2.0, rc::gen::container<std::vector<std::uint32_t>>(value));
}

split_record split_generated(const harness::workload_space& space,
                             std::span<const std::uint32_t> record) {
  sim::replay_decisions source(record);
  split_record out;
  out.work = harness::generate_workload(source, space);
  out.run.assign(
      record.begin() + static_cast<std::ptrdiff_t>(harness::workload_prefix(space, record)),
      record.end());
  return out;
}

std::string token_of(const harness::workload_space& space, std::span<const std::uint32_t> record) {
  split_record const s = split_generated(space, record);
  return harness::encode_token(s.work, harness::trim_record(s.run));
}

std::string signature_of(const harness::run_report& r) {
  return r.violation ? r.violation->signature() : "pass";
}

contract_verdict judge_join_contract(const harness::workload_space& space,
                                     std::span<const std::uint32_t> record,
                                     const harness::run_options& options) {
  generated_run const fast = harness::replay_generated(space, record, options);
  std::string const signature = signature_of(fast.report);
  if (fast.report.violation && !excusable(fast.report.violation->kind)) {
    return {signature + ": " + fast.report.violation->message, signature, false,
            drew_faults(fast.report, fast.work)};
  }
  harness::run_options traced = options;
  traced.trace = true;
  return judge_traced(harness::replay_generated(space, record, traced));
}

bool failure_sink::report(property_failure f) {
  if (announce_ && !announced_) {
    announced_ = true;
    // Printed now, before RapidCheck shrinks: if the process dies while shrinking, this is what
    // reproduces the failure.
    std::string const token = token_of(space_, f.record);
    std::cerr << "chaosq: " << current_test_filter() << " failed (before shrinking): " << f.reason
              << "\n  token: " << token << "\n  reproduce: " << command_ << " replay " << token
              << "\n  rerun this property: " << rerun_command() << std::endl;
  }
  pending_ = std::move(f);
  return false;
}

void failure_sink::case_finished(bool accepted_failure) {
  if (accepted_failure) accepted_ = std::move(pending_);
  pending_.reset();
}

bool failure_sink::keeps(const std::vector<std::uint32_t>& record, const contract_verdict& v) {
  if (!v.broken) return true;
  return report({record, v.signature == "pass" ? std::string() : v.signature, *v.broken});
}

bool blames_code_under_test(const failure_sink& sink, std::span<const std::uint32_t> record,
                            const contract_verdict& v) {
  split_record const s = split_generated(sink.space(), record);
  return harness::blames_code_under_test(s.work, s.run, v.signature, sink.options(),
                                         sink.against_reference());
}

harness::failure engine_failure(const failure_sink& sink, const property_failure& f) {
  // A space that names the code under test draws workloads whose tokens name it: they replay in
  // the command that has it. Otherwise a token runs chaosq's own code.
  bool const named = !sink.space().base.queue_impl.empty() || !sink.space().base.behaviour.empty();
  bool const custom = !named && (sink.options().make_queue || sink.options().consumer);
  return harness::make_failure(
      split_generated(sink.space(), f.record).work, f.record, f.signature,
      {.run = sink.options(),
       .against_reference = sink.against_reference(),
       .shrink = harness::shrinking::record_and_workload,
       .generated_from = &sink.space(),
       .command = sink.command(),
       .replay_flags = custom ? "  (runs the reference queue and built-in consumers: replay the "
                                "token with the same run_options to run the queue or consumer "
                                "under test)"
                              : ""});
}

std::string failure_report(const property_failure& f, const harness::failure& minimal) {
  std::string out = "chaosq: " + f.reason + "\n  workload: " + describe(minimal.work) + "\n";
  std::string const text = harness::failure_text(minimal);
  std::size_t start = 0;
  while (start < text.size()) {  // indented under the property's line
    std::size_t const end = text.find('\n', start);
    out += "  " + text.substr(start, end - start + 1);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out + "  rerun this property: " + rerun_command() + "\n";
}

std::string current_test_id() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "?";
  return std::string(info->test_suite_name()) + "/" + info->name();
}

rc::detail::TestResult run_property(const std::string& id, const rc::detail::Property& property,
                                    const rc::detail::TestParams& params, failure_sink& sink,
                                    expectation expected) {
  rc::detail::TestMetadata metadata;
  metadata.id = id;
  metadata.description = id;
  sink.set_announce(expected == expectation::holds);
  sink_listener listener(
      sink, expected == expectation::holds ? &rc::detail::globalTestListener() : nullptr);
  // With RapidCheck's `reproduce` map, so that RC_PARAMS="reproduce=..." works as usual.
  return rc::detail::checkProperty(property, metadata, params, listener,
                                   rc::detail::configuration().reproduce);
}

void check_workload_property(failure_sink& sink, const rc::detail::Property& property) {
  auto const result =
      run_property(current_test_id(), property, rc::detail::configuration().testParams, sink,
                   expectation::holds);
  std::ostringstream message;
  rc::detail::printResultMessage(result, message);
  if (result.template is<rc::detail::SuccessResult>()) {
    const auto& success = result.template get<rc::detail::SuccessResult>();
    if (!success.distribution.empty()) std::cout << message.str() << std::endl;
    return;
  }
  if (sink.counterexample())
    message << "\n\n"
            << failure_report(*sink.counterexample(), engine_failure(sink, *sink.counterexample()));
  FAIL() << message.str();
}

std::string rerun_command() {
  return "RC_PARAMS=\"seed=" + std::to_string(rc::detail::configuration().testParams.seed) +
         " max_success=" + std::to_string(rc::detail::configuration().testParams.maxSuccess) +
         "\" " + program_path() + " --gtest_filter=" + current_test_filter();
}

void set_program_path(std::string path) { program_path() = std::move(path); }

}  // namespace chaosq::properties

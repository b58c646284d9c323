// Model-based test of the reference queue (RapidCheck's rc::state): random programs of queue
// operations, task creation, loop steps, cancellations and shutdowns run on the pure model
// (conformance::queue_model) and on the real reference (basic_queue<int> on a sim::loop, through
// conformance::reference_run); after every command the results and everything observable must
// agree. One test per queue kind.
//
// A failing command sequence is printed in conformance's program format: with a `queue K M`
// line in front it replays against CPython (`chaosq_differential --replay FILE`).

#include "chaosq/conformance/queue_model.hpp"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include "chaosq/conformance/reference.hpp"
#include "chaosq/properties/support.hpp"

namespace chaosq::properties {
namespace {

using conformance::model_coverage;
using conformance::op_code;
using conformance::operation;
using conformance::queue_model;
using conformance::task_phase;

/// The system under test: the real reference queue, and the program run on it so far.
struct real_queue {
  real_queue(queue::queue_kind kind, std::int64_t maxsize)
      : ref(kind, maxsize), program(to_string(conformance::program{kind, maxsize, {}})) {}
  conformance::reference_run ref;
  std::string program;
};

/// Prints the first diverging program of the current test at once, before RapidCheck shrinks
/// it (a crash while shrinking would lose RapidCheck's own report).
void announce_divergence(const real_queue& real, const std::string& what) {
  static std::string announced_for;
  if (announced_for == current_test_id()) return;
  announced_for = current_test_id();
  std::cerr << "chaosq: the model and the reference queue disagree (before shrinking): " << what
            << "\n  program (conformance format; replay against CPython with "
               "chaosq_differential --replay FILE):\n"
            << real.program << std::flush;
}

class queue_command final : public rc::state::Command<queue_model, real_queue> {
 public:
  explicit queue_command(operation op) : op_(op) {}

  void checkPreconditions(const queue_model& m) const override {
    if (op_.code == op_code::cancel) RC_PRE(static_cast<std::size_t>(op_.arg) < m.task_count());
  }

  void apply(queue_model& m) const override { static_cast<void>(m.apply(op_)); }

  void run(const queue_model& m, real_queue& real) const override {
    queue_model expected = m;
    std::string const model_result = expected.apply(op_);
    std::string const real_result = real.ref.apply(op_);
    real.program += to_string(op_) + "\n";
    std::string const model_state = to_string(expected.observe());
    std::string const real_state = to_string(real.ref.observe());
    if (real_result != model_result || real_state != model_state) {
      announce_divergence(real, to_string(op_) + " -> " + real_result + " | " + real_state +
                                    " (model: " + model_result + " | " + model_state + ")");
    }
    RC_ASSERT(real_result == model_result);
    RC_ASSERT(real_state == model_state);
  }

  void show(std::ostream& os) const override { os << to_string(op_); }

 private:
  operation op_;
};

using command_ptr = std::shared_ptr<const rc::state::Command<queue_model, real_queue>>;

rc::Gen<operation> with_value(op_code code) {
  return rc::gen::map(rc::gen::inRange<std::int64_t>(0, 6), [code](std::int64_t v) {
    return operation{code, v};
  });
}

rc::Gen<operation> just(op_code code) { return rc::gen::just(operation{code, 0}); }

/// Cancels aim mostly at tasks that wait or were just woken: the interesting cases.
rc::Gen<operation> cancel_of(const queue_model& m) {
  auto target = [](std::int64_t k) { return operation{op_code::cancel, k}; };
  if (m.task_count() == 0) return just(op_code::step);  // weight 0: never drawn
  std::vector<std::int64_t> in_line;
  for (std::size_t k = 0; k < m.task_count(); ++k) {
    task_phase const p = m.phase(k);
    if (p == task_phase::waiting || p == task_phase::woken)
      in_line.push_back(static_cast<std::int64_t>(k));
  }
  auto any = rc::gen::map(
      rc::gen::inRange<std::int64_t>(0, static_cast<std::int64_t>(m.task_count())), target);
  if (in_line.empty()) return any;
  return rc::gen::weightedOneOf<operation>(
      {{4, rc::gen::map(rc::gen::elementOf(in_line), target)}, {1, any}});
}

/// The next command for model state `m`, weighted by the state as conformance's generator
/// aims its programs: steps mostly when a task is ready, task_done mostly when something is
/// unfinished, cancels mostly at tasks in a line.
rc::Gen<command_ptr> next_command(const queue_model& m, bool shutdowns) {
  using c = op_code;
  conformance::queue_observation const o = m.observe();
  bool const in_line = std::any_of(o.phases.begin(), o.phases.end(), [](task_phase p) {
    return p == task_phase::waiting || p == task_phase::woken;
  });
  std::size_t const cancel_weight = in_line ? 4 : (m.task_count() > 0 ? 1 : 0);
  std::size_t const task_done_weight = o.unfinished > 0 ? 3 : 1;
  std::size_t const step_weight = o.ready > 0 ? 12 : 1;
  std::size_t const shutdown_weight = shutdowns ? 1 : 0;
  return rc::gen::map(
      rc::gen::weightedOneOf<operation>({{3, just(c::spawn_get)},
                                         {3, with_value(c::spawn_put)},
                                         {2, just(c::spawn_join)},
                                         {3, with_value(c::put_nowait)},
                                         {1, just(c::get_nowait)},
                                         {task_done_weight, just(c::task_done)},
                                         {cancel_weight, cancel_of(m)},
                                         {shutdown_weight, just(c::shutdown)},
                                         {shutdown_weight, just(c::shutdown_immediate)},
                                         {step_weight, just(c::step)}}),
      [](operation op) -> command_ptr { return std::make_shared<const queue_command>(op); });
}

void add(model_coverage& total, const model_coverage& c) {
  total.cancels_unstarted += c.cancels_unstarted;
  total.cancels_waiting += c.cancels_waiting;
  total.cancels_woken += c.cancels_woken;
  total.wake_passed_on += c.wake_passed_on;
  total.rewaits += c.rewaits;
  total.join_quirks += c.join_quirks;
  total.shutdown_wakeups += c.shutdown_wakeups;
  total.value_errors += c.value_errors;
}

/// The property: for a queue of `kind`, the model and the reference agree on every command of a
/// generated program. Adds what each program reached to `*reached`.
void model_agrees_with_reference(queue::queue_kind kind, model_coverage* reached) {
  std::int64_t const maxsize = *rc::gen::element<std::int64_t>(0, 1, 2, 3, -1);
  bool const shutdowns = *rc::gen::element(false, true);
  queue_model const initial(kind, maxsize);
  auto const commands = *rc::state::gen::commands(
      initial, [shutdowns](const queue_model& m) { return next_command(m, shutdowns); });
  real_queue real(kind, maxsize);
  rc::state::runAll(commands, initial, real);

  queue_model after = initial;
  rc::state::applyAll(commands, after);
  const model_coverage& c = after.coverage();
  RC_CLASSIFY(c.cancels_woken > 0, "cancel of a woken task");
  RC_CLASSIFY(c.wake_passed_on > 0, "wake-up passed on");
  RC_CLASSIFY(c.join_quirks > 0, "join returned above zero");
  RC_CLASSIFY(after.observe().shut_down, "shut down");
  add(*reached, c);
}

/// Runs the property for `kind` as the current test; with a budget of at least 100 programs,
/// also checks that the programs reached every interleaving worth reaching.
void check_kind(queue::queue_kind kind) {
  model_coverage reached;
  rc::detail::checkGTest([kind, &reached] { model_agrees_with_reference(kind, &reached); });
  if (::testing::Test::HasFailure()) return;
  std::cout << "reached (all programs, shrinks included): cancels of unstarted tasks "
            << reached.cancels_unstarted << ", of waiting tasks " << reached.cancels_waiting
            << ", of woken tasks " << reached.cancels_woken << "; wake-ups passed on "
            << reached.wake_passed_on << "; re-waits " << reached.rewaits
            << "; joins returning above zero " << reached.join_quirks << "; shutdown wake-ups "
            << reached.shutdown_wakeups << "; ValueErrors " << reached.value_errors << "\n";
  if (rc::detail::configuration().testParams.maxSuccess < 100) return;  // too few to expect all
  EXPECT_GT(reached.cancels_unstarted, 0U);
  EXPECT_GT(reached.cancels_waiting, 0U);
  EXPECT_GT(reached.cancels_woken, 0U);
  EXPECT_GT(reached.wake_passed_on, 0U);
  EXPECT_GT(reached.rewaits, 0U);
  EXPECT_GT(reached.join_quirks, 0U);
  EXPECT_GT(reached.shutdown_wakeups, 0U);
  EXPECT_GT(reached.value_errors, 0U);
}

TEST(queue_model, fifo_queue_agrees_with_the_reference_on_every_command) {
  check_kind(queue::queue_kind::fifo);
}

TEST(queue_model, lifo_queue_agrees_with_the_reference_on_every_command) {
  check_kind(queue::queue_kind::lifo);
}

TEST(queue_model, priority_queue_agrees_with_the_reference_on_every_command) {
  check_kind(queue::queue_kind::priority);
}

}  // namespace
}  // namespace chaosq::properties

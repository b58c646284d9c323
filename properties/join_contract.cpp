#include "chaosq/properties/join_contract.hpp"

#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include "chaosq/properties/support.hpp"

namespace chaosq::properties {

join_contract_result check_join_contract(const harness::registry& registry,
                                         std::string_view queue_name,
                                         std::string_view behaviour_name,
                                         join_contract_options options) {
  join_contract_result out;
  harness::workload named;
  named.queue_impl.text = std::string(queue_name);
  named.behaviour.text = std::string(behaviour_name);
  if (queue_name.empty()) {
    out.error = "check_join_contract: no queue named (give a registered queue's name)";
    return out;
  }
  if (std::string problem = registry.problem(named); !problem.empty()) {
    out.error = "check_join_contract: " + problem;
    return out;
  }
  if (options.max_success <= 0 || options.max_size <= 0) {
    out.error = "check_join_contract: max_success and max_size must be positive";
    return out;
  }
  named = registry.with_versions(std::move(named));
  options.space.base.queue_impl = named.queue_impl;
  options.space.base.behaviour = named.behaviour;

  failure_sink sink(options.space, registry.bind(named), registry.reference_check_of(named));
  sink.set_command(options.command);
  rc::detail::Property const property = rc::detail::toProperty([&sink] {
    std::vector<std::uint32_t> const record = *decision_records();
    contract_verdict const v = judge_join_contract(sink.space(), record, sink.options());
    // A broken contract the reference queue breaks too is the workload's, not the queue's.
    if (v.broken && !blames_code_under_test(sink, record, v)) return;
    RC_ASSERT(sink.keeps(record, v));
  });
  rc::detail::TestParams params;
  params.seed = options.seed;
  params.maxSuccess = options.max_success;
  params.maxSize = options.max_size;
  params.disableShrinking = false;
  auto const result = run_property("check_join_contract/" + std::string(queue_name), property,
                                   params, sink, expectation::fails);
  if (result.template is<rc::detail::SuccessResult>()) {
    out.cases = result.template get<rc::detail::SuccessResult>().numSuccess;
    return out;
  }
  if (result.template is<rc::detail::FailureResult>()) {
    const auto& failed = result.template get<rc::detail::FailureResult>();
    out.cases = failed.numSuccess + 1;
    if (sink.counterexample()) {
      out.counterexample = engine_failure(sink, *sink.counterexample());
      // failure_report's rerun line is for chaosq's own property binary; the seed reruns this.
      out.report = "chaosq: the join contract is broken: " + sink.counterexample()->reason +
                   "\n  found with seed " + std::to_string(options.seed) + " after " +
                   std::to_string(out.cases) +
                   " cases; workload: " + harness::describe(out.counterexample->work) + "\n" +
                   harness::failure_text(*out.counterexample);
      return out;
    }
    out.error =
        "check_join_contract: the property failed without a counterexample: " + failed.description;
    return out;
  }
  out.error = "check_join_contract: RapidCheck gave up (too many discarded cases)";
  return out;
}

}  // namespace chaosq::properties

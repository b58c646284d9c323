#include "chaosq/harness/blame.hpp"

namespace chaosq::harness {

reference_outcome run_reference(const workload& w, std::span<const std::uint32_t> decisions,
                                const std::string& signature, const run_options& options) {
  run_options reference = options;
  reference.make_pool = nullptr;
  reference.make_queue = nullptr;  // the engine's own reference queue; the consumers stay
  reference.trace = false;
  reference.explain = false;
  run_report const model = replay(w, decisions, reference);
  if (!model.violation) return reference_outcome::passes;
  return model.violation->signature() == signature ? reference_outcome::fails_alike
                                                   : reference_outcome::fails_other;
}

bool blames_code_under_test(const workload& w, std::span<const std::uint32_t> decisions,
                            const std::string& signature, const run_options& options,
                            reference_check check) {
  if (check == reference_check::off || !options.make_queue) return true;
  switch (run_reference(w, decisions, signature, options)) {
    case reference_outcome::passes:
      return true;
    case reference_outcome::fails_other:
      return check == reference_check::differs;
    case reference_outcome::fails_alike:
      return false;
  }
  return false;
}

}  // namespace chaosq::harness

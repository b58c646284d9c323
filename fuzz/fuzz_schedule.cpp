/// `schedule`: bytes -> generated workload + faults + schedule (one decision per byte), the
/// reference queue, every consumer acknowledging in `finally`. Any oracle violation is a finding.

#include <cstddef>
#include <cstdint>
#include <span>

#include "chaosq/fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> const bytes(data, size);
  if (auto f = chaosq::fuzz::run_schedule(chaosq::fuzz::correct_target(), bytes))
    chaosq::fuzz::report_and_abort(*f, &chaosq::fuzz::correct_target());
  return 0;
}

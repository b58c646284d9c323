/// `schedule_threads`: the `schedule` target's bytes and contract in threads mode — generated
/// workload + faults + schedule (one decision per byte) on controlled threads and the reference
/// queue.Queue, every consumer acknowledging in `finally`. Any oracle violation is a finding.

#include <cstddef>
#include <cstdint>
#include <span>

#include "chaosq/fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> const bytes(data, size);
  if (auto f = chaosq::fuzz::run_schedule(chaosq::fuzz::threads_target(), bytes))
    chaosq::fuzz::report_and_abort(*f, &chaosq::fuzz::threads_target());
  return 0;
}

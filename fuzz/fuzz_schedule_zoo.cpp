/// `schedule_zoo`: byte 0 picks a planted bug or a buggy ack policy (chaosq::fuzz::zoo_entries),
/// the rest are decisions as in `schedule`. Findings are expected: the proof that the fuzzer
/// finds each bug. A violation counts only if the reference does not fail the same way.

#include <cstddef>
#include <cstdint>
#include <span>

#include "chaosq/fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> const bytes(data, size);
  if (auto f = chaosq::fuzz::run_schedule_zoo(bytes)) {
    auto const target = chaosq::fuzz::zoo_target(
        chaosq::fuzz::zoo_entries()[bytes[0] % chaosq::fuzz::zoo_entries().size()]);
    chaosq::fuzz::report_and_abort(*f, &target);
  }
  return 0;
}

/// `queue_model`: bytes -> a program of queue operations, run on the pure model and on the
/// reference queue side by side; any divergence is a finding.

#include <cstddef>
#include <cstdint>
#include <span>

#include "chaosq/fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> const bytes(data, size);
  if (auto f = chaosq::fuzz::run_queue_model(bytes)) chaosq::fuzz::report_and_abort(*f, nullptr);
  return 0;
}

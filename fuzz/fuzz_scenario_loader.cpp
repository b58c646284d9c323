/// `scenario_loader`: arbitrary bytes into the YAML loader; only clean errors allowed.

#include <cstddef>
#include <cstdint>
#include <span>

#include "chaosq/fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> const bytes(data, size);
  if (auto f = chaosq::fuzz::run_scenario_loader(bytes))
    chaosq::fuzz::report_and_abort(*f, nullptr);
  return 0;
}

/// `schedule_zoo`: byte 0 picks a planted bug or a buggy ack policy (chaosq::fuzz::zoo_entries),
/// the rest are decisions as in `schedule`. Findings are expected: the proof that the fuzzer
/// finds each bug. A planted bug's violation counts only where the reference passes the same
/// decisions (harness::blames_code_under_test with harness::reference_check_for(bug)).
///
/// CHAOSQ_FUZZ_ZOO_ENTRY=NAME (e.g. bug:late-count) aims every input at that one entry: all
/// bytes are decisions. An unknown name stops the run, listing the names.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "chaosq/fuzz/targets.hpp"

namespace {

/// The entry CHAOSQ_FUZZ_ZOO_ENTRY names, as its selector byte; nullopt if unset.
std::optional<std::uint8_t> aimed_entry() {
  const char* const wanted = std::getenv("CHAOSQ_FUZZ_ZOO_ENTRY");
  if (wanted == nullptr || *wanted == '\0') return std::nullopt;
  auto const entries = chaosq::fuzz::zoo_entries();
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].name == std::string_view(wanted)) return static_cast<std::uint8_t>(i);
  std::fprintf(stderr,
               "chaosq-fuzz: CHAOSQ_FUZZ_ZOO_ENTRY=%s names no zoo entry; entries:", wanted);
  for (const auto& e : entries)
    std::fprintf(stderr, " %.*s", static_cast<int>(e.name.size()), e.name.data());
  std::fprintf(stderr, "\n");
  std::exit(2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::optional<std::uint8_t> aimed = aimed_entry();
  std::span<const std::uint8_t> bytes(data, size);
  std::vector<std::uint8_t> with_selector;
  if (aimed) {
    with_selector.reserve(size + 1);
    with_selector.push_back(*aimed);
    with_selector.insert(with_selector.end(), data, data + size);
    bytes = with_selector;
  }
  if (auto f = chaosq::fuzz::run_schedule_zoo(bytes)) {
    auto const target = chaosq::fuzz::zoo_target(
        chaosq::fuzz::zoo_entries()[bytes[0] % chaosq::fuzz::zoo_entries().size()]);
    chaosq::fuzz::report_and_abort(*f, &target);
  }
  return 0;
}

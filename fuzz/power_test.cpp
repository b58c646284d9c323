// Proof of power: the `schedule_zoo` target's own entry function, driven by a deterministic
// mutation loop (seeded SplitMix64; no clock, no libFuzzer), finds every planted bug and the
// seed incident's leak within a bounded number of executions. Also: the `schedule` target,
// in either mode (`schedule_threads`), finds nothing under the correct policy, and every target
// tolerates arbitrary bytes.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/fuzz/targets.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::fuzz {
namespace {

constexpr std::uint64_t k_budget = 20'000;  // executions per entry

/// A libFuzzer-like loop without coverage: mutate the last input kept (overwrite, insert,
/// erase or append bytes), restarting from a fresh random input every 64 executions.
/// Returns the executions it took to find a violation, or nullopt within `budget`.
std::optional<std::uint64_t> executions_to_find(std::uint8_t selector, std::uint64_t seed,
                                                std::uint64_t budget) {
  sim::splitmix64 rng(seed);
  std::vector<std::uint8_t> input;
  for (std::uint64_t n = 1; n <= budget; ++n) {
    if (n % 64 == 1) {
      input.assign(1 + rng.below(48), 0);
      for (auto& b : input) b = static_cast<std::uint8_t>(rng.below(256));
    } else {
      switch (rng.below(4)) {
        case 0:
          input[rng.below(static_cast<std::uint32_t>(input.size()))] =
              static_cast<std::uint8_t>(rng.below(256));
          break;
        case 1:
          input.insert(input.begin() + rng.below(static_cast<std::uint32_t>(input.size()) + 1),
                       static_cast<std::uint8_t>(rng.below(256)));
          break;
        case 2:
          if (input.size() > 1)
            input.erase(input.begin() + rng.below(static_cast<std::uint32_t>(input.size())));
          break;
        default:
          input.push_back(static_cast<std::uint8_t>(rng.below(256)));
          break;
      }
    }
    std::vector<std::uint8_t> bytes{selector};
    bytes.insert(bytes.end(), input.begin(), input.end());
    if (run_schedule_zoo(bytes)) return n;
  }
  return std::nullopt;
}

TEST(ScheduleZoo, FindsEveryPlantedBugAndTheLeakWithinBudget) {
  auto const entries = zoo_entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::optional<std::uint64_t> const found =
        executions_to_find(static_cast<std::uint8_t>(i), /*seed=*/1, k_budget);
    EXPECT_TRUE(found.has_value())
        << entries[i].name << " not found in " << k_budget << " executions";
    if (found)
      std::printf("%-28s found after %llu executions\n", std::string(entries[i].name).c_str(),
                  static_cast<unsigned long long>(*found));
  }
}

TEST(ScheduleZoo, AFindingExplainsItselfWithATokenAndAScenario) {
  // The seed incident's leak: consumers acking only on success.
  std::size_t const leak = 7;
  ASSERT_EQ(zoo_entries()[leak].name, "policy:on-success");
  sim::splitmix64 rng(7);
  for (int n = 0; n < 50'000; ++n) {
    std::vector<std::uint8_t> bytes(1 + rng.below(48));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.below(256));
    bytes[0] = static_cast<std::uint8_t>(leak);
    auto const f = run_schedule_zoo(bytes);
    if (!f) continue;
    schedule_target const target = zoo_target(zoo_entries()[leak]);
    harness::failure const r = explain(target, *f);
    ASSERT_NE(r.violation(), nullptr);
    EXPECT_EQ(r.violation()->signature(), f->signature);
    EXPECT_LE(r.minimal_size, r.original_size);
    EXPECT_TRUE(r.token.starts_with("cq1-"));
    std::string const text = harness::failure_text(r);
    EXPECT_NE(text.find("crash"), std::string::npos) << text;
    std::string const yaml = finding_yaml(target, *f, r);
    EXPECT_NE(yaml.find("verdict"), std::string::npos) << yaml;
    return;
  }
  FAIL() << "no leak found";
}

/// `target` has no finding on 3,000 random inputs.
void expect_no_finding(const schedule_target& target) {
  sim::splitmix64 rng(3);
  for (int n = 0; n < 3'000; ++n) {
    std::vector<std::uint8_t> bytes(rng.below(96));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.below(256));
    auto const f = run_schedule(target, bytes);
    ASSERT_FALSE(f.has_value()) << f->signature << ": " << f->message;
  }
}

TEST(Schedule, CorrectPolicyOnTheReferenceHasNoFinding) { expect_no_finding(correct_target()); }

TEST(Schedule, CorrectPolicyOnTheReferenceInThreadsModeHasNoFinding) {
  expect_no_finding(threads_target());
}

TEST(Targets, TolerateArbitraryBytesAndAreDeterministic) {
  sim::splitmix64 rng(5);
  for (int n = 0; n < 200; ++n) {
    std::vector<std::uint8_t> bytes(rng.below(200));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.below(256));
    EXPECT_FALSE(run_queue_model(bytes).has_value());
    EXPECT_FALSE(run_scenario_loader(bytes).has_value());
    EXPECT_FALSE(run_replay_token(bytes).has_value());
    auto const a = run_schedule_zoo(bytes);
    auto const b = run_schedule_zoo(bytes);
    ASSERT_EQ(a.has_value(), b.has_value());
    if (a) {
      EXPECT_EQ(a->decisions, b->decisions);
    }
  }
}

}  // namespace
}  // namespace chaosq::fuzz

#pragma once
/// \file
/// Where the oracles of a run put what they find: the first violation wins.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chaosq/harness/verdict.hpp"

namespace chaosq::harness::detail {

class judgement {
 public:
  explicit judgement(bool explain = true) noexcept : explain_(explain) {}

  /// Write verdict messages (`run_options::explain`); off, a verdict keeps its kind and steps.
  [[nodiscard]] bool explain() const noexcept { return explain_; }
  [[nodiscard]] bool failed() const noexcept { return violation_.has_value(); }

  /// Records a violation, unless one was recorded before.
  void fail(verdict_kind kind, std::string message, std::vector<std::uint64_t> steps) {
    if (violation_) return;
    if (!explain_) message.clear();  // rare verdicts build their text anyway: it is dropped
    violation_ = verdict{kind, std::move(message), std::move(steps), {}};
  }

  [[nodiscard]] std::optional<verdict>& violation() noexcept { return violation_; }

 private:
  bool explain_;
  std::optional<verdict> violation_;
};

}  // namespace chaosq::harness::detail

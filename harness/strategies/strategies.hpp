#pragma once
/// \file
/// Internal: the maker of each strategy in detail/strategies.def, each defined in its own unit
/// (harness/strategies/<id>.cpp) and reached only through `make_strategy`.

#include <memory>

#include "chaosq/harness/strategy.hpp"

namespace chaosq::harness::detail {

#define CHAOSQ_STRATEGY(id, name, help) \
  [[nodiscard]] std::unique_ptr<strategy> make_##id(const strategy_options& options);
#include "chaosq/harness/detail/strategies.def"

}  // namespace chaosq::harness::detail

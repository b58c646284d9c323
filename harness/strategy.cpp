#include "chaosq/harness/strategy.hpp"

#include <array>
#include <cstddef>

#include "strategies/strategies.hpp"

namespace chaosq::harness {
namespace {

using strategy_maker = std::unique_ptr<strategy> (*)(const strategy_options&);

/// Every maker, in the order of detail/strategies.def: `makers[i]` makes `strategy_kind(i)`.
constexpr std::array makers{
#define CHAOSQ_STRATEGY(id, name, help) strategy_maker{&detail::make_##id},
#include "chaosq/harness/detail/strategies.def"
};
static_assert(makers.size() == names_of<strategy_kind>::values.size());

}  // namespace

std::unique_ptr<strategy> make_strategy(strategy_kind kind, const strategy_options& options) {
  auto const row = static_cast<std::size_t>(kind);
  // A value outside the enum (a cast) gets the first row, the random walk, as it always has.
  return makers[row < makers.size() ? row : 0](options);
}

}  // namespace chaosq::harness

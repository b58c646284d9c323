/// \file
/// POS, partial order sampling (Yuan, Yang and Gu, CAV 2018): every pending event holds a
/// random priority and the highest runs; an event keeps its priority until it runs, so a task
/// passed over once is likely passed over again, unlike the random walk, which redraws at
/// every step: runs of one task of every length, and an event enabled late still gets a fair
/// chance against the ones waiting since early on.
///
/// Here an event is the next step of a ready task. A task's step is a new event when the task
/// was not ready at the last contested pick (a wake-up made it ready) or ran at it; a new event
/// draws a fresh priority. The paper also redraws the priorities of pending events that race
/// with the one that ran; the loop does not see which state a step touches, and every step of
/// a queue program touches the queue, so redrawing for races would redraw every priority at
/// every step, which is the random walk. Other decisions (faults, values) are uniform. Learns
/// nothing, never runs out; schedule i is seeded with `schedule_seed(seed, i)`.

#include <cstdint>
#include <span>
#include <vector>

#include "chaosq/harness/strategy.hpp"

#include "strategies.hpp"

namespace chaosq::harness::detail {
namespace {

using sim::decision_source;

class pos_decisions final : public decision_source {
 public:
  explicit pos_decisions(std::uint64_t seed) { reseed(seed); }
  /// Starts schedule `seed` over, keeping the storage of the last.
  void reseed(std::uint64_t seed) {
    clear_record();
    rng_ = sim::splitmix64(seed);
    priority_.clear();
    ready_at_.clear();
    picks_ = 0;
    last_pick_ = k_none;
  }

 protected:
  std::uint32_t draw(std::uint32_t n, tag /*what*/) override { return rng_.below(n); }

  std::uint32_t draw_schedule(std::span<const std::uint32_t> ready) override {
    ++picks_;  // from 1, so that 0 in ready_at_ means "never seen ready"
    std::uint32_t best = 0;
    for (std::uint32_t i = 0; i < ready.size(); ++i) {
      std::uint32_t const task = ready[i];
      if (task >= priority_.size()) {
        priority_.resize(task + 1, 0);
        ready_at_.resize(task + 1, 0);
      }
      bool const pending = ready_at_[task] != 0 && ready_at_[task] == picks_ - 1;
      if (!pending || task == last_pick_) priority_[task] = rng_.next();
      ready_at_[task] = picks_;
      if (priority_[task] > priority_[ready[best]]) best = i;
    }
    last_pick_ = ready[best];
    return best;
  }

 private:
  static constexpr std::uint32_t k_none = ~std::uint32_t{0};

  sim::splitmix64 rng_{0};
  std::vector<std::uint64_t> priority_;  // by task id: the priority of its pending event
  std::vector<std::uint64_t> ready_at_;  // by task id: the last contested pick it was ready at
  std::uint64_t picks_ = 0;
  std::uint32_t last_pick_ = k_none;
};

}  // namespace

std::unique_ptr<strategy> make_pos(const strategy_options& options) {
  return std::make_unique<seeded_strategy<pos_decisions>>(options.seed);
}

}  // namespace chaosq::harness::detail

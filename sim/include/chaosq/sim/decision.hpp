#pragma once
/// \file
/// The decision stream: the one source of nondeterminism in a run.

#include <cstdint>
#include <span>
#include <vector>

namespace chaosq::sim {

/// A stream of small unsigned integers from which every nondeterministic choice of a run is
/// drawn. Any value is valid: `choose(n)` reduces it into `[0, n)`. Every value consumed is
/// recorded, already reduced, so replaying `record()` reproduces the run exactly.
class decision_source {
 public:
  decision_source() = default;
  decision_source(const decision_source&) = delete;
  decision_source& operator=(const decision_source&) = delete;
  virtual ~decision_source() = default;

  /// What a decision is about. The loop tags its own choices `schedule`; layers above give
  /// their own meaning to the other values. Tags never change a value: they let shrinkers and
  /// strategies tell a preemption from, say, a fault.
  using tag = std::uint8_t;
  static constexpr tag schedule = 0;

  /// One of `n` alternatives. With `n <= 1` there is nothing to decide: returns 0 and neither
  /// reads nor records a value.
  std::uint32_t choose(std::uint32_t n, tag what = schedule) {
    if (n <= 1) return 0;
    std::uint32_t const value = reduce(draw(n, what), n);
    record_.push_back(value);
    tags_.push_back(what);
    bounds_.push_back(n);
    return value;
  }

  /// Which of the ready tasks runs next: an index into `ready`, the ids of the ready tasks in
  /// asyncio order (index 0 is the task asyncio would run). Recorded like any decision, tagged
  /// `schedule`, so a replay of the record picks the same tasks. Strategies that schedule by
  /// task identity (PCT) override `draw_schedule`.
  std::uint32_t pick_ready(std::span<const std::uint32_t> ready) {
    auto const n = static_cast<std::uint32_t>(ready.size());
    if (n <= 1) return 0;
    std::uint32_t const value = reduce(draw_schedule(ready), n);
    record_.push_back(value);
    tags_.push_back(schedule);
    bounds_.push_back(n);
    return value;
  }

  /// Every decision taken so far, in order, each reduced into its range.
  [[nodiscard]] const std::vector<std::uint32_t>& record() const noexcept { return record_; }
  /// The tag of each decision in `record()`.
  [[nodiscard]] const std::vector<tag>& tags() const noexcept { return tags_; }
  /// The number of alternatives each decision in `record()` chose among.
  [[nodiscard]] const std::vector<std::uint32_t>& bounds() const noexcept { return bounds_; }

  /// Makes room for `n` decisions in the record, so that recording them never reallocates.
  void reserve(std::size_t n) {
    record_.reserve(n);
    tags_.reserve(n);
    bounds_.reserve(n);
  }

  /// Forgets the record (keeps its storage) so the source can drive the next run.
  void clear_record() noexcept {
    record_.clear();
    tags_.clear();
    bounds_.clear();
  }

 protected:
  /// The next raw value for a choice among `n` (n >= 2) about `what`; any value is accepted.
  virtual std::uint32_t draw(std::uint32_t n, tag what) = 0;
  /// The next raw value for a scheduling choice among `ready` (two or more task ids).
  virtual std::uint32_t draw_schedule(std::span<const std::uint32_t> ready) {
    return draw(static_cast<std::uint32_t>(ready.size()), schedule);
  }

 private:
  /// `raw % n`, without the division when `raw` is already in range (as drawn values are).
  static std::uint32_t reduce(std::uint32_t raw, std::uint32_t n) noexcept {
    return raw < n ? raw : raw % n;
  }

  std::vector<std::uint32_t> record_;
  std::vector<tag> tags_;
  std::vector<std::uint32_t> bounds_;
};

/// Replays a fixed sequence of decisions; once exhausted every decision reads as 0, the
/// simplest choice (in scheduling: the task asyncio would run next).
class replay_decisions final : public decision_source {
 public:
  /// `values` must outlive this object.
  explicit replay_decisions(std::span<const std::uint32_t> values) : values_(values) {}

  /// Decisions read so far, including those read past the end as 0.
  [[nodiscard]] std::size_t consumed() const noexcept { return next_; }
  /// True when the run asked for more decisions than were given.
  [[nodiscard]] bool exhausted() const noexcept { return next_ > values_.size(); }

 protected:
  std::uint32_t draw(std::uint32_t /*n*/, tag /*what*/) override {
    std::size_t const i = next_++;
    return i < values_.size() ? values_[i] : 0;
  }

 private:
  std::span<const std::uint32_t> values_;
  std::size_t next_ = 0;
};

/// SplitMix64: a tiny, fast, well-mixed generator with a 64-bit seed. Deterministic on every
/// platform and compiler; never seeded from a clock.
class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }
  /// Uniform in `[0, n)` for `n >= 1` (Lemire's multiply-shift; the bias is below 2^-32).
  std::uint32_t below(std::uint32_t n) noexcept {
    return static_cast<std::uint32_t>(((next() >> 32U) * n) >> 32U);
  }

 private:
  std::uint64_t state_;
};

/// Uniformly random decisions from a seed.
class random_decisions final : public decision_source {
 public:
  explicit random_decisions(std::uint64_t seed) : rng_(seed) {}

  /// Starts over as `random_decisions(seed)` would, keeping the record's storage.
  void reseed(std::uint64_t seed) noexcept {
    rng_ = splitmix64(seed);
    clear_record();
  }

 protected:
  std::uint32_t draw(std::uint32_t n, tag /*what*/) override { return rng_.below(n); }

 private:
  splitmix64 rng_;
};

}  // namespace chaosq::sim

#include "chaosq/harness/explore.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "chaosq/sim/decision.hpp"
#include "chaosq/sim/detail/frame_pool.hpp"

namespace chaosq::harness {

std::uint64_t schedule_seed(std::uint64_t seed, std::uint64_t index) noexcept {
  sim::splitmix64 mix(seed ^ (index * 0xd1b54a32d192ed03ULL));
  return mix.next();
}

double pct_miss_bound(std::uint32_t n, std::uint32_t k, std::uint32_t d, std::uint64_t runs) {
  double const per_run = 1.0 / (std::max(n, 1U) * std::pow(static_cast<double>(std::max(k, 1U)),
                                                           std::max(d, 1U) - 1.0));
  return std::pow(1.0 - per_run, static_cast<double>(runs));
}

namespace {

/// The threads of an exploration on several: each runs schedules of the block started last with
/// its own engine and leaves each run's report in that schedule's slot; the calling thread joins
/// in when it has nothing else to do (`finish`). Every run is a pure function of its decisions,
/// so which thread ran it does not matter.
class crew {
 public:
  /// One block's slots: the sources to run and, for each, its report or what it threw.
  struct block {
    std::vector<sim::decision_source*> sources;
    std::vector<run_report> reports = std::vector<run_report>(k_block);
    std::vector<std::exception_ptr> errors = std::vector<std::exception_ptr>(k_block);
    /// The run of `sources[b]`; rethrows what that run threw.
    const run_report& report(std::size_t b) const {
      if (errors[b]) std::rethrow_exception(errors[b]);
      return reports[b];
    }
  };

  crew(const workload& w, const run_options& options, unsigned threads) : w_(w), options_(options) {
    for (unsigned t = 1; t < threads; ++t) threads_.emplace_back([this] { work(); });
  }
  crew(const crew&) = delete;
  crew& operator=(const crew&) = delete;
  ~crew() {
    {
      std::lock_guard const lock(mutex_);
      stopping_ = true;
      // A thread still polling for the next block stops polling at once.
      generation_.fetch_add(1, std::memory_order_release);
    }
    start_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  /// Sets the other threads running `b` (at most `k_block` sources) and returns at once; `b`
  /// stays untouched by the caller until `finish`. A block of fewer than two chunks (DFS hands
  /// out one schedule at a time, PCT's first blocks are small) is left to the calling thread:
  /// waking the others would cost more than it spreads.
  void start(block& b) {
    std::lock_guard const lock(mutex_);
    current_ = &b;
    next_.store(0, std::memory_order_relaxed);
    if (b.sources.size() < 2 * k_chunk) return;
    busy_.store(threads_.size(), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    start_.notify_all();
  }

  /// Runs what is left of the block started last on the calling thread, then waits until the
  /// other threads are done with it.
  void finish() {
    take_slots(mine_, *current_);
    poll_briefly([this] { return busy_.load(std::memory_order_acquire) == 0; });
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return busy_.load(std::memory_order_acquire) == 0; });
  }

 private:
  /// How long a thread polls before it sleeps: a sleeping thread wakes tens of microseconds
  /// late, a block takes about a millisecond. Bounded by time, not by a count of yields: on a
  /// busy machine a yield hands the core away for milliseconds, and 2,000 of them made a crew
  /// that never got a block (DFS hands out one schedule at a time) hold up its own end by
  /// seconds.
  static constexpr std::chrono::microseconds k_poll{1000};

  /// Yields until `done()` or `k_poll` passed; whether it is done.
  template <class Done>
  static bool poll_briefly(Done done) {
    auto const until = std::chrono::steady_clock::now() + k_poll;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::yield();
    }
    return true;
  }
  /// Slots a thread takes at once: 16 of a block's 256.
  static constexpr std::size_t k_chunk = 16;

  void work() {
    engine runs;
    std::uint64_t seen = 0;
    for (;;) {
      poll_briefly([&] { return generation_.load(std::memory_order_acquire) != seen; });
      block* b = nullptr;
      {
        std::unique_lock lock(mutex_);
        start_.wait(lock, [&] { return stopping_ || generation_.load() != seen; });
        if (stopping_) break;
        seen = generation_.load();
        b = current_;
      }
      take_slots(runs, *b);
      if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard const lock(mutex_);
        done_.notify_one();
      }
    }
    runs = engine();
    sim::detail::frame_pool::release_thread();
  }

  void take_slots(engine& runs, block& b) {
    // A run of neighbouring slots at a time: neighbours share cache lines (their sources, their
    // reports), and two threads writing them in turn would fight over every line.
    for (std::size_t first = next_.fetch_add(k_chunk); first < b.sources.size();
         first = next_.fetch_add(k_chunk)) {
      for (std::size_t i = first; i < std::min(first + k_chunk, b.sources.size()); ++i) {
        b.errors[i] = nullptr;
        try {
          b.reports[i] = runs.run(w_, *b.sources[i], options_);
        } catch (...) {
          b.errors[i] = std::current_exception();
        }
      }
    }
  }

  const workload& w_;
  const run_options& options_;
  engine mine_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  block* current_ = nullptr;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> busy_{0};
  std::atomic<std::uint64_t> generation_{0};
  bool stopping_ = false;
};

}  // namespace

std::uint64_t owned_schedules(shard_spec s, std::uint64_t schedules) noexcept {
  std::uint64_t const whole_units = schedules / k_shard_unit;
  std::uint64_t n = whole_units / s.count * k_shard_unit;
  for (std::uint64_t u = whole_units / s.count * s.count; u < whole_units; ++u)
    if (u % s.count == s.index) n += k_shard_unit;
  if (whole_units % s.count == s.index) n += schedules % k_shard_unit;
  return n;
}

void add(explore_stats& into, const explore_stats& part) {
  if (part.schedules == 0) return;
  into.min_steps = into.schedules == 0 ? part.min_steps : std::min(into.min_steps, part.min_steps);
  into.max_steps = std::max(into.max_steps, part.max_steps);
  into.total_steps += part.total_steps;
  into.schedules += part.schedules;
  into.violations += part.violations;
  for (const auto& [signature, count] : part.signatures) into.signatures[signature] += count;
  into.max_tasks = std::max(into.max_tasks, part.max_tasks);
  into.max_schedule_steps = std::max(into.max_schedule_steps, part.max_schedule_steps);
  into.exhausted = into.exhausted || part.exhausted;
  if (part.covered) into.covered = part.covered;  // every shard runs DFS's whole tree
}

explore_result merge_shards(std::span<const explore_result> parts, bool keep_going) {
  explore_result merged;
  const explore_result* failing = nullptr;
  for (const explore_result& p : parts)
    if (p.first_failure && (!failing || p.first_failure_schedule < failing->first_failure_schedule))
      failing = &p;
  if (failing) {
    merged.first_failure = failing->first_failure;
    merged.first_failure_schedule = failing->first_failure_schedule;
  }
  for (const explore_result& p : parts) {
    if (keep_going || !failing || &p == failing) {
      add(merged.stats, p.stats);
      continue;
    }
    // One machine stops at the failure: of this shard, only the units before the failure's.
    const unit_end* last = nullptr;
    for (const unit_end& u : p.unit_ends)
      if (u.unit < failing->first_failure_schedule / k_shard_unit) last = &u;
    if (last) add(merged.stats, last->stats);
  }
  return merged;
}

explore_result explore(const workload& w, const explore_options& options) {
  explore_result result;
  explore_stats& stats = result.stats;
  // The search runs untraced and without verdict text; the failure it keeps is replayed with
  // the caller's options, text included (a run is a pure function of its decisions).
  run_options run_opts = options.run;
  run_opts.trace = false;
  run_opts.explain = false;
  run_options keep_opts = options.run;
  keep_opts.trace = false;
  std::unique_ptr<strategy> strat =
      make_strategy(options.strategy, {.seed = options.seed,
                                       .depth = options.depth,
                                       .preemptions = options.preemptions,
                                       .max_faults = options.max_faults});
  shard_spec const shard = options.shard;
  if (shard.count == 0 || shard.index >= shard.count)
    throw std::invalid_argument("shard " + std::to_string(shard.index) + " of " +
                                std::to_string(shard.count) + " does not exist");
  if (shard.count > 1 && !strat->splits())
    throw std::invalid_argument("strategy " + std::string(name_of(options.strategy)) +
                                " cannot be split into shards: each schedule depends on the runs "
                                "before it");
  bool const keep_unit_ends = shard.count > 1 && !options.keep_going;
  // Judges schedule `i`, whose run is `report`, as if every schedule before it had been judged
  // already: the same on one thread or many. False: the exploration ends here.
  auto const judge = [&](std::uint64_t i, const run_report& report) {
    strat->observe(report);
    stats.max_tasks = std::max(stats.max_tasks, report.tasks);
    stats.max_schedule_steps =
        std::max(stats.max_schedule_steps,
                 static_cast<std::uint32_t>(
                     std::count(report.tags.begin(), report.tags.end(), decision_tag::schedule)));
    stats.min_steps = stats.schedules == 0 ? report.steps : std::min(stats.min_steps, report.steps);
    stats.max_steps = std::max(stats.max_steps, report.steps);
    stats.total_steps += report.steps;
    ++stats.schedules;
    if (options.on_schedule && !options.on_schedule(i, report)) return false;
    bool const counted = report.violation &&
                         blames_code_under_test(w, report.decisions, report.violation->signature(),
                                                run_opts, options.against_reference);
    bool stop = false;
    if (counted) {
      ++stats.violations;
      ++stats.signatures[report.violation->signature()];
      if (!result.first_failure) {
        result.first_failure = replay(w, report.decisions, keep_opts);
        result.first_failure_schedule = i;
        stop = !options.keep_going;
      }
    }
    if (options.on_progress) options.on_progress(stats.schedules, stats.violations);
    if (!stop && keep_unit_ends && (i + 1) % k_shard_unit == 0)
      result.unit_ends.push_back({i / k_shard_unit, stats});
    return !stop;
  };
  // What a shard observes for another shard's schedule it need not run.
  run_report const not_run;
  // What becomes of the schedule about to be handed out: counted (this shard's), run only to
  // teach the strategy, or skipped.
  enum class fate : std::uint8_t { count, learn, skip };
  auto const fate_of = [&](std::uint64_t i) {
    if (owns(shard, i)) return fate::count;
    return strat->learns() ? fate::learn : fate::skip;
  };
  // A Python program runs on its interpreter's one thread: on the calling thread alone (the
  // result is the same for any number of jobs).
  if (options.jobs <= 1 || w.mode == run_mode::python) {
    engine runs;
    for (std::uint64_t i = 0; i < options.schedules; ++i) {
      fate const f = fate_of(i);
      sim::decision_source* decisions = strat->next();
      if (decisions == nullptr) {
        stats.exhausted = true;
        break;
      }
      if (f == fate::count) {
        if (!judge(i, runs.run(w, *decisions, run_opts))) break;
      } else {
        strat->observe(f == fate::learn ? runs.run(w, *decisions, run_opts) : not_run);
      }
    }
  } else {
    // In blocks of the schedules the strategy can hand out before it learns from any, judged
    // in order. Pipelined: while this thread judges one block, the others already run the next
    // (when the strategy can hand it out unjudged). Runs after the one that ends the
    // exploration are dropped unseen.
    struct pending {
      crew::block slots;
      std::vector<fate> fates;
      std::uint64_t first = 0;  // the schedule index of fates[0]
    };
    // Before the crew: when a judgement throws, the crew's threads finish the block they run
    // (and are joined) before the blocks go.
    std::array<pending, 2> blocks;
    crew threads(w, run_opts, options.jobs);
    pending* judged_next = nullptr;  // handed out, run, not judged yet
    std::uint64_t handed = 0;
    bool ran_out = false;
    std::size_t turn = 0;
    // Blocks grow 1, 2, 4, ... up to k_block: runs after the one that ends the exploration are
    // run for nothing, and when the very first schedules fail (a workload that spins until its
    // step budget, say) that waste would be a whole block of the longest runs there are.
    std::uint64_t ramp = 1;
    for (;;) {
      // Hand out the next block, if the strategy can before it learns from the last.
      pending& fresh = blocks[turn];
      fresh.slots.sources.clear();
      fresh.fates.clear();
      fresh.first = handed;
      std::uint64_t const room =
          std::min<std::uint64_t>({strat->ready(), options.schedules - handed, ramp});
      ramp = std::min<std::uint64_t>(ramp * 2, k_block);
      while (!ran_out && fresh.fates.size() < room) {
        fate const f = fate_of(handed);
        sim::decision_source* decisions = strat->next();
        if (decisions == nullptr) {
          ran_out = true;
          break;
        }
        ++handed;
        fresh.fates.push_back(f);
        if (f != fate::skip) fresh.slots.sources.push_back(decisions);
      }
      bool const running = !fresh.fates.empty();
      if (running) threads.start(fresh.slots);
      // Judge the block before it while the other threads run this one.
      bool go_on = true;
      if (!running && judged_next == nullptr && !ran_out && handed < options.schedules)
        throw std::logic_error("strategy " + std::string(name_of(options.strategy)) +
                               " is ready for nothing with nothing to learn from");
      if (judged_next != nullptr) {
        std::size_t ran = 0;
        std::uint64_t i = judged_next->first;
        for (std::size_t b = 0; b < judged_next->fates.size() && go_on; ++b, ++i) {
          fate const f = judged_next->fates[b];
          if (f == fate::count)
            go_on = judge(i, judged_next->slots.report(ran++));
          else if (f == fate::learn)
            strat->observe(judged_next->slots.report(ran++));
          else
            strat->observe(not_run);
        }
        judged_next = nullptr;
      }
      if (running) threads.finish();
      if (!go_on) break;
      if (running) {
        judged_next = &fresh;
        turn ^= 1U;
      } else if (ran_out || handed == options.schedules) {
        break;  // nothing handed out and nothing left to judge
      }
    }
    if (ran_out) stats.exhausted = true;
  }
  if (strat->exhausted()) stats.exhausted = true;
  stats.covered = strat->covered();
  return result;
}

}  // namespace chaosq::harness

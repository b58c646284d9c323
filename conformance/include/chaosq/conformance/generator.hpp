#pragma once
/// \file
/// Seeded random queue programs whose interleavings are worth comparing.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "chaosq/conformance/program.hpp"
#include "chaosq/queue/detail/storage.hpp"
#include "chaosq/sim/decision.hpp"

namespace chaosq::conformance {

/// Whether generated programs may shut their queue down (Python < 3.13 has no shutdown).
enum class shutdown_ops : std::uint8_t { included, excluded };

/// What to generate. The maxsize is drawn from {0, 1, 2, 3, -1}: unbounded (both spellings)
/// and the small bounds at which putters block.
struct generator_options {
  queue::queue_kind kind = queue::queue_kind::fifo;
  shutdown_ops shutdown = shutdown_ops::included;
  std::size_t min_ops = 10;  ///< lines per program, the `queue` line included
  std::size_t max_ops = 60;  ///< inclusive
};

/// A random program drawn from `rng`. The generator runs the program on the reference as it
/// writes it and aims at the interleavings where queues go wrong: steps are common while a task
/// is ready, cancels mostly hit tasks that wait or were just woken (often right after the
/// operation that woke them), putters are spawned more when the queue is full; shutdown
/// appears in roughly one program in five (unless excluded). Deterministic: the same generator
/// state gives the same program (for the same reference).
[[nodiscard]] program generate_program(sim::splitmix64& rng, const generator_options& options);

/// Program `index` of the batch for `seed`. It depends only on (seed, index, shutdown): a larger
/// batch starts with the programs of a smaller one. Kinds rotate fifo, lifo, priority.
[[nodiscard]] program generate_batch_program(std::uint64_t seed, std::uint64_t index,
                                             shutdown_ops shutdown);

/// Programs 0 ... count-1 of the batch for `seed`.
[[nodiscard]] std::vector<program> generate_batch(std::uint64_t seed, std::size_t count,
                                                  shutdown_ops shutdown);

}  // namespace chaosq::conformance

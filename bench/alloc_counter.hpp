#pragma once
/// \file
/// Counts the program's heap allocations (global operator new/delete), for the memory benchmarks.

#include <cstdint>

namespace chaosq::bench {

/// The heap as seen through operator new/delete while counting was on. Counted with plain
/// (non-atomic) integers: the benchmarks are single-threaded.
struct alloc_stats {
  std::uint64_t allocations = 0;  ///< calls to operator new (every form)
  std::uint64_t bytes = 0;        ///< bytes those calls received (usable size)
  std::int64_t live_bytes = 0;    ///< allocated and not yet freed
  std::int64_t peak_live_bytes = 0;
};

/// False under a sanitizer, which owns operator new: then every count stays 0.
[[nodiscard]] bool counting_allocations() noexcept;

/// Counts allocations while alive (off otherwise, so the other benchmarks pay only a flag test).
/// Measure only what is allocated and freed inside the scope: a block allocated outside and
/// freed inside it would be subtracted without having been added.
class alloc_counting_scope {
 public:
  alloc_counting_scope() noexcept;
  ~alloc_counting_scope();
  alloc_counting_scope(const alloc_counting_scope&) = delete;
  alloc_counting_scope& operator=(const alloc_counting_scope&) = delete;

 private:
  bool was_;
};

[[nodiscard]] alloc_stats alloc_snapshot() noexcept;

/// Starts a new high-water mark at the current live bytes.
void reset_alloc_peak() noexcept;

/// A field of /proc/self/status in KiB (VmRSS, VmHWM, ...), or -1 if unreadable.
[[nodiscard]] std::int64_t proc_status_kib(const char* field);

}  // namespace chaosq::bench

#pragma once
/// \file
/// Memory benchmarks: heap per run, and no growth over millions of schedules.

#include <cstdint>

namespace chaosq::bench {

/// Registers `no_growth`: `schedules` reference schedules in 10 chunks, reporting resident
/// memory (VmRSS) and live heap after each chunk; flat means no per-run leak.
void register_no_growth(std::uint64_t schedules);

}  // namespace chaosq::bench

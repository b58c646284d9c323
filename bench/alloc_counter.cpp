#include "alloc_counter.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define CHAOSQ_BENCH_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHAOSQ_BENCH_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef CHAOSQ_BENCH_COUNT_ALLOCATIONS
#define CHAOSQ_BENCH_COUNT_ALLOCATIONS 1
#endif

namespace chaosq::bench {
namespace {
alloc_stats g_stats;
bool g_counting = false;
}  // namespace

alloc_counting_scope::alloc_counting_scope() noexcept : was_(g_counting) { g_counting = true; }
alloc_counting_scope::~alloc_counting_scope() { g_counting = was_; }

bool counting_allocations() noexcept { return CHAOSQ_BENCH_COUNT_ALLOCATIONS != 0; }

alloc_stats alloc_snapshot() noexcept { return g_stats; }

void reset_alloc_peak() noexcept { g_stats.peak_live_bytes = g_stats.live_bytes; }

std::int64_t proc_status_kib(const char* field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  std::size_t const n = std::strlen(field);
  std::int64_t out = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
      out = std::strtoll(line + n + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return out;
}

#if CHAOSQ_BENCH_COUNT_ALLOCATIONS
namespace {

void note_alloc(void* p) noexcept {
  if (!g_counting || p == nullptr) return;
  auto const size = static_cast<std::int64_t>(malloc_usable_size(p));
  ++g_stats.allocations;
  g_stats.bytes += static_cast<std::uint64_t>(size);
  g_stats.live_bytes += size;
  if (g_stats.live_bytes > g_stats.peak_live_bytes) g_stats.peak_live_bytes = g_stats.live_bytes;
}

void note_free(void* p) noexcept {
  if (g_counting && p != nullptr) {
    g_stats.live_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
  }
}

void* counted_new(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc{};
  note_alloc(p);
  return p;
}

void* counted_new_aligned(std::size_t n, std::align_val_t al) {
  auto const align = static_cast<std::size_t>(al);
  std::size_t const size = (n + align - 1) / align * align;
  void* p = std::aligned_alloc(align, size == 0 ? align : size);
  if (p == nullptr) throw std::bad_alloc{};
  note_alloc(p);
  return p;
}

void counted_delete(void* p) noexcept {
  note_free(p);
  std::free(p);
}

}  // namespace
#endif

}  // namespace chaosq::bench

#if CHAOSQ_BENCH_COUNT_ALLOCATIONS
// The replaceable global allocation functions, every form, all counted.
using chaosq::bench::counted_delete;
using chaosq::bench::counted_new;
using chaosq::bench::counted_new_aligned;

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t al) { return counted_new_aligned(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_new_aligned(n, al); }
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_delete(p); }
#endif

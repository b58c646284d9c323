#pragma once
/// \file
/// Recycled coroutine frames: the engine creates and destroys dozens of frames per run, millions
/// of runs in a row, so a frame's memory goes back to a per-thread free list of its size class
/// instead of to malloc. Deterministic (no address ever decides anything) and flat: a list holds
/// at most as many frames as were alive at once.

#include <cstddef>
#include <new>

// Under AddressSanitizer frames come straight from operator new, so a use after free of a frame
// is still reported instead of being hidden by the free list.
#if defined(__SANITIZE_ADDRESS__)
#define CHAOSQ_FRAME_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHAOSQ_FRAME_POOL 0
#endif
#endif
#ifndef CHAOSQ_FRAME_POOL
#define CHAOSQ_FRAME_POOL 1
#endif

namespace chaosq::sim::detail {

class frame_pool {
 public:
  static void* allocate(std::size_t size) {
#if CHAOSQ_FRAME_POOL
    std::size_t const c = size_class(size);
    if (c < k_classes) {
      if (free_frame* f = t_free_[c]) {
        t_free_[c] = f->next;
        return f;
      }
      return ::operator new((c + 1) * k_granule);
    }
#endif
    return ::operator new(size);
  }

  static void deallocate(void* p, [[maybe_unused]] std::size_t size) noexcept {
#if CHAOSQ_FRAME_POOL
    std::size_t const c = size_class(size);
    if (c < k_classes) {
      auto* f = static_cast<free_frame*>(p);
      f->next = t_free_[c];
      t_free_[c] = f;
      return;
    }
#endif
    ::operator delete(p);  // unsized: clang enables sized deallocation only on request
  }

  /// Gives this thread's spare frames back to malloc: for a thread about to end, whose list
  /// nothing else could reach. Whether or not this unit pools frames: a unit that does (a user's
  /// coroutine built without AddressSanitizer, in a sanitized program) may have filled the list.
  static void release_thread() noexcept {
    for (free_frame*& head : t_free_) {
      while (free_frame* f = head) {
        head = f->next;
        ::operator delete(f);
      }
    }
  }

 private:
  struct free_frame {
    free_frame* next;
  };
  static constexpr std::size_t k_granule = 64;
  static constexpr std::size_t k_classes = 32;  // frames up to 2 KiB; larger ones are rare
  static constexpr std::size_t size_class(std::size_t size) noexcept {
    return (size - 1) / k_granule;
  }

  static inline thread_local free_frame* t_free_[k_classes] = {};
};

}  // namespace chaosq::sim::detail

#include "chaosq/sync/detail/fiber.hpp"

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <new>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "chaosq/sim/future.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define CHAOSQ_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHAOSQ_ASAN_FIBERS 1
#endif
#endif
#ifndef CHAOSQ_ASAN_FIBERS
#define CHAOSQ_ASAN_FIBERS 0
#endif
#if CHAOSQ_ASAN_FIBERS
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if !defined(__x86_64__)
#error \
    "chaosq::sync's fibers switch stacks with x86-64 code; other architectures are not supported yet"
#endif

// Saves the callee-saved registers, the SSE control word and the x87 control word on the current
// stack, stores the stack pointer in *save, and continues on the stack `next` (saved the same
// way, or prepared by `prepare_stack`). The System V x86-64 ABI leaves every other register
// caller-saved, so this is a whole context switch.
extern "C" void chaosq_sync_switch(void** save, void* next);
asm(R"(
  .pushsection .text
  .globl chaosq_sync_switch
  .hidden chaosq_sync_switch
  .type chaosq_sync_switch, @function
  .p2align 4
chaosq_sync_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size chaosq_sync_switch, .-chaosq_sync_switch
  .popsection
)");

namespace chaosq::sync::detail {

void fiber_main() noexcept;

namespace {

thread_local fiber* t_current = nullptr;
thread_local std::uint32_t t_abandoned = 0;

// Under AddressSanitizer every frame is larger; the stacks are reserved, not committed, so
// the bigger size costs only address space.
#if CHAOSQ_ASAN_FIBERS
constexpr std::size_t k_stack_bytes = std::size_t{1} << 20U;
#else
constexpr std::size_t k_stack_bytes = std::size_t{256} << 10U;
#endif

std::size_t page_bytes() {
  static std::size_t const bytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return bytes;
}

// Stacks go back to a per-thread free list: a run starts a handful of fibers and an exploration
// runs millions.
struct stack_pool {
  std::vector<void*> free;
  stack_pool() = default;
  stack_pool(const stack_pool&) = delete;
  stack_pool& operator=(const stack_pool&) = delete;
  ~stack_pool() {
    for (void* s : free) ::munmap(s, k_stack_bytes + page_bytes());
  }
};
thread_local stack_pool t_stacks;

// The mapping: one guard page (no access) below the stack, so an overflow faults at once.
void* take_stack() {
  if (!t_stacks.free.empty()) {
    void* s = t_stacks.free.back();
    t_stacks.free.pop_back();
#if CHAOSQ_ASAN_FIBERS
    __asan_unpoison_memory_region(static_cast<char*>(s) + page_bytes(), k_stack_bytes);
#endif
    return s;
  }
  std::size_t const total = k_stack_bytes + page_bytes();
  void* s = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) throw std::bad_alloc();
  if (::mprotect(s, page_bytes(), PROT_NONE) != 0) {
    ::munmap(s, total);
    throw std::bad_alloc();
  }
  return s;
}

void give_back_stack(void* s) noexcept {
  try {
    t_stacks.free.push_back(s);
  } catch (...) {
    ::munmap(s, k_stack_bytes + page_bytes());
  }
}

// The C++ runtime's per-thread exception globals (libstdc++'s and libc++abi's layout on
// x86-64): the stack of exceptions being handled and the count of those in flight.
struct eh_globals {
  void* caught;
  unsigned int uncaught;
};
eh_globals& runtime_eh() noexcept {
  return *reinterpret_cast<eh_globals*>(abi::__cxa_get_globals());
}

}  // namespace

fiber* current_fiber() noexcept { return t_current; }

std::uint32_t abandoned_fibers() noexcept { return t_abandoned; }

fiber::fiber(std::function<void()> body) : body_(std::move(body)) {
  stack_ = take_stack();
  stack_bytes_ = k_stack_bytes;
  // The first switch "returns" into fiber_main with the stack aligned as after a call: the
  // slot above its return address holds 0 (no caller), the switch's saved registers below.
  auto top = reinterpret_cast<std::uintptr_t>(stack_) + page_bytes() + stack_bytes_;
  top &= ~std::uintptr_t{15};
  auto* slots = reinterpret_cast<std::uint64_t*>(top);
  slots[-1] = 0;                                             // fiber_main's return address
  slots[-2] = reinterpret_cast<std::uint64_t>(&fiber_main);  // the switch's `ret`
  for (int i = 3; i <= 8; ++i) slots[-i] = 0;                // rbp rbx r12 r13 r14 r15
  slots[-9] = 0x1F80U | (std::uint64_t{0x037FU} << 32U);     // MXCSR, x87 control word
  sp_ = &slots[-9];
}

fiber::~fiber() {
  if (started_ && !finished_ && droppable_) {
    if (waiting_on_ != nullptr) waiting_on_->unlink();
#if CHAOSQ_ASAN_FIBERS
    // Its frames never return: clear what they left poisoned before the stack is reused.
    __asan_unpoison_memory_region(static_cast<char*>(stack_) + page_bytes(), stack_bytes_);
#endif
  } else if (started_ && !finished_) {
    unwinding_ = true;
    delivered_ = nullptr;
    resume();  // finished, or abandoned: see `unwinding()`
  }
  give_back_stack(stack_);
}

void fiber::resume() {
  assert(!finished_);
  started_ = true;
  switch_in();
}

void fiber::switch_in() {
  outer_ = t_current;
  t_current = this;
  eh_globals& eh = runtime_eh();
  std::swap(eh.caught, eh_caught_);
  std::swap(eh.uncaught, eh_uncaught_);
#if CHAOSQ_ASAN_FIBERS
  void* caller_fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&caller_fake_stack, static_cast<char*>(stack_) + page_bytes(),
                                 stack_bytes_);
  chaosq_sync_switch(&caller_sp_, sp_);
  __sanitizer_finish_switch_fiber(caller_fake_stack, nullptr, nullptr);
#else
  chaosq_sync_switch(&caller_sp_, sp_);
#endif
  eh_globals& back = runtime_eh();
  std::swap(back.caught, eh_caught_);
  std::swap(back.uncaught, eh_uncaught_);
  t_current = outer_;
}

void fiber::switch_out(bool finishing) {
#if CHAOSQ_ASAN_FIBERS
  __sanitizer_start_switch_fiber(finishing ? nullptr : &asan_fake_stack_, caller_stack_bottom_,
                                 caller_stack_size_);
  chaosq_sync_switch(&sp_, caller_sp_);
  __sanitizer_finish_switch_fiber(asan_fake_stack_, &caller_stack_bottom_, &caller_stack_size_);
#else
  (void)finishing;
  chaosq_sync_switch(&sp_, caller_sp_);
#endif
}

void fiber_main() noexcept {
  fiber* self = t_current;
#if CHAOSQ_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(nullptr, &self->caller_stack_bottom_, &self->caller_stack_size_);
#endif
  try {
    self->body_();
    self->body_ = nullptr;  // what the body captured dies on its own thread, as std::thread's
  } catch (const fiber_unwind&) {
    self->body_ = nullptr;
  } catch (...) {
    self->error_ = std::current_exception();
    self->body_ = nullptr;
  }
  self->finished_ = true;
  self->blocked_in_ = nullptr;
  self->switch_out(true);
  std::abort();  // a finished fiber is never resumed
}

void fiber::suspend() {
  switch_out(false);
  blocked_in_ = nullptr;
}

void fiber::unwind_if_possible() {
  // Throwing from a destructor that an exception is running would terminate the program.
  if (std::uncaught_exceptions() == 0) throw fiber_unwind{};
}

void fiber::count_unwind_operation() {
  if (++unwind_operations_ <= k_unwind_operations) return;
  abandoned_ = true;
  ++t_abandoned;
  switch_out(true);
  std::abort();  // an abandoned fiber is never resumed
}

void fiber::yield() {
  if (unwinding_) return count_unwind_operation();
  if (skip_yield_) {
    skip_yield_ = false;
    return;
  }
  request_ = request::yield;
  suspend();
}

void fiber::wait(sim::future& f, const char* what) {
  if (unwinding_) {
    count_unwind_operation();
    return unwind_if_possible();
  }
  request_ = request::wait;
  waiting_on_ = &f;
  blocked_in_ = what;
  suspend();
  waiting_on_ = nullptr;
  if (unwinding_) unwind_if_possible();
}

}  // namespace chaosq::sync::detail

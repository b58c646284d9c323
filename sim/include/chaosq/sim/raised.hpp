#pragma once
/// \file
/// `raised`: an exception a coroutine or a wait ended with, held as a value instead of thrown.

#include <cstdint>
#include <exception>
#include <optional>

namespace chaosq::sim {

/// What an exception a coroutine ends with stands for, when the code ending it knows.
enum class error_kind : std::uint8_t {
  cancellation,  ///< a `cancelled_error` (or a type derived from it)
  failure,       ///< anything else
};

/// An exception held as a value: what `future::settled()` and `task::settled()` return instead
/// of raising it. A harness that expects faults on every run handles them as values; throwing
/// one through a wait, a queue call and a consumer costs four unwinds.
struct raised {
  std::exception_ptr error;        ///< null: nothing was raised
  std::optional<error_kind> kind;  ///< nullopt: thrown out of a coroutine body, so not told

  explicit operator bool() const noexcept { return error != nullptr; }
  /// `kind`, or, when not told, what rethrowing `error` finds (the slow path).
  [[nodiscard]] error_kind classify() const;
};

}  // namespace chaosq::sim

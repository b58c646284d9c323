#pragma once
/// \file
/// The exceptions the loop itself raises inside tasks.

#include <stdexcept>
#include <string>

namespace chaosq::sim {

/// Raised inside a task at the suspension point where it sees its cancellation
/// (asyncio.CancelledError). Deliberately not a `std::exception`: like Python's BaseException,
/// `catch (const std::exception&)` does not swallow a cancellation; `catch (...)` does.
struct cancelled_error {};

/// A crash planted in a task by a fault injector. Distinct from every error a program raises
/// itself, so an oracle can tell an injected crash from a bug. It is a `std::exception` because
/// it stands for an ordinary error (a failed request, a bad record) that user code may catch.
class injected_fault : public std::runtime_error {
 public:
  explicit injected_fault(const std::string& what) : std::runtime_error(what) {}
};

/// Raised by `wait_for` when its deadline cancels the awaited operation (asyncio.TimeoutError).
class timeout_error : public std::runtime_error {
 public:
  timeout_error() : std::runtime_error("timeout") {}
};

}  // namespace chaosq::sim

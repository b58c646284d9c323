#pragma once
/// \file
/// The four ways a queue operation fails, as in asyncio.

#include <stdexcept>
#include <string_view>

namespace chaosq::queue {

/// Base of every queue error; each derived type is one of asyncio's.
class queue_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// `get_nowait()` on an empty queue that is not shut down (asyncio.QueueEmpty).
class queue_empty : public queue_error {
 public:
  /// The exception CPython raises here, by name.
  static constexpr std::string_view k_python_name = "QueueEmpty";
  queue_empty() : queue_error("queue empty") {}
};

/// `put_nowait()` on a full queue (asyncio.QueueFull).
class queue_full : public queue_error {
 public:
  /// The exception CPython raises here, by name.
  static constexpr std::string_view k_python_name = "QueueFull";
  queue_full() : queue_error("queue full") {}
};

/// Putting to a shut-down queue, or getting from one that is shut down and empty
/// (asyncio.QueueShutDown).
class queue_shut_down : public queue_error {
 public:
  /// The exception CPython raises here, by name.
  static constexpr std::string_view k_python_name = "QueueShutDown";
  queue_shut_down() : queue_error("queue shut down") {}
};

/// `task_done()` with no unfinished task left (asyncio's ValueError); the count is unchanged.
class task_done_error : public queue_error {
 public:
  /// The exception CPython raises here, by name.
  static constexpr std::string_view k_python_name = "ValueError";
  task_done_error() : queue_error("task_done() called too many times") {}
};

}  // namespace chaosq::queue

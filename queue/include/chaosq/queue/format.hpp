#pragma once
/// \file
/// Debug formatting of a queue, with the content of asyncio's `repr`, `str` and `_format`, and
/// the names of the queue kinds.

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include "chaosq/queue/queue.hpp"

namespace chaosq::queue {

/// The class name asyncio would print for this kind.
[[nodiscard]] constexpr std::string_view python_name(queue_kind k) noexcept {
  switch (k) {
    case queue_kind::fifo:
      return "Queue";
    case queue_kind::lifo:
      return "LifoQueue";
    case queue_kind::priority:
      return "PriorityQueue";
  }
  return "?";
}

/// chaosq's name for the kind, as queue programs and the command line spell it: `fifo`, `lifo`,
/// `priority`.
[[nodiscard]] constexpr std::string_view kind_name(queue_kind k) noexcept {
  switch (k) {
    case queue_kind::fifo:
      return "fifo";
    case queue_kind::lifo:
      return "lifo";
    case queue_kind::priority:
      return "priority";
  }
  return "?";
}

namespace detail {
template <class T>
void write_item(std::ostream& out, const T& item) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out << '\'' << std::string_view(item) << '\'';  // Python's repr of a str
  } else {
    out << item;
  }
}
}  // namespace detail

/// asyncio's `Queue._format()`: `maxsize=N`, then only what is present: `_queue=[...]`,
/// `_getters[N]`, `_putters[N]`, `tasks=N`, `shutdown`.
template <class T>
[[nodiscard]] std::string format(const basic_queue<T>& q) {
  std::ostringstream out;
  out << "maxsize=" << q.maxsize();
  if (!q.empty()) {
    out << " _queue=[";
    const char* sep = "";
    for (const T& item : q.items()) {
      out << sep;
      detail::write_item(out, item);
      sep = ", ";
    }
    out << ']';
  }
  if (q.getter_count() != 0) out << " _getters[" << q.getter_count() << ']';
  if (q.putter_count() != 0) out << " _putters[" << q.putter_count() << ']';
  if (q.unfinished_tasks() != 0) out << " tasks=" << q.unfinished_tasks();
  if (q.is_shut_down()) out << " shutdown";
  return out.str();
}

/// asyncio's `str(q)`: `<Queue maxsize=0 ...>`.
template <class T>
[[nodiscard]] std::string to_string(const basic_queue<T>& q) {
  return "<" + std::string(python_name(q.kind())) + " " + format(q) + ">";
}

/// asyncio's `repr(q)`: as `to_string` with the object's address, `<Queue at 0x... ...>`.
/// Debug output only: an address is not deterministic, so no trace ever uses it.
template <class T>
[[nodiscard]] std::string repr(const basic_queue<T>& q) {
  std::ostringstream out;
  out << "<" << python_name(q.kind()) << " at 0x" << std::hex
      << reinterpret_cast<std::uintptr_t>(&q) << " " << format(q) << ">";
  return out.str();
}

}  // namespace chaosq::queue

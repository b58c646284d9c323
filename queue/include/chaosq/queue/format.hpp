#pragma once
/// \file
/// Debug formatting of a queue, with the content of asyncio's `repr`, `str` and `_format`, and
/// the names of the queue kinds.

#include <cstddef>
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

/// Code points from U+0100 up that Python's `str.isprintable()` rejects (categories Cc, Cf, Co,
/// Zs, Zl, Zp; Unicode 15.1, as in CPython 3.13.0). Unassigned code points (Cn), which Python
/// also escapes, are not listed: they depend on the Unicode version and are rare in practice.
struct code_point_range {
  char32_t first;
  char32_t last;
};
inline constexpr code_point_range k_unprintable_from_0x100[] = {
    {0x600, 0x605},       {0x61C, 0x61C},     {0x6DD, 0x6DD},     {0x70F, 0x70F},
    {0x890, 0x891},       {0x8E2, 0x8E2},     {0x1680, 0x1680},   {0x180E, 0x180E},
    {0x2000, 0x200F},     {0x2028, 0x202F},   {0x205F, 0x2064},   {0x2066, 0x206F},
    {0x3000, 0x3000},     {0xE000, 0xF8FF},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},
    {0x110BD, 0x110BD},   {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A},   {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0xFFFFD},
    {0x100000, 0x10FFFD},
};

[[nodiscard]] constexpr bool printable(char32_t c) noexcept {
  if (c < 0x20 || c == 0x7F) return false;
  if (c < 0x80) return true;
  if (c <= 0xA0 || c == 0xAD) return false;  // C1 controls, no-break space, soft hyphen
  for (const code_point_range& r : k_unprintable_from_0x100) {
    if (c >= r.first && c <= r.last) return false;
  }
  return true;
}

/// Decodes one UTF-8 sequence at the front of `s` into `c`; returns its length, or 0 when the
/// front is not well-formed UTF-8 (overlong, a surrogate, beyond U+10FFFF, truncated).
[[nodiscard]] constexpr std::size_t decode_utf8(std::string_view s, char32_t& c) noexcept {
  auto const byte = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char const b0 = byte(0);
  if (b0 < 0x80) {
    c = b0;
    return 1;
  }
  std::size_t n = 0;  // the sequence's length
  if ((b0 & 0xE0U) == 0xC0U) {
    n = 2;
  } else if ((b0 & 0xF0U) == 0xE0U) {
    n = 3;
  } else if ((b0 & 0xF8U) == 0xF0U) {
    n = 4;
  } else {
    return 0;
  }
  constexpr char32_t k_min[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter is overlong
  char32_t const min = k_min[n];
  c = b0 & (0x7FU >> n);
  if (s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0U) != 0x80U) return 0;
    c = (c << 6U) | (byte(i) & 0x3FU);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  return n;
}

inline void write_hex(std::string& out, char prefix, std::uint32_t value, int digits) {
  static constexpr char k_hex[] = "0123456789abcdef";
  out += '\\';
  out += prefix;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
    out += k_hex[(value >> static_cast<unsigned>(shift)) & 0xFU];
  }
}

}  // namespace detail

/// Python's `repr()` of a str holding the UTF-8 text `s`: single quotes, or double quotes when
/// `s` contains ' and no "; backslash and the chosen quote escaped; \t, \n, \r; other characters
/// that `str.isprintable()` rejects as \xNN, \uNNNN or \UNNNNNNNN. A byte that is not part of
/// well-formed UTF-8 (which a Python str cannot hold) is written as \xNN.
[[nodiscard]] inline std::string python_repr(std::string_view s) {
  char const quote =
      s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos ? '"' : '\'';
  std::string out;
  out.reserve(s.size() + 2);
  out += quote;
  while (!s.empty()) {
    char32_t c = 0;
    std::size_t const n = detail::decode_utf8(s, c);
    if (n == 0) {
      detail::write_hex(out, 'x', static_cast<unsigned char>(s[0]), 2);
      s.remove_prefix(1);
      continue;
    }
    if (c == static_cast<char32_t>(quote) || c == U'\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == U'\t') {
      out += "\\t";
    } else if (c == U'\n') {
      out += "\\n";
    } else if (c == U'\r') {
      out += "\\r";
    } else if (detail::printable(c)) {
      out.append(s.substr(0, n));
    } else if (c < 0x100) {
      detail::write_hex(out, 'x', c, 2);
    } else if (c < 0x10000) {
      detail::write_hex(out, 'u', c, 4);
    } else {
      detail::write_hex(out, 'U', c, 8);
    }
    s.remove_prefix(n);
  }
  out += quote;
  return out;
}

namespace detail {
template <class T>
void write_item(std::ostream& out, const T& item) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out << python_repr(std::string_view(item));
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

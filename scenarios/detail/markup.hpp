#pragma once
/// \file
/// Escaping text for XML and HTML, shared by the JUnit report and the HTML timeline.

#include <string>
#include <string_view>

namespace chaosq::scenarios::detail {

/// `text` with &, <, >, " and ' escaped, and every control character but tab, newline and
/// carriage return (which XML 1.0 does not allow) replaced by '?'.
[[nodiscard]] inline std::string markup_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += '?';
        else
          out += c;
    }
  }
  return out;
}

}  // namespace chaosq::scenarios::detail

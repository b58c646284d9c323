#include "chaosq/harness/token.hpp"

#include <array>
#include <cassert>
#include <limits>
#include <optional>
#include <type_traits>

#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::harness {
namespace {

/// "cq", one version digit, "-".
constexpr std::size_t prefix_size = 4;

/// The version a workload needs: the newest `since` among its fields that hold a non-default
/// value (2 when the drawn crashes are restricted to some points, 3 with a join timeout).
unsigned version_for(const workload& w) {
  unsigned version = 1;
  for_each_field_with_default(w, [&](const field_info& f, const auto& value, const auto& fallback) {
    if (!(value == fallback)) version = std::max(version, f.since);
  });
  return version;
}
constexpr std::size_t checksum_digits = 8;
constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view hex_digits = "0123456789abcdef";

// ---- CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, initial and final xor ~0) ----

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> crc_table = make_crc_table();

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  std::uint32_t c = 0xFFFFFFFFU;
  for (std::uint8_t b : bytes) c = crc_table[(c ^ b) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

static_assert(make_crc_table()[1] == 0x77073096U && make_crc_table()[255] == 0x2D02EF8DU);

std::string to_hex(std::uint32_t v) {
  std::string out(checksum_digits, '0');
  for (std::size_t i = checksum_digits; i-- > 0; v >>= 4) out[i] = hex_digits[v & 0xFU];
  return out;
}

// ---- base64url without padding ----

constexpr std::array<std::int8_t, 256> make_base64_values() {
  std::array<std::int8_t, 256> values{};
  values.fill(-1);
  for (std::size_t i = 0; i < base64url_alphabet.size(); ++i)
    values[static_cast<unsigned char>(base64url_alphabet[i])] = static_cast<std::int8_t>(i);
  return values;
}

constexpr std::array<std::int8_t, 256> base64_values = make_base64_values();

void append_base64url(std::string& out, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t const v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) |
                            std::uint32_t{bytes[i + 2]};
    for (int shift = 18; shift >= 0; shift -= 6) out += base64url_alphabet[(v >> shift) & 0x3FU];
  }
  if (bytes.size() - i == 1) {
    std::uint32_t const v = std::uint32_t{bytes[i]} << 16;
    out += base64url_alphabet[(v >> 18) & 0x3FU];
    out += base64url_alphabet[(v >> 12) & 0x3FU];
  } else if (bytes.size() - i == 2) {
    std::uint32_t const v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out += base64url_alphabet[(v >> 18) & 0x3FU];
    out += base64url_alphabet[(v >> 12) & 0x3FU];
    out += base64url_alphabet[(v >> 6) & 0x3FU];
  }
}

/// A character as an error message shows it: 'x' when printable, else its byte value.
std::string describe_char(char c) {
  auto const u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  return std::string("byte 0x") + hex_digits[u >> 4] + hex_digits[u & 0xFU];
}

// ---- payload writing ----

template <class E>
constexpr bool names_are_dense() {
  for (std::size_t i = 0; i < names_of<E>::values.size(); ++i)
    if (static_cast<std::size_t>(names_of<E>::values[i].value) != i) return false;
  return true;
}

class payload_writer {
 public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<std::uint8_t>(v));
  }
  void zigzag(std::int32_t v) {
    auto const u = static_cast<std::uint32_t>(v);
    varint((u << 1) ^ (v < 0 ? 0xFFFFFFFFU : 0U));
  }
  template <class E>
  void enumeration(E e) {
    static_assert(names_are_dense<E>(), "the token stores an enum as its index in names_of<E>");
    varint(static_cast<std::underlying_type_t<E>>(e));
  }
  void text(const std::string& s) {
    assert(s.size() <= token_limits::name_bytes);
    varint(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

// ---- payload reading ----

/// A field's name for error messages, built only when an error needs it: "pinned fault 2 task".
struct field {
  static constexpr std::size_t no_index = std::numeric_limits<std::size_t>::max();
  // Implicit, so that a call reads `r.u32({"item count"}, w.items)`.
  field(std::string_view what) : name(what) {}
  field(std::string_view what, std::size_t at, std::string_view sub = {})
      : name(what), index(at), part(sub) {}
  /// A workload field, named as the table names it: "field 'restarts'".
  [[nodiscard]] static field of(const field_info& f) {
    field out(f.name());
    out.quoted = true;
    return out;
  }

  std::string_view name;
  bool quoted = false;
  std::size_t index = no_index;
  std::string_view part;
  std::string_view suffix;  ///< "length" for a string's length

  [[nodiscard]] field length() const {
    field f = *this;
    f.suffix = "length";
    return f;
  }

  [[nodiscard]] std::string str() const {
    std::string out = quoted ? "field '" + std::string(name) + "'" : std::string(name);
    if (index != no_index) out += " " + std::to_string(index);
    if (!part.empty()) out.append(" ").append(part);
    if (!suffix.empty()) out.append(" ").append(suffix);
    return out;
  }
};

/// Reads the payload bytes, stopping at the first problem, which it keeps as a `token_error`
/// whose offset is the token character holding the offending byte.
class payload_reader {
 public:
  payload_reader(std::span<const std::uint8_t> bytes, std::size_t first_char)
      : bytes_(bytes), first_char_(first_char) {}

  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] token_error take_error() { return std::move(*error_); }
  [[nodiscard]] std::size_t left() const { return bytes_.size() - pos_; }
  [[nodiscard]] std::size_t pos() const { return pos_; }

  /// The token character that holds payload byte `byte`: base64 puts 4 characters per 3 bytes.
  [[nodiscard]] std::size_t char_of(std::size_t byte) const { return first_char_ + byte * 4 / 3; }

  bool fail(std::string message, std::size_t at_byte) {
    if (!error_) error_ = token_error{std::move(message), char_of(at_byte)};
    return false;
  }

  /// An unsigned varint no greater than `max`, in its shortest form.
  bool varint(const field& f, std::uint64_t max, std::uint64_t& out) {
    std::size_t const start = pos_;
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (pos_ == bytes_.size())
        return fail("truncated payload: it ends while reading the " + f.str(), pos_);
      std::uint8_t const b = bytes_[pos_++];
      std::uint64_t const low = b & 0x7FU;
      if (shift == 63 && low > 1) return fail("the " + f.str() + " does not fit in 64 bits", start);
      v |= low << shift;
      if ((b & 0x80U) == 0) {
        if (b == 0 && pos_ - start > 1)
          return fail("the " + f.str() + " is not in its shortest form (a byte 0x00 ends it)",
                      start);
        break;
      }
      if (shift == 63) return fail("the " + f.str() + " does not fit in 64 bits", start);
    }
    if (v > max) {
      if (max == std::numeric_limits<std::uint32_t>::max())
        return fail(
            "the " + f.str() + " is " + std::to_string(v) + ", which does not fit in 32 bits",
            start);
      return fail("the " + f.str() + " is " + std::to_string(v) + ", above the limit " +
                      std::to_string(max),
                  start);
    }
    out = v;
    return true;
  }

  bool u32(const field& f, std::uint32_t& out) {
    std::uint64_t v = 0;
    if (!varint(f, std::numeric_limits<std::uint32_t>::max(), v)) return false;
    out = static_cast<std::uint32_t>(v);
    return true;
  }

  bool u64(const field& f, std::uint64_t& out) {
    return varint(f, std::numeric_limits<std::uint64_t>::max(), out);
  }

  bool zigzag(const field& f, std::int32_t& out) {
    std::uint32_t u = 0;
    if (!u32(f, u)) return false;
    out = static_cast<std::int32_t>((u >> 1) ^ (0U - (u & 1U)));
    return true;
  }

  template <class E>
  bool enumeration(const field& f, E& out) {
    static_assert(names_are_dense<E>(), "the token stores an enum as its index in names_of<E>");
    std::size_t const start = pos_;
    std::uint64_t v = 0;
    if (!varint(f, std::numeric_limits<std::uint64_t>::max(), v)) return false;
    constexpr std::size_t count = names_of<E>::values.size();
    if (v >= count)
      return fail("the " + f.str() + " is " + std::to_string(v) + ", out of range (0.." +
                      std::to_string(count - 1) + ": " + all_names<E>() + ")",
                  start);
    out = names_of<E>::values[static_cast<std::size_t>(v)].value;
    return true;
  }

  /// A count of entries that take at least `min_bytes` each: bounded by `limit` and by what
  /// the bytes left can hold, so a crafted count cannot make the caller allocate.
  bool count(const field& f, std::size_t limit, std::size_t min_bytes, std::size_t& out) {
    std::size_t const start = pos_;
    std::uint64_t v = 0;
    if (!varint(f, limit, v)) return false;
    if (v > left() / min_bytes)
      return fail("the " + f.str() + " is " + std::to_string(v) + ", more than the " +
                      std::to_string(left()) + " payload bytes left can hold (truncated payload?)",
                  start);
    out = static_cast<std::size_t>(v);
    return true;
  }

  bool text(const field& f, std::string& out) {
    std::size_t const start = pos_;
    std::uint64_t v = 0;
    if (!varint(f.length(), token_limits::name_bytes, v)) return false;
    auto const n = static_cast<std::size_t>(v);
    if (n > left())
      return fail("truncated payload: the " + f.str() + " has " + std::to_string(n) +
                      " bytes but only " + std::to_string(left()) + " are left",
                  start);
    out.assign(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
               bytes_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t first_char_;
  std::size_t pos_ = 0;
  std::optional<token_error> error_;
};

// Smallest encodings, which bound how many entries the bytes left can hold.
constexpr std::size_t min_pinned_bytes = 5;   // kind, task length, point, item, occurrence
constexpr std::size_t min_control_bytes = 3;  // at_step, action, task length

bool read_workload(payload_reader& r, unsigned version, workload& w) {
  bool ok = true;
  bool newest_set = version == 1;  // a field new in `version` holds a non-default value
  std::size_t newest_start = 0;
  for_each_field_with_default(w, [&](const field_info& f, auto& value, const auto& fallback) {
    using T = std::remove_cvref_t<decltype(value)>;
    if (!ok || f.since > version) return;
    if (f.since == version && newest_start == 0) newest_start = r.pos();
    field const what = field::of(f);
    if constexpr (std::is_same_v<T, std::int32_t>) {
      ok = r.zigzag(what, value);
    } else if constexpr (std::is_same_v<T, std::uint32_t>) {
      ok = r.u32(what, value);
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
      std::size_t const start = r.pos();
      ok = r.u64(what, value);
      if (ok && f.id == field_id::step_budget && value == 0)
        ok = r.fail("the " + what.str() +
                        " is 0, which no token holds: a token carries the steps its run had (1.." +
                        std::to_string(f.hi) + ")",
                    start);
    } else if constexpr (std::is_same_v<T, point_set>) {
      std::uint32_t bits = 0;
      ok = r.u32(what, bits);
      value = point_set::from_bits(bits);
    } else if constexpr (std::is_same_v<T, code_name>) {
      ok = r.text(what, value.text);
    } else {
      ok = r.enumeration(what, value);
    }
    if (ok && f.since == version && !(value == fallback)) newest_set = true;
  });
  if (!ok) return false;
  if (!newest_set) {
    std::string fields;
    for (const field_info& f : workload_fields)
      if (f.since == version) fields += (fields.empty() ? "" : " or ") + std::string(f.name());
    return r.fail("a version " + std::to_string(version) + " token is written only when " + fields +
                      " is set, and here it is the default (this run's token is 'cq" +
                      std::to_string(version_for(w)) + "-')",
                  newest_start);
  }

  std::size_t n = 0;
  if (!r.count({"pinned fault count"}, token_limits::pinned_faults, min_pinned_bytes, n))
    return false;
  w.pinned.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    pinned_fault& p = w.pinned[i];
    ok = r.enumeration({"pinned fault", i, "kind"}, p.kind) &&
         r.text({"pinned fault", i, "task"}, p.task) &&
         r.enumeration({"pinned fault", i, "point"}, p.point) &&
         r.zigzag({"pinned fault", i, "item"}, p.item) &&
         r.u32({"pinned fault", i, "occurrence"}, p.occurrence);
    if (!ok) return false;
  }

  if (!r.count({"control event count"}, token_limits::control_events, min_control_bytes, n))
    return false;
  w.controls.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    control_event& c = w.controls[i];
    ok = r.u64({"control event", i, "step"}, c.at_step) &&
         r.enumeration({"control event", i, "action"}, c.action) &&
         r.text({"control event", i, "task"}, c.task);
    if (!ok) return false;
  }
  return true;
}

bool read_decisions(payload_reader& r, std::vector<std::uint32_t>& decisions) {
  std::size_t n = 0;
  if (!r.count({"decision count"}, token_limits::decisions, 1, n)) return false;
  decisions.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    if (!r.u32({"decision", i}, decisions[i])) return false;
  return true;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// Decodes the base64url text at `text` (which starts at token character `first`) into `out`,
/// or says what is wrong with it.
std::optional<token_error> decode_base64url(std::string_view text, std::size_t first,
                                            std::vector<std::uint8_t>& out) {
  for (std::size_t i = 0; i < text.size(); ++i)
    if (base64_values[static_cast<unsigned char>(text[i])] < 0)
      return token_error{"bad character " + describe_char(text[i]) + " at offset " +
                             std::to_string(first + i) +
                             " in the payload (base64url: A-Z a-z 0-9 - _)",
                         first + i};
  if (text.size() % 4 == 1)
    return token_error{"the payload's length, " + std::to_string(text.size()) +
                           " characters, is impossible for base64url (truncated or corrupted "
                           "token)",
                       first + text.size() - 1};
  out.clear();
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    acc = (acc << 6) | static_cast<std::uint32_t>(base64_values[static_cast<unsigned char>(c)]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1U << bits) - 1;
    }
  }
  if (acc != 0)
    return token_error{"the payload's last character " + describe_char(text.back()) +
                           " at offset " + std::to_string(first + text.size() - 1) +
                           " has bits set past the last byte (corrupted token)",
                       first + text.size() - 1};
  return std::nullopt;
}

}  // namespace

std::string encode_token(const workload& w, std::span<const std::uint32_t> decisions) {
  assert(validate(w).empty());
  assert(w.pinned.size() <= token_limits::pinned_faults);
  assert(w.controls.size() <= token_limits::control_events);
  assert(decisions.size() <= token_limits::decisions);

  unsigned const version = version_for(w);
  payload_writer p;
  for_each_field(w, [&](const field_info& f, const auto& value) {
    using T = std::remove_cvref_t<decltype(value)>;
    if (f.since > version) return;
    if constexpr (std::is_same_v<T, std::int32_t>) {
      p.zigzag(value);
    } else if constexpr (is_integer_field<T>) {
      // The step budget as a number, the one the run had: every chaosq replays the same steps,
      // whichever default it would have chosen.
      p.varint(f.id == field_id::step_budget ? step_budget_of(w) : value);
    } else if constexpr (std::is_same_v<T, point_set>) {
      p.varint(value.bits());
    } else if constexpr (std::is_same_v<T, code_name>) {
      p.text(value.text);
    } else {
      p.enumeration(value);
    }
  });
  // Every other member is a row of the field table (workload.cpp checks that none is missing).
  const auto& pinned = w.pinned;
  const auto& controls = w.controls;
  p.varint(pinned.size());
  for (const pinned_fault& f : pinned) {
    const auto& [fault, task, point, item_id, occurrence] = f;
    p.enumeration(fault);
    p.text(task);
    p.enumeration(point);
    p.zigzag(item_id);
    p.varint(occurrence);
  }
  p.varint(controls.size());
  for (const control_event& c : controls) {
    const auto& [at_step, action, task] = c;
    p.varint(at_step);
    p.enumeration(action);
    p.text(task);
  }
  p.varint(decisions.size());
  for (std::uint32_t d : decisions) p.varint(d);

  std::string token = "cq" + std::to_string(version) + "-";
  token.reserve(prefix_size + (p.bytes().size() * 4 + 2) / 3 + 1 + checksum_digits);
  append_base64url(token, p.bytes());
  token += '-';
  token += to_hex(crc32(p.bytes()));
  return token;
}

std::variant<decoded_token, token_error> decode_token(std::string_view token) {
  std::size_t begin = 0;
  std::size_t end = token.size();
  while (begin < end && is_space(token[begin])) ++begin;
  while (end > begin && is_space(token[end - 1])) --end;
  std::string_view const text = token.substr(begin, end - begin);
  if (text.empty()) return token_error{"empty token", begin};

  // The prefix: "cq", the version, "-".
  if (text.size() < prefix_size && std::string_view("cq1-").starts_with(text))
    return token_error{"truncated token: it ends inside the prefix 'cq1-'", end};
  if (!text.starts_with("cq"))
    return token_error{"not a chaosq replay token: it must start with 'cq' and a version (1 to " +
                           std::to_string(token_version) + "), then '-', as in 'cq1-'",
                       begin};
  std::size_t digits = 2;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string_view const version = text.substr(2, digits - 2);
  if (version.empty())
    return token_error{
        "not a chaosq replay token: 'cq' must be followed by a version, as in 'cq1-'", begin + 2};
  bool const known = version.size() == 1 && version[0] >= '1' &&
                     static_cast<unsigned>(version[0] - '0') <= token_version;
  if (!known) {
    std::string shown(version.substr(0, 12));
    if (version.size() > shown.size()) shown += "...";
    return token_error{"unsupported token version " + shown + "; this chaosq reads versions 1 to " +
                           std::to_string(token_version),
                       begin + 2};
  }
  auto const version_number = static_cast<unsigned>(version[0] - '0');
  if (digits == text.size() || text[digits] != '-')
    return token_error{
        "bad token prefix: expected '-' after 'cq" + std::string(version) + "', found " +
            (digits == text.size() ? std::string("the end") : describe_char(text[digits])),
        begin + digits};

  // The checksum, after the last '-' (the payload may hold '-' too; the checksum never does).
  std::size_t const payload_begin = begin + prefix_size;
  std::string_view const body = text.substr(prefix_size);
  std::size_t const dash = body.rfind('-');
  if (dash == std::string_view::npos)
    return token_error{"truncated token: no checksum ('-' and 8 hex digits) after the payload",
                       end};
  std::string_view const payload_text = body.substr(0, dash);
  std::string_view const checksum_text = body.substr(dash + 1);
  std::size_t const checksum_begin = payload_begin + dash + 1;
  std::uint32_t stated = 0;
  for (std::size_t i = 0; i < checksum_text.size(); ++i) {
    std::size_t const digit = hex_digits.find(checksum_text[i]);
    if (digit == std::string_view::npos)
      return token_error{"bad character " + describe_char(checksum_text[i]) + " at offset " +
                             std::to_string(checksum_begin + i) +
                             " in the checksum (8 lowercase hex digits)",
                         checksum_begin + i};
    stated = (stated << 4) | static_cast<std::uint32_t>(digit);
  }
  if (checksum_text.size() != checksum_digits)
    return token_error{"the checksum has " + std::to_string(checksum_text.size()) +
                           " hex digits, not 8 (truncated or corrupted token)",
                       checksum_begin};

  std::vector<std::uint8_t> bytes;
  if (auto error = decode_base64url(payload_text, payload_begin, bytes)) return *std::move(error);
  if (std::uint32_t const actual = crc32(bytes); actual != stated)
    return token_error{"checksum mismatch: the token says " + to_hex(stated) +
                           ", its payload's checksum is " + to_hex(actual) +
                           " (corrupted or truncated token)",
                       checksum_begin};

  payload_reader r(bytes, payload_begin);
  decoded_token out;
  if (!read_workload(r, version_number, out.work) || !read_decisions(r, out.decisions))
    return r.take_error();
  if (r.left() != 0)
    return token_error{std::to_string(r.left()) + " trailing payload bytes after the decisions",
                       r.char_of(r.pos())};
  if (auto problems = validate(out.work); !problems.empty()) {
    std::string message = "invalid workload: ";
    for (std::size_t i = 0; i < problems.size(); ++i) {
      if (i > 0) message += "; ";
      message += problems[i];
    }
    return token_error{std::move(message), payload_begin};
  }
  // The budget the workload would have chosen itself reads as that choice, so that a workload
  // that leaves it to scale decodes as it was encoded (and runs the same steps either way).
  if (out.work.step_budget == scaled_step_budget(out.work)) out.work.step_budget = 0;
  return out;
}

}  // namespace chaosq::harness

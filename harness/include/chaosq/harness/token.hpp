#pragma once
/// \file
/// Replay tokens: one line that carries a workload and a decision record, so that pasting it
/// into a bug report, a CI log or a chat reproduces the run byte for byte.
///
/// Grammar (versions 1 to 6):
///
///     token     = *ws "cq" version "-" payload "-" checksum *ws
///     version   = "1" / "2" / "3" / "4" / "5" / "6"
///     payload   = base64url (RFC 4648 section 5) of the payload bytes: no padding, the unused
///                 low bits of the last character zero
///     checksum  = 8 lowercase hex digits: CRC-32 (IEEE 802.3, as zlib's crc32) of the payload
///                 bytes
///
/// The payload bytes, in this order; every integer is an unsigned LEB128 varint in its shortest
/// form, signed integers zigzag-encoded first (z), enums as their underlying value, a string
/// its byte length and then its bytes:
///
///     the workload's fields, in the order of detail/workload_fields.def, each only when the
///     token's version is at least the field's `since`:
///       [mode] [program] kind maxsize(z) [queue_impl] producers items put consumers policy
///       [behaviour] work_steps restarts joiners join_when [join_timeout_ms] crashes cancels
///       shutdown odds [crash_points] step_budget
///     pinned-count  { kind task point item(z) occurrence }     one per pinned fault
///     control-count { at_step action task }                    one per control event
///     decision-count { decision }
///
/// `crash_points` (bit p: `fault_point` p) is there from version 2, `join_timeout_ms` from
/// version 3, `queue_impl` and `behaviour` (strings: the names of the code under test, as
/// registered, with the version it was registered with: "job-queue@1.2") from version 4, `mode`
/// from version 5, `program` (a Python program, "module:function", in mode python) from
/// version 6. A token is
/// written in the oldest version that carries its workload: version 1 unless a newer field holds a
/// non-default value, so every run an older chaosq could describe keeps its token, and a version N
/// > 1 token whose version-N fields are all the default is rejected as not canonical.
///
/// `step_budget` is always the number of steps the run may take (`step_budget_of`), never 0:
/// a workload that leaves its budget to scale with the workload is written with the budget it
/// scaled to, so that any chaosq, whatever its default, replays the same steps, and every
/// workload that fits in 100000 steps keeps the token it had when that was the fixed default.
/// The decoder reads a budget equal to the one the decoded workload would scale to as 0 (left
/// to scale), which runs the same steps. Every workload field is checked against its row's
/// range (through `validate`), whatever the token's checksum.
///
/// The encoding is canonical: a workload and a record have exactly one token, and a token that
/// decodes re-encodes to itself (less surrounding whitespace).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chaosq/harness/workload.hpp"

namespace chaosq::harness {

/// Bounds the decoder enforces on top of "no count larger than the bytes left could hold", so
/// that no token, however crafted, makes it allocate more than a small multiple of its size.
struct token_limits {
  static constexpr std::size_t name_bytes = 1024;        ///< a task name's length
  static constexpr std::size_t pinned_faults = 10'000;   ///< entries of `workload::pinned`
  static constexpr std::size_t control_events = 10'000;  ///< entries of `workload::controls`
  static constexpr std::size_t decisions = 64'000'000;   ///< length of the decision record
};

/// The newest version this chaosq reads and writes (the digit in the prefix); it reads every
/// version from 1 up.
inline constexpr unsigned token_version = 6;

/// The token for `w` and `decisions`: one line of printable ASCII without whitespace, the same
/// string for the same input on every machine.
/// Precondition: `validate(w)` is empty and `w` stays within `token_limits` (an invalid
/// workload's token would not decode).
[[nodiscard]] std::string encode_token(const workload& w, std::span<const std::uint32_t> decisions);

/// What a valid token carries: replay `decisions` on `work` to reproduce the run.
struct decoded_token {
  workload work;
  std::vector<std::uint32_t> decisions;
  friend bool operator==(const decoded_token&, const decoded_token&) = default;
};

/// Why a string is not a valid token.
struct token_error {
  std::string message;     ///< one line naming what is wrong: the field, the character, the values
  std::size_t offset = 0;  ///< where in the string passed to `decode_token` (whitespace included)
  friend bool operator==(const token_error&, const token_error&) = default;
};

/// Decodes a token written by `encode_token`, tolerating whitespace around it. Any input is
/// safe, including arbitrary bytes: a string that is not a valid token yields a `token_error`
/// (unsupported version, bad character, checksum mismatch, truncation, out-of-range value,
/// trailing bytes, or a workload that `validate` rejects), never undefined behaviour, and the
/// decoder allocates no more than a small multiple of the input's size.
[[nodiscard]] std::variant<decoded_token, token_error> decode_token(std::string_view token);

}  // namespace chaosq::harness

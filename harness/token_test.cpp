#include "chaosq/harness/token.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload_fields.hpp"

namespace chaosq::harness {
namespace {

using bytes = std::vector<std::uint8_t>;

// ---- forging tokens around hand-built payloads ----
// Written independently of token.cpp (bitwise CRC, plain base64) so that the golden test below
// checks both against zlib's values.

std::uint32_t bitwise_crc32(const bytes& payload) {
  std::uint32_t c = 0xFFFFFFFFU;
  for (std::uint8_t b : payload) {
    c ^= b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ (0xEDB88320U & (0U - (c & 1U)));
  }
  return ~c;
}

constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(const bytes& payload) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : payload) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += k_alphabet[(acc >> bits) & 0x3FU];
    }
  }
  if (bits > 0) out += k_alphabet[(acc << (6 - bits)) & 0x3FU];
  return out;
}

bytes from_base64url(std::string_view text) {
  bytes out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    acc = (acc << 6) | static_cast<std::uint32_t>(k_alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  return out;
}

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

/// A token with a correct checksum around any payload bytes.
std::string forge(const bytes& payload, char version = '1') {
  return std::string("cq") + version + "-" + base64url(payload) + "-" +
         hex8(bitwise_crc32(payload));
}

/// The payload bytes of a well-formed token.
bytes payload_of(std::string_view token) {
  std::string_view body = token.substr(4);
  return from_base64url(body.substr(0, body.rfind('-')));
}

bytes concat(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// The default workload's fields, up to and including the (empty) control events.
const bytes k_default_workload = {
    0,                       // kind fifo
    0,                       // maxsize 0
    1,    3,    0,    2, 0,  // producers, items, put, consumers, policy
    1,    0,    1,    0,     // work_steps, restarts, joiners, join_when
    0,    0,    0,    8,     // crashes, cancels, shutdown, odds
    0xA0, 0x8D, 0x06,        // step_budget 100000
    0,    0,                 // no pinned faults, no control events
};

// ---- results ----

decoded_token decoded(std::string_view token) {
  auto result = decode_token(token);
  if (const auto* e = std::get_if<token_error>(&result)) {
    ADD_FAILURE() << "decoding '" << token << "' failed at " << e->offset << ": " << e->message;
    return {};
  }
  return std::get<decoded_token>(std::move(result));
}

token_error error_of(std::string_view token) {
  auto result = decode_token(token);
  if (auto* e = std::get_if<token_error>(&result)) return std::move(*e);
  ADD_FAILURE() << "'" << token << "' decoded, expected an error";
  return {};
}

std::string_view trimmed(std::string_view s) {
  auto const first = s.find_first_not_of(" \t\r\n\v\f");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n\v\f") - first + 1);
}

/// A decoded token is canonical: it re-encodes to exactly the text it came from.
void expect_canonical(std::string_view token, const decoded_token& d) {
  EXPECT_EQ(encode_token(d.work, d.decisions), trimmed(token));
}

workload rich_workload() {
  workload w;
  w.kind = queue::queue_kind::priority;
  w.maxsize = 4;
  w.producers = 3;
  w.items = 5;
  w.put = put_mode::nowait;
  w.consumers = 4;
  w.policy = ack_policy::twice;
  w.work_steps = 7;
  w.restarts = 2;
  w.joiners = 2;
  w.join_when = join_when::at_start;
  w.faults = {.crashes = 3, .cancels = 2, .shutdown = shutdown_allowance::any, .odds = 5};
  w.pinned = {
      {fault_kind::crash, "c1", fault_point::mid_item, 7, 2},
      {fault_kind::cancel, "p2", fault_point::in_put, -1, 0},
      {fault_kind::cancel, "j1", fault_point::in_join, -1,
       std::numeric_limits<std::uint32_t>::max()},
      {fault_kind::crash, "c3.2", fault_point::before_ack, 14, 1},
  };
  w.controls = {
      {0, control_action::shutdown_graceful, ""},
      {17, control_action::cancel, "c0.1"},
      {std::numeric_limits<std::uint64_t>::max(), control_action::shutdown_immediate, ""},
  };
  w.step_budget = info(field_id::step_budget).hi;
  return w;
}

std::vector<std::uint32_t> some_decisions(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> d(n);
  for (auto& v : d) {
    auto const r = rng();
    // Mostly small values, as schedules draw them, with every varint length represented.
    v = static_cast<std::uint32_t>(r >> 32) >> (r % 32);
  }
  if (n >= 2) {
    d[0] = 0;
    d[1] = std::numeric_limits<std::uint32_t>::max();
  }
  return d;
}

// ---- round trips ----

TEST(token, round_trips_the_default_workload) {
  for (std::size_t n : {0, 1, 3}) {
    auto const decisions = some_decisions(n, 1);
    std::string const t = encode_token(workload{}, decisions);
    auto const d = decoded(t);
    EXPECT_EQ(d.work, workload{});
    EXPECT_EQ(d.decisions, decisions);
  }
}

TEST(token, round_trips_a_rich_workload_and_thousands_of_decisions) {
  workload const w = rich_workload();
  ASSERT_TRUE(validate(w).empty());
  auto const decisions = some_decisions(5000, 2);
  std::string const t = encode_token(w, decisions);
  auto const d = decoded(t);
  EXPECT_EQ(d.work, w);
  EXPECT_EQ(d.decisions, decisions);
  expect_canonical(t, d);
}

TEST(token, round_trips_extreme_signed_values) {
  workload w;
  // maxsize is 0.. (the field table's range); a pinned fault's item is the signed extreme.
  w.pinned = {{fault_kind::crash, "c0", fault_point::after_get,
               std::numeric_limits<std::int32_t>::min(), 0}};
  auto d = decoded(encode_token(w, {}));
  EXPECT_EQ(d.work, w);
  w.maxsize = std::numeric_limits<std::int32_t>::max();
  d = decoded(encode_token(w, {}));
  EXPECT_EQ(d.work, w);
}

TEST(token, is_one_line_of_printable_ascii) {
  std::string const t = encode_token(rich_workload(), some_decisions(300, 3));
  for (char c : t) EXPECT_TRUE(c > ' ' && c < 0x7F) << int(c);
  EXPECT_TRUE(t.starts_with("cq1-"));
}

TEST(token, encoding_is_deterministic) {
  auto const decisions = some_decisions(1000, 4);
  workload const a = rich_workload();
  workload const b = rich_workload();
  std::string const first = encode_token(a, decisions);
  EXPECT_EQ(first, encode_token(a, decisions));
  EXPECT_EQ(first, encode_token(b, std::vector<std::uint32_t>(decisions)));
}

TEST(token, golden_default_token_pins_the_format) {
  // Computed with Python: base64.urlsafe_b64encode(payload), zlib.crc32(payload).
  std::vector<std::uint32_t> const decisions = {0, 1, 300};
  std::string const golden = "cq1-AAABAwACAAEAAQAAAAAIoI0GAAADAAGsAg-28009fc2";
  EXPECT_EQ(encode_token(workload{}, decisions), golden);
  EXPECT_EQ(forge(concat(k_default_workload, {3, 0, 1, 0xAC, 0x02})), golden);
  auto const d = decoded(golden);
  EXPECT_EQ(d.work, workload{});
  EXPECT_EQ(d.decisions, decisions);
}

// ---- version 2: restricted crash points ----

/// The default workload's fields in version 2, with crash points `points` (one varint byte).
bytes version_2_workload(std::uint8_t points) {
  bytes out(k_default_workload.begin(), k_default_workload.begin() + 15);  // up to odds
  out.push_back(points);
  out.insert(out.end(), k_default_workload.begin() + 15, k_default_workload.end());
  return out;
}

TEST(token, restricted_crash_points_are_written_as_version_2) {
  workload w;
  w.faults.crash_points = {fault_point::mid_item};
  std::vector<std::uint32_t> const decisions = {0, 1, 300};
  std::string const t = encode_token(w, decisions);
  // mid-item is bit 1: the crash points byte is 2.
  EXPECT_EQ(t, forge(concat(version_2_workload(2), {3, 0, 1, 0xAC, 0x02}), '2'));
  auto const d = decoded(t);
  EXPECT_EQ(d.work, w);
  EXPECT_EQ(d.decisions, decisions);
  // Every other workload keeps its version 1 token: the default crash points are not written.
  w.faults.crash_points = drawn_crash_points;
  EXPECT_TRUE(encode_token(w, decisions).starts_with("cq1-"));
}

TEST(token, round_trips_every_single_crash_point) {
  for (const auto& [p, name, help] : names_of<fault_point>::values) {
    if (!drawn_crash_points.contains(p)) continue;
    workload w = rich_workload();
    w.faults.crash_points = {p};
    auto const d = decoded(encode_token(w, some_decisions(40, 2)));
    EXPECT_EQ(d.work, w) << name;
  }
}

TEST(token, version_2_with_the_default_crash_points_is_not_canonical) {
  // Byte 15 (the crash points) is in token character 4 + 15 * 4 / 3 = 24.
  EXPECT_EQ(error_of(forge(version_2_workload(0x3F), '2')),
            (token_error{"a version 2 token is written only when crash-points is set, and here "
                         "it is the default (this run's token is 'cq1-')",
                         24}));
}

TEST(token, version_2_crash_points_must_be_drawn_points) {
  // in-put (bit 6) never draws a crash; an empty set draws none. (No decisions: count 0.)
  EXPECT_EQ(error_of(forge(concat(version_2_workload(0x42), {0}), '2')).message,
            "invalid workload: crash-points: crashes are never drawn at in-put (only at "
            "after-get,mid-item,before-ack,after-ack,in-get,before-put)");
  EXPECT_EQ(error_of(forge(concat(version_2_workload(0), {0}), '2')).message,
            "invalid workload: crash-points must name at least one point");
}

// ---- version 3: the join timeout ----

/// The default workload as version 3 writes it: the join timeout after join_when (byte 11),
/// the crash points after odds.
bytes version_3_workload(bytes timeout, std::uint8_t points = 0x3F) {
  bytes out;
  // Room for every byte up front: a growing insert here trips g++ 12's -Warray-bounds false
  // positive at -O2 and above (one of those collected under GCC bug 56456).
  out.reserve(k_default_workload.size() + timeout.size() + 1);
  out.assign(k_default_workload.begin(), k_default_workload.begin() + 11);  // up to join_when
  out.insert(out.end(), timeout.begin(), timeout.end());
  out.insert(out.end(), k_default_workload.begin() + 11, k_default_workload.begin() + 15);
  out.push_back(points);
  out.insert(out.end(), k_default_workload.begin() + 15, k_default_workload.end());
  return out;
}

TEST(token, a_join_timeout_is_written_as_version_3_and_round_trips) {
  workload w;
  w.join_timeout_ms = 5000;
  std::vector<std::uint32_t> const decisions = {1, 0, 7};
  std::string const t = encode_token(w, decisions);
  // 5000 = 0x88 0x27 as a varint; every crash point: 0x3F.
  EXPECT_EQ(t, forge(concat(version_3_workload({0x88, 0x27}), {3, 1, 0, 7}), '3'));
  auto const d = decoded(t);
  EXPECT_EQ(d.work, w);
  EXPECT_EQ(d.decisions, decisions);
  expect_canonical(t, d);
  // With restricted crash points too: still version 3, both carried.
  w.faults.crash_points = {fault_point::mid_item, fault_point::in_get};
  w.join_timeout_ms = std::numeric_limits<std::uint32_t>::max();
  std::string const both = encode_token(w, decisions);
  EXPECT_TRUE(both.starts_with("cq3-")) << both;
  EXPECT_EQ(decoded(both).work, w);
  expect_canonical(both, decoded(both));
}

TEST(token, a_join_timeout_leaves_older_tokens_as_they_were) {
  workload w = rich_workload();
  std::string const v1 = encode_token(w, some_decisions(50, 3));
  EXPECT_TRUE(v1.starts_with("cq1-"));
  w.faults.crash_points = {fault_point::mid_item};
  EXPECT_TRUE(encode_token(w, {}).starts_with("cq2-"));
  EXPECT_EQ(decoded(v1).work.join_timeout_ms, 0U);
}

TEST(token, version_3_without_a_join_timeout_is_not_canonical) {
  // Byte 11 (the join timeout) is in token character 4 + 11 * 4 / 3 = 18.
  EXPECT_EQ(error_of(forge(concat(version_3_workload({0}, 0x02), {0}), '3')),
            (token_error{"a version 3 token is written only when join-timeout is set, and here "
                         "it is the default (this run's token is 'cq2-')",
                         18}));
}

TEST(token, a_version_1_payload_under_a_version_2_prefix_is_an_error_not_a_crash) {
  // The reader takes the step budget's first byte as the crash points: some error, never a
  // crash, and never a silently different workload.
  auto result = decode_token(forge(concat(k_default_workload, {0}), '2'));
  EXPECT_TRUE(std::holds_alternative<token_error>(result));
}

TEST(token, replaying_a_decoded_token_reproduces_the_run_byte_for_byte) {
  workload w;
  w.policy = ack_policy::on_success;
  w.consumers = 2;
  w.faults.crashes = 1;
  run_options traced;
  traced.trace = true;
  std::size_t failures = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    sim::random_decisions source(seed);
    run_report const original = run(w, source);
    if (!original.violation) continue;
    ++failures;
    auto const d = decoded(encode_token(w, original.decisions));
    run_report const again = replay(d.work, d.decisions, traced);
    run_report const reference = replay(w, original.decisions, traced);
    ASSERT_TRUE(again.violation);
    EXPECT_EQ(again.violation->signature(), original.violation->signature());
    EXPECT_EQ(again.violation->message, original.violation->message);
    EXPECT_EQ(again.steps, original.steps);
    EXPECT_EQ(again.decisions, original.decisions);
    EXPECT_EQ(again.trace->to_text(), reference.trace->to_text());
  }
  EXPECT_GT(failures, 0U);
}

// ---- whitespace ----

TEST(token, tolerates_whitespace_around_the_token) {
  std::string const t = encode_token(rich_workload(), some_decisions(20, 5));
  auto const plain = decoded(t);
  for (std::string const& pasted : {"  " + t, t + "\n", "\t " + t + " \r\n", "\n\n" + t + "\v\f"}) {
    EXPECT_EQ(decoded(pasted), plain);
  }
  EXPECT_EQ(error_of(" " + t.substr(0, 10) + " " + t.substr(10)).offset, 11U);
}

TEST(token, error_offsets_count_leading_whitespace) {
  token_error const e = error_of("  \tcq7-AAAA-00000000");
  EXPECT_EQ(e.message, "unsupported token version 7; this chaosq reads versions 1 to 6");
  EXPECT_EQ(e.offset, 5U);
}

// ---- exact errors: prefix and version ----

TEST(token, names_an_unsupported_version) {
  EXPECT_EQ(error_of("cq7-AAAA-00000000"),
            (token_error{"unsupported token version 7; this chaosq reads versions 1 to 6", 2}));
  EXPECT_EQ(error_of("cq10-AAAA-00000000").message,
            "unsupported token version 10; this chaosq reads versions 1 to 6");
  EXPECT_EQ(error_of("cq0-").message,
            "unsupported token version 0; this chaosq reads versions 1 to 6");
  EXPECT_EQ(error_of("cq12345678901234567890-").message,
            "unsupported token version 123456789012...; this chaosq reads versions 1 to 6");
}

TEST(token, rejects_what_is_not_a_token) {
  EXPECT_EQ(error_of(""), (token_error{"empty token", 0}));
  EXPECT_EQ(error_of(" \n\t").message, "empty token");
  EXPECT_EQ(
      error_of("hello"),
      (token_error{"not a chaosq replay token: it must start with 'cq' and a version (1 to 6), "
                   "then '-', as in 'cq1-'",
                   0}));
  EXPECT_EQ(error_of("cqx-AAAA-00000000"),
            (token_error{
                "not a chaosq replay token: 'cq' must be followed by a version, as in 'cq1-'", 2}));
  EXPECT_EQ(error_of("cq"), (token_error{"truncated token: it ends inside the prefix 'cq1-'", 2}));
  EXPECT_EQ(error_of("cq1_AAAA-00000000"),
            (token_error{"bad token prefix: expected '-' after 'cq1', found '_'", 3}));
  EXPECT_EQ(
      error_of("cq1-AAAA"),
      (token_error{"truncated token: no checksum ('-' and 8 hex digits) after the payload", 8}));
}

// ---- exact errors: characters and checksum ----

TEST(token, names_a_bad_base64_character_and_its_offset) {
  std::string t = encode_token(workload{}, {});
  t[10] = '!';
  EXPECT_EQ(error_of(t),
            (token_error{
                "bad character '!' at offset 10 in the payload (base64url: A-Z a-z 0-9 - _)", 10}));
  t[10] = '\0';
  EXPECT_EQ(error_of(t).message,
            "bad character byte 0x00 at offset 10 in the payload (base64url: A-Z a-z 0-9 - _)");
  t[10] = '=';
  EXPECT_EQ(error_of(t).message,
            "bad character '=' at offset 10 in the payload (base64url: A-Z a-z 0-9 - _)");
}

TEST(token, gives_both_values_on_a_checksum_mismatch) {
  EXPECT_EQ(error_of("cq1-AAABAwACAAEAAQAAAAAIoI0GAAADAAGsAg-00000000"),
            (token_error{"checksum mismatch: the token says 00000000, its payload's checksum is "
                         "28009fc2 (corrupted or truncated token)",
                         39}));
}

TEST(token, names_a_bad_checksum) {
  EXPECT_EQ(
      error_of("cq1-AAABAwACAAEAAQAAAAAIoI0GAAADAAGsAg-28009FC2"),
      (token_error{"bad character 'F' at offset 44 in the checksum (8 lowercase hex digits)", 44}));
  EXPECT_EQ(
      error_of("cq1-AAABAwACAAEAAQAAAAAIoI0GAAADAAGsAg-28009fc"),
      (token_error{"the checksum has 7 hex digits, not 8 (truncated or corrupted token)", 39}));
}

TEST(token, rejects_impossible_base64_endings) {
  // 5 characters cannot be base64 of any byte string.
  EXPECT_EQ(error_of("cq1-AAAAA-00000000").message,
            "the payload's length, 5 characters, is impossible for base64url (truncated or "
            "corrupted token)");
  // "AB" and "AA" both carry the byte 0; only "AA" has the unused bits zero.
  EXPECT_EQ(error_of("cq1-AB-d202ef8d"),
            (token_error{"the payload's last character 'B' at offset 5 has bits set past the last "
                         "byte (corrupted token)",
                         5}));
}

// ---- exact errors: payload fields ----

TEST(token, names_the_field_a_truncated_payload_ends_in) {
  EXPECT_EQ(error_of(forge({})),
            (token_error{"truncated payload: it ends while reading the field 'queue'", 4}));
  EXPECT_EQ(error_of(forge(k_default_workload)),
            (token_error{"truncated payload: it ends while reading the decision count", 30}));
  EXPECT_EQ(
      error_of(forge(bytes(k_default_workload.begin(), k_default_workload.begin() + 16))).message,
      "truncated payload: it ends while reading the field 'step-budget'");
  bytes const pinned_head(k_default_workload.begin(), k_default_workload.end() - 2);
  EXPECT_EQ(error_of(forge(concat(pinned_head, {1, 0, 9, 'c', '0', 'x', 'x'}))).message,
            "truncated payload: the pinned fault 0 task has 9 bytes but only 4 are left");
  EXPECT_EQ(error_of(forge(concat(k_default_workload, {2, 5}))).message,
            "the decision count is 2, more than the 1 payload bytes left can hold (truncated "
            "payload?)");
  EXPECT_EQ(error_of(forge(concat(k_default_workload, {2, 5, 0x80}))).message,
            "truncated payload: it ends while reading the decision 1");
}

TEST(token, names_out_of_range_values) {
  EXPECT_EQ(error_of(forge({7})),
            (token_error{"the field 'queue' is 7, out of range (0..2: fifo|lifo|priority)", 4}));
  bytes bad_policy = k_default_workload;
  bad_policy[6] = 5;
  EXPECT_EQ(
      error_of(forge(concat(bad_policy, {0}))).message,
      "the field 'policy' is 5, out of range (0..4: finally|on-success|before-work|twice|never)");
  bytes const pinned_head(k_default_workload.begin(), k_default_workload.end() - 2);
  EXPECT_EQ(error_of(forge(concat(pinned_head, {1, 0, 2, 'c', '0', 9, 0, 0, 0, 0}))).message,
            "the pinned fault 0 point is 9, out of range (0..7: after-get|mid-item|before-ack|"
            "after-ack|in-get|before-put|in-put|in-join)");
  bytes const control_head(k_default_workload.begin(), k_default_workload.end() - 1);
  EXPECT_EQ(error_of(forge(concat(control_head, {1, 0, 3, 0, 0}))).message,
            "the control event 0 action is 3, out of range (0..2: cancel|shutdown|"
            "shutdown-immediate)");
}

TEST(token, bounds_every_count_and_length) {
  bytes const pinned_head(k_default_workload.begin(), k_default_workload.end() - 2);
  // 1000 pinned faults would need at least 5000 bytes; 2 are left.
  EXPECT_EQ(error_of(forge(concat(pinned_head, {0xE8, 0x07, 0, 0}))).message,
            "the pinned fault count is 1000, more than the 2 payload bytes left can hold "
            "(truncated payload?)");
  EXPECT_EQ(error_of(forge(concat(pinned_head, {0xA0, 0x9C, 0x01, 0, 0}))).message,
            "the pinned fault count is 20000, above the limit 10000");
  bytes const control_head(k_default_workload.begin(), k_default_workload.end() - 1);
  EXPECT_EQ(error_of(forge(concat(control_head, {1, 0, 1, 0x88, 0x27, 0}))).message,
            "the control event 0 task length is 5000, above the limit 1024");
  // A decision count near 2^64 must neither allocate nor overflow.
  EXPECT_EQ(error_of(forge(concat(k_default_workload,
                                  {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})))
                .message,
            "the decision count is 18446744073709551615, above the limit 64000000");
}

TEST(token, rejects_oversized_and_overlong_varints) {
  bytes w = k_default_workload;
  // producers = 2^32
  w.erase(w.begin() + 2);
  w.insert(w.begin() + 2, {0x80, 0x80, 0x80, 0x80, 0x10});
  EXPECT_EQ(error_of(forge(concat(w, {0}))),
            (token_error{"the field 'producers' is 4294967296, which does not fit in 32 bits", 6}));
  // consumers = 2 written in two bytes
  w = k_default_workload;
  w[5] = 0x82;
  w.insert(w.begin() + 6, 0x00);
  EXPECT_EQ(error_of(forge(concat(w, {0}))).message,
            "the field 'consumers' is not in its shortest form (a byte 0x00 ends it)");
  // a step budget of eleven bytes
  w = bytes(k_default_workload.begin(), k_default_workload.begin() + 15);
  w.insert(w.end(), 10, 0xFF);
  w.push_back(0x01);
  EXPECT_EQ(error_of(forge(w)).message, "the field 'step-budget' does not fit in 64 bits");
  // a step budget of 2^64
  w = bytes(k_default_workload.begin(), k_default_workload.begin() + 15);
  w.insert(w.end(), 9, 0x80);
  w.push_back(0x02);
  EXPECT_EQ(error_of(forge(w)).message, "the field 'step-budget' does not fit in 64 bits");
}

TEST(token, rejects_trailing_bytes) {
  EXPECT_EQ(error_of(forge(concat(k_default_workload, {1, 4, 0xAA, 0xBB}))),
            (token_error{"2 trailing payload bytes after the decisions", 4 + 22 * 4 / 3}));
}

TEST(token, turns_validation_problems_into_an_error) {
  bytes w = k_default_workload;
  w[14] = 1;  // odds
  EXPECT_EQ(error_of(forge(concat(w, {0}))),
            (token_error{"invalid workload: fault-odds is 1, not in 2..1073741824", 4}));
  bytes const pinned_head(k_default_workload.begin(), k_default_workload.end() - 2);
  EXPECT_EQ(error_of(forge(concat(pinned_head, {1, 0, 2, 'p', '5', 6, 0, 0, 0, 0}))).message,
            "invalid workload: pinned fault: task 'p5' does not exist in this workload");
  EXPECT_EQ(error_of(forge(concat(pinned_head, {1, 0, 2, 'x', '1', 6, 0, 0, 0, 0}))).message,
            "invalid workload: pinned fault: 'x1' is not a task name (p<N>, c<N>, c<N>.<restart>, "
            "j<N>)");
}

// ---- the step budget: checked against its row, written as the number the run had ----

bytes varint(std::uint64_t v) {
  bytes out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<std::uint8_t>(v | 0x80));
  out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

/// The default workload's payload with step budget `budget`, and no decisions.
bytes with_step_budget(std::uint64_t budget) {
  bytes out(k_default_workload.begin(), k_default_workload.begin() + 15);  // up to odds
  out = concat(out, varint(budget));
  return concat(out, {0, 0, 0});  // no pinned faults, no control events, no decisions
}

TEST(token, a_step_budget_past_its_rows_range_is_refused_whatever_the_checksum) {
  const field_info& row = info(field_id::step_budget);
  std::string const huge = forge(with_step_budget(std::uint64_t{1} << 63));
  EXPECT_EQ(error_of(huge),
            (token_error{
                "invalid workload: step-budget is 9223372036854775808, not in " + row.range(), 4}));
  EXPECT_EQ(
      error_of(forge(with_step_budget(row.hi + 1))).message,
      "invalid workload: step-budget is " + std::to_string(row.hi + 1) + ", not in " + row.range());
  // The table's hi itself is a budget a token carries.
  EXPECT_EQ(decoded(forge(with_step_budget(row.hi))).work.step_budget, row.hi);
}

TEST(token, every_integer_field_past_its_rows_hi_is_refused_with_its_name_and_range) {
  // The default workload's version 1 payload with one field at its row's hi + 1 (each field
  // whose member can hold that): the message names the field and the row's range, as the CLI's
  // and the YAML loader's do.
  workload const w;
  std::size_t checked = 0;
  for_each_field(w, [&](const field_info& f, const auto& value) {
    using T = std::remove_cvref_t<decltype(value)>;
    if constexpr (is_integer_field<T>) {
      if (f.since > 1 || std::cmp_greater_equal(f.hi, std::numeric_limits<T>::max())) return;
      bytes payload;
      for_each_field(w, [&](const field_info& g, const auto& v) {
        using V = std::remove_cvref_t<decltype(v)>;
        if (g.since > 1) return;
        if constexpr (is_integer_field<V>) {
          std::uint64_t n =
              g.id == field_id::step_budget ? step_budget_of(w) : static_cast<std::uint64_t>(v);
          if (g.id == f.id) n = g.hi + 1;
          payload = concat(payload, varint(std::is_same_v<V, std::int32_t> ? n << 1 : n));
        } else if constexpr (std::is_enum_v<V>) {
          payload.push_back(static_cast<std::uint8_t>(v));  // its index: one byte
        }
      });
      payload = concat(payload, {0, 0, 0});
      std::string const message = error_of(forge(payload)).message;
      EXPECT_NE(message.find(std::string(f.name()) + " is " + std::to_string(f.hi + 1) +
                             ", not in " + f.range()),
                std::string::npos)
          << message;
      ++checked;
    }
  });
  // producers, items, consumers, work-steps, restarts, joiners, fault-odds, step-budget
  EXPECT_EQ(checked, 8U);
}

TEST(token, a_step_budget_of_0_is_never_written_and_never_read) {
  EXPECT_EQ(error_of(forge(with_step_budget(0))),
            (token_error{"the field 'step-budget' is 0, which no token holds: a token carries the "
                         "steps its run had (1.." +
                             std::to_string(info(field_id::step_budget).hi) + ")",
                         4 + 15 * 4 / 3}));
}

TEST(token, a_scaled_step_budget_is_written_as_the_number_the_run_had) {
  workload w;
  w.items = 100'000;
  w.consumers = 100;
  ASSERT_EQ(w.step_budget, 0U);
  std::uint64_t const budget = scaled_step_budget(w);
  ASSERT_GT(budget, min_scaled_step_budget);
  std::string const t = encode_token(w, {});
  bytes const payload = payload_of(t);
  bytes const written = varint(budget);
  EXPECT_TRUE(std::search(payload.begin(), payload.end(), written.begin(), written.end()) !=
              payload.end());
  // It decodes as left to scale, the workload it was; the same number set by hand reads so
  // too (it runs the same steps), and any other number stays as it was set.
  EXPECT_EQ(decoded(t).work, w);
  workload by_hand = w;
  by_hand.step_budget = budget;
  EXPECT_EQ(encode_token(by_hand, {}), t);
  by_hand.step_budget = budget + 1;
  EXPECT_EQ(decoded(encode_token(by_hand, {})).work, by_hand);
}

TEST(token, tokens_written_when_the_default_was_fixed_decode_to_the_same_runs) {
  // Every token a chaosq with the fixed default of 100000 wrote holds 100000 or the budget
  // that was set: a small workload's reads as its scaled budget, which is 100000.
  auto const d = decoded(forge(with_step_budget(100'000)));
  EXPECT_EQ(d.work.step_budget, 0U);
  EXPECT_EQ(step_budget_of(d.work), 100'000U);
  workload big;
  big.items = 1'000'000;
  big.consumers = 1000;
  // A big workload's old token still runs 100000 steps: its budget is kept as a number.
  std::string old_token = encode_token(big, {});
  bytes payload = payload_of(old_token);
  bytes const scaled = varint(scaled_step_budget(big));
  auto const at = std::search(payload.begin(), payload.end(), scaled.begin(), scaled.end());
  ASSERT_NE(at, payload.end());
  auto const offset = at - payload.begin();
  payload.erase(at, at + static_cast<std::ptrdiff_t>(scaled.size()));
  bytes const fixed = varint(100'000);
  payload.insert(payload.begin() + offset, fixed.begin(), fixed.end());
  auto const old = decoded(forge(payload));
  EXPECT_EQ(old.work.step_budget, 100'000U);
  EXPECT_EQ(step_budget_of(old.work), 100'000U);
}

// ---- corruption, truncation, arbitrary input ----

TEST(token, every_single_character_corruption_is_detected) {
  std::string const t = encode_token(rich_workload(), some_decisions(40, 6));
  std::size_t const separator = t.rfind('-');
  std::size_t mismatches = 0;
  for (std::size_t pos = 0; pos < t.size(); ++pos) {
    for (int value = 0; value < 256; ++value) {
      char const c = static_cast<char>(value);
      if (c == t[pos]) continue;
      std::string corrupt = t;
      corrupt[pos] = c;
      auto const result = decode_token(corrupt);
      // Never a different valid token: the prefix is fixed, the checksum digits are lowercase
      // only, and CRC-32 catches every error burst of up to 32 bits, which one base64 character
      // (6 bits) cannot exceed.
      const auto* e = std::get_if<token_error>(&result);
      ASSERT_NE(e, nullptr) << "position " << pos << " value " << value;
      EXPECT_LE(e->offset, corrupt.size());
      EXPECT_FALSE(e->message.empty());
      bool const in_payload = pos >= 4 && pos + 1 < separator;           // the last character may
      bool const base64 = k_alphabet.find(c) != std::string_view::npos;  // have spare bits
      if (in_payload && base64) {
        EXPECT_TRUE(e->message.starts_with("checksum mismatch")) << e->message;
        ++mismatches;
      }
    }
  }
  EXPECT_GT(mismatches, 1000U);
}

TEST(token, every_truncation_is_an_error) {
  std::string const t = encode_token(rich_workload(), some_decisions(200, 7));
  for (std::size_t n = 0; n < t.size(); ++n) {
    auto const head = decode_token(std::string_view(t).substr(0, n));
    EXPECT_TRUE(std::holds_alternative<token_error>(head)) << "first " << n << " characters";
    auto const tail = decode_token(std::string_view(t).substr(t.size() - n));
    EXPECT_TRUE(std::holds_alternative<token_error>(tail)) << "last " << n << " characters";
  }
  // With the checksum recomputed, the payload itself still says it was cut short.
  bytes const payload = payload_of(t);
  for (auto end = payload.begin(); end != payload.end(); ++end) {
    token_error const e = error_of(forge(bytes(payload.begin(), end)));
    EXPECT_NE(e.message.find("truncated payload"), std::string::npos) << e.message;
  }
}

TEST(token, survives_arbitrary_input) {
  std::mt19937_64 rng(8);
  auto below = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::size_t valid = 0;
  // Arbitrary bytes, and arbitrary text behind a plausible prefix.
  for (int i = 0; i < 10'000; ++i) {
    std::string s(below(80), '\0');
    for (char& c : s) c = static_cast<char>(rng());
    if (i % 2 == 1) s.insert(0, "cq1-");
    auto const result = decode_token(s);
    if (const auto* d = std::get_if<decoded_token>(&result))
      expect_canonical(s, *d);
    else
      EXPECT_LE(std::get<token_error>(result).offset, s.size());
  }
  // Mutated payloads behind a correct checksum: these reach every field of the parser.
  bytes const seed = payload_of(encode_token(rich_workload(), some_decisions(30, 9)));
  for (int i = 0; i < 20'000; ++i) {
    bytes p = seed;
    for (std::size_t edits = 1 + below(4); edits > 0; --edits) {
      switch (below(4)) {
        case 0:
          if (!p.empty()) p[below(p.size())] = static_cast<std::uint8_t>(rng());
          break;
        case 1:
          if (!p.empty()) p[below(p.size())] ^= static_cast<std::uint8_t>(1U << below(8));
          break;
        case 2:
          p.insert(p.begin() + static_cast<std::ptrdiff_t>(below(p.size() + 1)),
                   static_cast<std::uint8_t>(rng()));
          break;
        default:
          if (!p.empty()) p.erase(p.begin() + static_cast<std::ptrdiff_t>(below(p.size())));
      }
    }
    std::string const forged = forge(p);
    auto const result = decode_token(forged);
    if (const auto* d = std::get_if<decoded_token>(&result)) {
      ++valid;
      expect_canonical(forged, *d);
    } else {
      EXPECT_LE(std::get<token_error>(result).offset, forged.size());
    }
  }
  EXPECT_GT(valid, 0U);  // some mutations (a decision's value) keep the token valid
}

}  // namespace
}  // namespace chaosq::harness

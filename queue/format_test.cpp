#include "chaosq/queue/format.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "chaosq/queue/queue.hpp"

namespace chaosq::queue {
namespace {

using namespace std::string_view_literals;

// Each pair is (a str as UTF-8, its repr()), printed by CPython 3.13.0 running
//
//   cases = ["plain", "", "it's", 'say "hi"', 'it\'s "x"', "back\\slash", "\\'", "'\"\\",
//            "a\nb\tc\rd", "\x00\x01\x1f\x7f", "bell\x07esc\x1b", "caf\u00e9",
//            "\u00a0\u00ad\u0085\u009f", "\u00a1\u00ff", "\u0100", "zero\u200bwidth",
//            "\u2028\u2029", "\ufeff", "\u3000", "\ue000", "\U0001f600", "\U000e0001",
//            "\U0010fffd", "\u0600", "tab\there's \"both\""]
//   for s in cases: print(cpp_literal(s.encode()), cpp_literal(repr(s).encode()))
//
// (cpp_literal writes printable ASCII as is and every other byte as a 3-digit octal escape.)
TEST(format, python_repr_of_a_str_matches_cpython) {
  std::vector<std::pair<std::string_view, std::string_view>> const cases = {
      {"plain"sv, "'plain'"sv},
      {""sv, "''"sv},
      {"it's"sv, "\"it's\""sv},
      {"say \"hi\""sv, "'say \"hi\"'"sv},
      {"it's \"x\""sv, "'it\\'s \"x\"'"sv},
      {"back\\slash"sv, "'back\\\\slash'"sv},
      {"\\'"sv, "\"\\\\'\""sv},
      {"'\"\\"sv, "'\\'\"\\\\'"sv},
      {"a\012b\011c\015d"sv, "'a\\nb\\tc\\rd'"sv},
      {"\000\001\037\177"sv, "'\\x00\\x01\\x1f\\x7f'"sv},
      {"bell\007esc\033"sv, "'bell\\x07esc\\x1b'"sv},
      {"caf\303\251"sv, "'caf\303\251'"sv},
      {"\302\240\302\255\302\205\302\237"sv, "'\\xa0\\xad\\x85\\x9f'"sv},
      {"\302\241\303\277"sv, "'\302\241\303\277'"sv},
      {"\304\200"sv, "'\304\200'"sv},
      {"zero\342\200\213width"sv, "'zero\\u200bwidth'"sv},
      {"\342\200\250\342\200\251"sv, "'\\u2028\\u2029'"sv},
      {"\357\273\277"sv, "'\\ufeff'"sv},
      {"\343\200\200"sv, "'\\u3000'"sv},
      {"\356\200\200"sv, "'\\ue000'"sv},
      {"\360\237\230\200"sv, "'\360\237\230\200'"sv},
      {"\363\240\200\201"sv, "'\\U000e0001'"sv},
      {"\364\217\277\275"sv, "'\\U0010fffd'"sv},
      {"\330\200"sv, "'\\u0600'"sv},
      {"tab\011here's \"both\""sv, "'tab\\there\\'s \"both\"'"sv},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_EQ(python_repr(text), expected) << "repr of " << ::testing::PrintToString(text);
  }
}

// Not Python's: a str cannot hold a byte that is not well-formed UTF-8; such bytes are shown
// one by one as \xNN, and the well-formed text around them as usual.
TEST(format, python_repr_writes_bytes_that_are_not_utf8_as_hex_escapes) {
  EXPECT_EQ(python_repr("a\xff"
                        "b"sv),
            R"('a\xffb')");
  EXPECT_EQ(python_repr("\xc3"sv), R"('\xc3')") << "a truncated sequence";
  EXPECT_EQ(python_repr("\xc0\xaf"sv), R"('\xc0\xaf')") << "an overlong '/'";
  EXPECT_EQ(python_repr("\xed\xa0\x80"sv), R"('\xed\xa0\x80')") << "a surrogate";
  EXPECT_EQ(python_repr("\xf4\x90\x80\x80"sv), R"('\xf4\x90\x80\x80')") << "beyond U+10FFFF";
}

// asyncio's _format shows the queue's items with repr(): q = asyncio.Queue();
// q.put_nowait("it's"); q.put_nowait('back\\slash'); q.put_nowait('a\nb') -> in CPython 3.13.0,
// str(q) == '<Queue maxsize=0 _queue=["it\'s", \'back\\\\slash\', \'a\\nb\'] tasks=3>'.
TEST(format, string_items_are_shown_with_python_repr) {
  queue<std::string> q;
  q.put_nowait("it's");
  q.put_nowait("back\\slash");
  q.put_nowait("a\nb");
  EXPECT_EQ(to_string(q), R"(<Queue maxsize=0 _queue=["it's", 'back\\slash', 'a\nb'] tasks=3>)");
}

}  // namespace
}  // namespace chaosq::queue

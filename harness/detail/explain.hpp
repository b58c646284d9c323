#pragma once
/// \file
/// The explanation text of verdicts: numbers and names written without temporaries, the
/// ledger's account of items ("i3 (put by p0 at step 2, got by c1 at step 5, ...)"), and
/// exceptions by type and message.

#include <array>
#include <cassert>
#include <charconv>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "chaosq/harness/verdict.hpp"

#include "detail/tasks.hpp"

namespace chaosq::harness::detail {

class ledger;

/// "i3".
[[nodiscard]] std::string item_name(std::uint32_t id);

/// `error` by its type and message: "chaosq::queue::queue_empty (QueueEmpty): queue empty",
/// "std::runtime_error: boom"; only the type for an exception that is no `std::exception`.
[[nodiscard]] std::string exception_text(const std::exception_ptr& error);

/// `out += std::to_string(n)` for a short name: character by character, no call to memcpy.
inline void append_digits(std::string& out, std::uint32_t n) {
  std::array<char, 10> digits{};
  std::size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (count > 0) out += digits[--count];
}

/// `out += std::to_string(n)`, without the temporary.
template <class Integer>
void append_number(std::string& out, Integer n) {
  std::array<char, 24> digits{};
  [[maybe_unused]] auto const [end, error] =
      std::to_chars(digits.data(), digits.data() + digits.size(), n);
  assert(error == std::errc{});
  out.append(digits.data(), end);
}

/// "i3 (put by p0 at step 2, got by c1 at step 5, held by c1 when it ended: crash at mid-item
/// (drawn) at step 7)", for each of `ids`, separated by "; ". Appends the steps that matter
/// for each item to `steps` and, when `out` is given, the text to `*out`.
void explain_items(std::string* out, const ledger& l, const std::vector<task_record>& tasks,
                   const task_liveness& live, const std::vector<std::uint32_t>& ids,
                   std::vector<step_no>& steps);

/// The ledger's account of each of `ids`: what `explain_items` writes, as data.
[[nodiscard]] std::vector<item_account> item_accounts(const ledger& l,
                                                      const std::vector<task_record>& tasks,
                                                      const task_liveness& live,
                                                      const std::vector<std::uint32_t>& ids);

}  // namespace chaosq::harness::detail

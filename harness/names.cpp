#include "chaosq/harness/names.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace chaosq::harness {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const up = row[j];
      std::size_t const change = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + change});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string closest(std::string_view value, const std::vector<std::string_view>& candidates) {
  if (value.size() > 200) return {};
  std::string_view best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (std::string_view c : candidates) {
    std::size_t const d = edit_distance(value, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (best.empty()) return {};
  std::size_t const allowed = std::max<std::size_t>(2, std::min(value.size(), best.size()) / 3);
  bool const prefix = value.size() >= 3 && (best.substr(0, value.size()) == value ||
                                            value.substr(0, best.size()) == best);
  return best_distance <= allowed || prefix ? std::string(best) : std::string();
}

}  // namespace chaosq::harness

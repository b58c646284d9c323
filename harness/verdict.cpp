#include "chaosq/harness/verdict.hpp"

namespace chaosq::harness {

std::vector<std::string_view> kind_names(harness::oracle o) {
  std::vector<std::string_view> out;
  for (const verdict_info& v : verdict_kinds)
    if (v.oracle == o) out.push_back(v.name);
  return out;
}

std::string signature_of(verdict_kind k) {
  const verdict_info& v = info(k);
  std::string out(name_of(v.oracle));
  out += '/';
  out += v.name;
  return out;
}

}  // namespace chaosq::harness

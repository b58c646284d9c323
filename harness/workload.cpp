#include "chaosq/harness/workload.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "chaosq/harness/work_queue.hpp"

namespace chaosq::harness {
namespace {

/// The role letter and slot of a task name (p0, c1, c1.2, j0, s3), or nullopt.
struct parsed_name {
  char role;
  std::uint32_t slot;
};

std::optional<parsed_name> parse_task_name(std::string_view name) {
  if (name.size() < 2) return std::nullopt;
  char const role = name.front();
  if (role != 'p' && role != 'c' && role != 'j' && role != 's') return std::nullopt;
  std::string_view rest = name.substr(1);
  std::string_view generation;
  if (auto dot = rest.find('.'); dot != std::string_view::npos) {
    if (role != 'c') return std::nullopt;
    generation = rest.substr(dot + 1);
    rest = rest.substr(0, dot);
    std::uint32_t g = 0;
    auto [p, ec] = std::from_chars(generation.begin(), generation.end(), g);
    if (ec != std::errc{} || p != generation.end() || g == 0) return std::nullopt;
  }
  std::uint32_t slot = 0;
  auto [p, ec] = std::from_chars(rest.begin(), rest.end(), slot);
  if (ec != std::errc{} || p != rest.end()) return std::nullopt;
  return parsed_name{role, slot};
}

bool point_fits_role(fault_point point, char role) {
  switch (point) {
    case fault_point::before_put:
    case fault_point::in_put:
      return role == 'p';
    case fault_point::in_join:
      return role == 'j';
    default:
      return role == 'c';
  }
}

}  // namespace

std::vector<std::string> validate(const workload& w) {
  std::vector<std::string> problems;
  auto bad = [&](std::string text) { problems.push_back(std::move(text)); };
  constexpr std::uint32_t max_tasks = 1000;
  constexpr std::uint32_t max_items = 1'000'000;
  if (w.producers > max_tasks) bad("producers must be at most 1000");
  if (w.consumers > max_tasks) bad("consumers must be at most 1000");
  if (w.joiners > max_tasks) bad("joiners must be at most 1000");
  if (static_cast<std::uint64_t>(w.items) * w.producers > max_items)
    bad("producers x items must be at most 1000000");
  if (w.work_steps > 1000) bad("work steps must be at most 1000");
  if (w.restarts > 1000) bad("restarts must be at most 1000");
  if (w.faults.odds < 2) bad("fault odds must be at least 2");
  if (w.faults.crash_points.empty()) bad("crash points must name at least one point");
  if (!w.faults.crash_points.within(drawn_crash_points)) {
    point_set const outside =
        point_set::from_bits(w.faults.crash_points.bits() & ~drawn_crash_points.bits());
    bad("crash points: crashes are never drawn at " + describe(outside) + " (only at " +
        describe(drawn_crash_points) + ")");
  }
  if (w.step_budget == 0) bad("the step budget must be positive");
  for (const pinned_fault& f : w.pinned) {
    auto name = parse_task_name(f.task);
    if (!name || name->role == 's') {
      bad("pinned fault: '" + f.task + "' is not a task name (p<N>, c<N>, c<N>.<restart>, j<N>)");
      continue;
    }
    std::uint32_t const count = name->role == 'p'   ? w.producers
                                : name->role == 'c' ? w.consumers
                                                    : w.joiners;
    if (name->slot >= count)
      bad("pinned fault: task '" + f.task + "' does not exist in this workload");
    if (!point_fits_role(f.point, name->role))
      bad("pinned fault: point '" + std::string(name_of(f.point)) + "' does not apply to task '" +
          f.task + "'");
    if (f.item >= 0 &&
        static_cast<std::uint64_t>(f.item) >= static_cast<std::uint64_t>(w.items) * w.producers)
      bad("pinned fault: item " + std::to_string(f.item) + " is never put");
  }
  for (const control_event& c : w.controls) {
    if (c.action != control_action::cancel) continue;
    auto name = parse_task_name(c.task);
    if (!name) bad("control event: '" + c.task + "' is not a task name");
  }
  return problems;
}

std::string describe(point_set points, std::string_view separator) {
  std::string out;
  std::uint32_t known = 0;
  for (const auto& [p, name, help] : names_of<fault_point>::values) {
    known |= point_set{p}.bits();
    if (!points.contains(p)) continue;
    if (!out.empty()) out += separator;
    out += name;
  }
  if (std::uint32_t const unknown = points.bits() & ~known; unknown != 0) {
    if (!out.empty()) out += separator;
    out += "unknown point bits 0x";
    constexpr std::string_view hex = "0123456789abcdef";
    std::string digits;
    for (std::uint32_t v = unknown; v != 0; v >>= 4U) digits.insert(digits.begin(), hex[v & 15U]);
    out += digits;
  }
  return out.empty() ? "(none)" : out;
}

std::string crash_point_problem(point_set chosen, fault_point p) {
  if (!drawn_crash_points.contains(p))
    return "crashes are never drawn at " + std::string(name_of(p)) + " (only at " +
           describe(drawn_crash_points, ", ") + ")";
  if (chosen.contains(p)) return std::string(name_of(p)) + " is listed twice";
  return {};
}

std::string describe(const workload& w) {
  std::string out =
      std::string(name_of(w.kind)) + " maxsize=" + std::to_string(w.maxsize) +
      " producers=" + std::to_string(w.producers) + " items=" + std::to_string(w.items) +
      " put=" + std::string(name_of(w.put)) + " consumers=" + std::to_string(w.consumers) +
      " policy=" + std::string(name_of(w.policy)) + " work-steps=" + std::to_string(w.work_steps) +
      " restarts=" + std::to_string(w.restarts) + " joiners=" + std::to_string(w.joiners) +
      " join=" + std::string(name_of(w.join_when)) +
      " crashes=" + std::to_string(w.faults.crashes) +
      " cancels=" + std::to_string(w.faults.cancels) +
      " shutdown=" + std::string(name_of(w.faults.shutdown)) +
      " odds=" + std::to_string(w.faults.odds) + " step-budget=" + std::to_string(w.step_budget);
  if (w.faults.crash_points != drawn_crash_points)
    out += " crash-points=" + describe(w.faults.crash_points);
  if (!w.pinned.empty()) out += " pinned=" + std::to_string(w.pinned.size());
  if (!w.controls.empty()) out += " controls=" + std::to_string(w.controls.size());
  return out;
}

std::ostream& operator<<(std::ostream& out, const item& i) {
  out << 'i' << i.id;
  if (i.priority != 0) out << "/p" << i.priority;
  return out;
}

std::unique_ptr<work_queue> make_reference_queue(const workload& w) {
  auto q = std::make_unique<queue_adapter<queue::basic_queue<item>>>(w.kind, w.maxsize);
  // Room for every item the run can store at once, instead of growing from empty each run.
  std::size_t const items = static_cast<std::size_t>(w.producers) * w.items;
  q->underlying().reserve(w.maxsize > 0 ? std::min(items, static_cast<std::size_t>(w.maxsize))
                                        : items);
  return q;
}

}  // namespace chaosq::harness

#include "common.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string_view>
#include <vector>

#include "chaosq/harness/names.hpp"

namespace chaosq::cli {
namespace {

using namespace harness;

/// "mid-item,in-get" as a set of drawn crash points, or what is wrong with it.
std::string parse_crash_points(std::string_view text, point_set& out) {
  point_set chosen;
  std::size_t start = 0;
  for (;;) {
    std::size_t const comma = std::min(text.find(',', start), text.size());
    std::string const name(text.substr(start, comma - start));
    auto const p = parse_name<fault_point>(name);
    if (!p) {
      std::string const best = closest_name<fault_point>(name);
      return "'" + name + "' is not a fault point (" + describe(drawn_crash_points) + ")" +
             (best.empty() ? "" : "; did you mean '" + best + "'?");
    }
    if (std::string problem = crash_point_problem(chosen, *p); !problem.empty()) return problem;
    chosen.insert(*p);
    if (comma == text.size()) break;
    start = comma + 1;
  }
  out = chosen;
  return {};
}

}  // namespace

void add_workload_options(CLI::App& app, workload& w) {
  add_enum_option(app, "--queue", w.kind, "queue kind");
  app.add_option("--maxsize", w.maxsize, "queue capacity; <= 0 is unbounded")
      ->capture_default_str();
  app.add_option("--producers", w.producers, "producer tasks")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--items", w.items, "items each producer puts")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  add_enum_option(app, "--put", w.put, "how producers put");
  app.add_option("--consumers", w.consumers, "consumer tasks")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  add_enum_option(app, "--policy", w.policy, "how consumers acknowledge (task_done)");
  app.add_option("--work-steps", w.work_steps, "suspension points while processing an item")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--restart", w.restarts,
                 "a supervisor restarts each crashed consumer up to N times")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--joiners", w.joiners, "tasks that call join()")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  add_enum_option(app, "--join-when", w.join_when, "when joiners call join()");
  app.add_option("--crash-budget", w.faults.crashes, "crashes the schedule may inject")
      ->capture_default_str();
  app.add_option("--cancel-budget", w.faults.cancels,
                 "cancellations of waiting tasks the schedule may inject")
      ->capture_default_str();
  add_enum_option(app, "--shutdown", w.faults.shutdown, "shutdowns the schedule may inject");
  app.add_option("--fault-odds", w.faults.odds,
                 "each fault opportunity strikes with probability 1/N")
      ->capture_default_str()
      ->check(CLI::Range(2U, 1U << 30U));
  CLI::Validator crash_points(
      [](std::string& value) -> std::string {
        point_set ignored;
        return parse_crash_points(value, ignored);
      },
      "POINT,...", "");
  app.add_option_function<std::string>(
         "--crash-points",
         [&w](const std::string& value) {
           [[maybe_unused]] std::string const error =
               parse_crash_points(value, w.faults.crash_points);
         },
         "where drawn crashes may strike, comma-separated (default: all of " +
             describe(drawn_crash_points) + ")")
      ->check(crash_points);
  app.add_option("--step-budget", w.step_budget, "steps before a run is judged a livelock")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40U));
}

json verdict_json(const verdict& v) {
  return {{"signature", v.signature()},
          {"oracle", std::string(name_of(v.oracle()))},
          {"kind", std::string(info(v.kind).name)},
          {"message", v.message},
          {"marked_steps", v.marked_steps}};
}

const char* end_name(run_end e) {
  switch (e) {
    case run_end::complete:
      return "complete";
    case run_end::quiescent:
      return "quiescent";
    case run_end::violation:
      return "violation";
    case run_end::step_budget:
      return "step-budget";
  }
  return "?";
}

std::function<bool()> deadline_after(double seconds) {
  auto const deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(seconds));
  return [deadline] { return std::chrono::steady_clock::now() > deadline; };
}

}  // namespace chaosq::cli

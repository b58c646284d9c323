#include "common.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string_view>
#include <vector>

#include "chaosq/harness/names.hpp"
#include "chaosq/harness/shrink.hpp"
#include "chaosq/harness/token.hpp"

namespace chaosq::cli {
namespace {

using namespace harness;

/// Edit distance, for "did you mean".
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

/// An option whose value is one of the names in `names_of<E>`; the parser, the help (each name
/// with its meaning) and the error ("did you mean") all come from the same table.
template <class E>
CLI::Option* add_enum_option(CLI::App& app, const std::string& flag, E& target,
                             const std::string& what) {
  std::string help = what + ":";
  for (const auto& n : names_of<E>::values)
    help += "\n  " + std::string(n.name) + ": " + std::string(n.help);
  CLI::Validator one_of(
      [](std::string& value) -> std::string {
        if (parse_name<E>(value)) return {};
        std::string best;
        std::size_t best_distance = 3;
        for (const auto& n : names_of<E>::values) {
          if (std::size_t d = distance(value, n.name); d < best_distance) {
            best = n.name;
            best_distance = d;
          }
        }
        return "'" + value + "' is not one of " + all_names<E>() +
               (best.empty() ? "" : "; did you mean '" + best + "'?");
      },
      all_names<E>(), "");
  return app
      .add_option_function<std::string>(
          flag, [&target](const std::string& value) { target = *parse_name<E>(value); }, help)
      ->check(one_of)
      ->default_str(std::string(name_of(target)));
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
  app.add_option("--step-budget", w.step_budget, "steps before a run is judged a livelock")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40U));
}

json verdict_json(const verdict& v) {
  return {{"signature", v.signature()},
          {"oracle", std::string(name_of(v.oracle))},
          {"kind", v.kind},
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

/// Shrinks a failure, then prints the minimal run: verdict, trace, sizes and tokens.
json report_failure(const workload& w, const run_report& failure, double shrink_seconds,
                    bool as_json) {
  auto const deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(shrink_seconds));
  shrink_result const minimal =
      shrink(w, failure.decisions, failure.violation->signature(),
             {.out_of_time = [deadline] { return std::chrono::steady_clock::now() > deadline; }});
  const run_report& r = minimal.report;
  std::string const token = encode_token(minimal.work, minimal.decisions);
  std::string const original_token = encode_token(w, trim_record(failure.decisions));
  const verdict& v = *r.violation;
  if (as_json) {
    json out = verdict_json(v);
    out["token"] = token;
    out["original_token"] = original_token;
    out["steps"] = r.steps;
    out["shrink"] = {{"original_decisions", minimal.original_size},
                     {"minimal_decisions", minimal.minimal_size},
                     {"runs", minimal.runs},
                     {"stopped_early", minimal.stopped_early},
                     {"preemptions", minimal.preemptions},
                     {"drawn_faults", minimal.drawn_faults}};
    out["trace"] = json::parse(r.trace->to_json());
    return out;
  }
  std::cout << "VIOLATION " << v.signature() << "\n  " << v.message << "\n\n"
            << "minimal trace: " << r.steps << " steps, " << minimal.minimal_size
            << " decisions (shrunk from " << minimal.original_size << " in " << minimal.runs
            << " runs" << (minimal.stopped_early ? ", stopped early: smaller may exist" : "")
            << "), " << minimal.preemptions << " preemption(s), " << minimal.drawn_faults
            << " drawn fault(s); '>' marks the steps that matter:\n"
            << r.trace->to_text() << "\n"
            << "token (minimal):  " << token << "\n"
            << "token (original): " << original_token << "\n"
            << "reproduce: chaosq replay " << token << "\n";
  return {};
}

}  // namespace chaosq::cli

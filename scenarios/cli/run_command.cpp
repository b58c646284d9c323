// chaosq run FILE|DIR...: runs YAML scenarios and checks their expectations.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "chaosq/scenarios/loader.hpp"
#include "chaosq/scenarios/report.hpp"
#include "chaosq/scenarios/runner.hpp"
#include "chaosq/scenarios/schema.hpp"
#include "chaosq/scenarios/timeline.hpp"
#include "chaosq/scenarios/writer.hpp"

#include "common.hpp"
#include "progress.hpp"

namespace chaosq::cli {
namespace {

namespace fs = std::filesystem;
using namespace chaosq::scenarios;

struct run_args {
  std::vector<std::string> paths;
  std::string junit;
  std::string timeline;
  std::string html_dir;
  double shrink_seconds = 10;
  bool as_json = false;
  bool print_schema = false;
  progress_mode progress = progress_mode::automatic;
  unsigned jobs =
      1;  ///< --jobs: threads that run each scenario's schedules (every core unless given)
};

bool is_scenario_file(const fs::path& p) {
  return p.extension() == ".yaml" || p.extension() == ".yml";
}

/// The files named on the command line, directories expanded (recursively, sorted); a path
/// that does not exist becomes a report with a load error.
std::vector<file_report> collect(const std::vector<std::string>& paths) {
  std::vector<file_report> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> files;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && is_scenario_file(it->path()))
          files.push_back(it->path().string());
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        file_report r;
        r.file = path;
        r.load_errors.push_back(
            {path, 0, 0, "", "no scenario files (*.yaml, *.yml) in this directory"});
        out.push_back(std::move(r));
      }
      for (std::string& f : files) out.push_back(file_report{.file = std::move(f)});
    } else {
      out.push_back(file_report{.file = path});
    }
  }
  return out;
}

void run_one(file_report& r, const harness::registry& registry, double shrink_seconds,
             unsigned jobs) {
  auto const start = std::chrono::steady_clock::now();
  load_result loaded = load_scenario(r.file, {.registry = &registry});
  if (auto* errors = std::get_if<std::vector<load_error>>(&loaded)) {
    if (r.load_errors.empty()) r.load_errors = std::move(*errors);
    return;
  }
  r.scenario = std::move(std::get<scenario>(loaded));
  try {
    r.result = run_scenario(
        *r.scenario,
        {.registry = &registry, .out_of_time = deadline_after(shrink_seconds), .jobs = jobs});
  } catch (const std::exception& e) {
    r.internal_error = std::string("internal error: ") + e.what();
  } catch (...) {
    r.internal_error = "internal error: unknown exception";
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string display_name(const file_report& r) {
  return r.scenario ? r.scenario->name : fs::path(r.file).stem().string();
}

json report_json(const file_report& r) {
  json out{{"file", r.file}, {"name", display_name(r)}};
  if (!r.internal_error.empty()) {
    out["status"] = "internal-error";
    out["error"] = r.internal_error;
    return out;
  }
  if (!r.result) {
    out["status"] = "invalid";
    json errors = json::array();
    for (const load_error& e : r.load_errors) {
      errors.push_back({{"file", e.file},
                        {"line", e.line},
                        {"column", e.column},
                        {"key", e.key},
                        {"message", e.message},
                        {"text", e.to_string()}});
    }
    out["errors"] = errors;
    return out;
  }
  const scenario_result& res = *r.result;
  out["status"] = res.passed ? "pass" : "fail";
  out["reason"] = res.reason;
  out["schedules"] = res.schedules;
  out["signatures"] = res.signatures;
  if (res.evidence) {
    json e = json::parse(harness::failure_json(*res.evidence));
    e["schedule"] = res.evidence_schedule;
    e["end"] = end_name(res.evidence->report.end);
    e["reproducer"] = to_yaml(reproducer(*r.scenario, res));
    out["evidence"] = e;
  }
  return out;
}

int run_command(const run_args& args, const command_env& env) {
  if (args.print_schema) {
    std::cout << schema_markdown() << "\n"
              << "## Code this command runs by name\n\n"
              << "Queues (`queue.impl`):\n\n"
              << env.registry.queues_text("- ")
              << "\nConsumer behaviours (`consumers.behaviour`):\n\n"
              << env.registry.behaviours_text("- ") << "\n"
              << verdicts_markdown();
    return pass;
  }
  if (args.paths.empty()) {
    std::cerr << env.name << " run: give scenario files or directories (or --schema)\n";
    std::cout << "SUMMARY: bad usage: no scenario files given\n";
    return bad_input;
  }
  std::vector<file_report> reports = collect(args.paths);
  std::size_t passed = 0;
  std::vector<std::string> failed;
  std::vector<std::string> invalid;
  std::vector<std::string> broken;
  progress_line progress(args.progress, "run", reports.size(), "scenarios", "not passed");
  auto show_progress = [&] {
    std::size_t const not_passed = failed.size() + invalid.size() + broken.size();
    progress.update(passed + not_passed, not_passed);
  };
  for (file_report& r : reports) {
    if (r.load_errors.empty()) run_one(r, env.registry, args.shrink_seconds, args.jobs);
    progress.clear();
    std::string const name = display_name(r);
    if (!r.internal_error.empty()) {
      broken.push_back(name);
    } else if (!r.result) {
      invalid.push_back(name);
    } else if (r.result->passed) {
      ++passed;
    } else {
      failed.push_back(name);
    }
    if (args.as_json) {
      show_progress();
      continue;
    }
    if (!r.internal_error.empty()) {
      std::cout << "ERROR " << name << " (" << r.file << "): " << r.internal_error << "\n";
    } else if (!r.result) {
      std::cout << "INVALID " << r.file << "\n";
      for (const load_error& e : r.load_errors) std::cout << "  " << e.to_string() << "\n";
    } else {
      std::cout << (r.result->passed ? "PASS " : "FAIL ") << name << " (" << r.file
                << "): " << r.result->reason << "\n";
      if (!r.result->passed) {
        std::string const text = evidence_text(r);
        std::string indented = "  ";
        for (char c : text) indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
        if (!text.empty()) std::cout << "\n" << indented.substr(0, indented.size() - 2) << "\n";
      }
    }
    show_progress();
  }
  progress.clear();

  bool files_ok = true;
  if (!args.junit.empty()) files_ok &= write_file(args.junit, junit_xml(reports), "JUnit XML");
  if (!args.timeline.empty()) {
    std::vector<timeline_section> sections;
    for (const file_report& r : reports) {
      if (!r.result || !r.result->evidence) continue;
      sections.push_back(failure_section((r.result->passed ? "PASS " : "FAIL ") + display_name(r),
                                         *r.result->evidence, r.result->reason));
    }
    files_ok &= write_file(args.timeline, timeline_html(sections), "timeline");
  }
  if (!args.html_dir.empty()) {  // one page per failing scenario, named after it
    std::error_code ec;
    fs::create_directories(args.html_dir, ec);
    if (ec || !fs::is_directory(args.html_dir, ec)) {
      std::cerr << "chaosq run: cannot create the --html directory " << args.html_dir << "\n";
      files_ok = false;
    }
    for (const file_report& r : reports) {
      if (!r.result || r.result->passed || !r.result->evidence) continue;
      std::vector<timeline_section> const sections{
          failure_section("FAIL " + display_name(r), *r.result->evidence, r.result->reason)};
      std::string const page = (fs::path(args.html_dir) / (display_name(r) + ".html")).string();
      files_ok &= write_file(page, timeline_html(sections), "timeline");
    }
  }

  auto names = [](const std::vector<std::string>& list) {
    std::string out;
    for (std::size_t i = 0; i < list.size() && i < 5; ++i) out += (i ? ", " : "") + list[i];
    if (list.size() > 5) out += ", ...";
    return out;
  };
  std::string summary =
      std::to_string(reports.size()) + " scenario(s): " + std::to_string(passed) + " passed";
  if (!failed.empty())
    summary += ", " + std::to_string(failed.size()) + " failed (" + names(failed) + ")";
  if (!invalid.empty())
    summary += ", " + std::to_string(invalid.size()) + " invalid (" + names(invalid) + ")";
  if (!broken.empty())
    summary += ", " + std::to_string(broken.size()) + " internal error(s) (" + names(broken) + ")";
  if (!files_ok) summary += "; a report file could not be written";

  if (args.as_json) {
    json out{{"command", "run"}, {"summary", summary}, {"scenarios", json::array()}};
    for (const file_report& r : reports) out["scenarios"].push_back(report_json(r));
    std::cout << out.dump(2) << "\n";
    std::cerr << "SUMMARY: " << summary << "\n";
  } else {
    std::cout << "SUMMARY: " << summary << "\n";
  }
  if (!broken.empty()) return internal_error;
  if (!invalid.empty() || !files_ok) return bad_input;
  return failed.empty() ? pass : violation;
}

}  // namespace

bool write_file(const std::string& path, const std::string& text, const char* what) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "chaosq: cannot write the " << what << " to " << path << "\n";
    return false;
  }
  return true;
}

std::string pinned_scenario_yaml(std::string_view name, std::string description,
                                 const harness::workload& w,
                                 const std::vector<std::uint32_t>& decisions,
                                 const harness::run_report& traced) {
  scenario const s =
      pinned_scenario(scenario_name_from(name), std::move(description), w, decisions, traced);
  return to_yaml(s,
                 "Written by chaosq; `chaosq run` on it replays the pinned decisions and shows "
                 "the verdict below.\nOnce the bug is fixed, change expect to what must "
                 "happen instead.");
}

bool save_pinned_scenario(const std::string& path, std::string description,
                          const harness::workload& w, const std::vector<std::uint32_t>& decisions,
                          const harness::run_report& traced) {
  return write_file(path,
                    pinned_scenario_yaml(fs::path(path).stem().string(), std::move(description), w,
                                         decisions, traced),
                    "scenario");
}

command add_run_command(CLI::App& app, const command_env& env) {
  auto args = std::make_shared<run_args>();
  CLI::App* sub = app.add_subcommand(
      "run",
      "Run YAML scenarios and check what each expects.\n"
      "Directories are searched for *.yaml and *.yml; a FAIL prints the minimal trace, a replay "
      "token and a YAML reproducer. Schema: docs/scenarios.md or --schema.");
  sub->add_option("paths", args->paths, "scenario files, or directories of them")
      ->option_text("FILE|DIR...");
  sub->add_option("--junit", args->junit, "also write JUnit XML to FILE (one test case each)")
      ->option_text("FILE");
  sub->add_option("--timeline", args->timeline,
                  "also write a swimlane timeline of each failing (or witnessing) run to FILE")
      ->option_text("FILE");
  sub->add_option("--html", args->html_dir,
                  "also write an HTML timeline per failing scenario to DIR/NAME.html (DIR created; "
                  "docs/timeline.md)")
      ->option_text("DIR");
  add_seconds_option(*sub, "--shrink-time", args->shrink_seconds, 3600,
                     "how long shrinking a failure may take");
  sub->add_flag("--json", args->as_json, "print JSON on stdout (the SUMMARY line goes to stderr)");
  sub->add_flag("--schema", args->print_schema,
                "print every scenario key and every verdict a scenario may name (Markdown)");
  add_progress_option(*sub, args->progress);
  add_jobs_option(*sub, args->jobs);
  std::string keys;
  for (const key_info& k : schema()) {
    if (k.path.find('.') != std::string::npos || k.path.find('[') != std::string::npos) continue;
    keys += (keys.empty() ? "" : ", ") + k.path;
  }
  sub->footer("Scenario keys (version " + std::to_string(schema_version) + "): " + keys +
              "; every key with its type and default: chaosq run --schema.\n"
              "Exit codes: 0 every scenario passed, 1 a scenario failed its expectation, 2 bad "
              "input (a scenario that does not load) or usage, 3 internal error.");
  return {sub, [args, &env] { return run_command(*args, env); }};
}

}  // namespace chaosq::cli

#include "common.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "chaosq/harness/names.hpp"
#include "chaosq/harness/workload_fields.hpp"

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

/// Adds `text` to the end of the first line of `opt`'s description, before its explanation.
void append_to_first_line(CLI::Option& opt, const std::string& text) {
  std::string description = opt.get_description();
  description.insert(std::min(description.find('\n'), description.size()), text);
  opt.description(description);
}

/// `left` padded to `column` (or two spaces past it, when it is that long): where --help starts
/// an option's or a subcommand's description.
std::string up_to_column(const std::string& left, std::size_t column) {
  return left + std::string(left.size() + 2 <= column ? column - left.size() : 2, ' ');
}

}  // namespace

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (std::size_t at = digits.size(); at > 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
}

std::string rate_text(double rate) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), rate >= 100 ? "%.0f" : "%.3g", rate);
  return text.data();
}

std::string option_line(const std::string& help, const std::string& accepted,
                        const std::string& by_default) {
  return help + "; " + accepted + "; default " + by_default;
}

help_formatter::help_formatter() { column_width(28); }

std::string help_formatter::make_option(const CLI::Option* opt, bool is_positional) const {
  // Each option names its value (N, NAME, FILE) in its option text; CLI11's type names
  // (INT:0..3, TEXT) are never shown. A positional is shown by its value's name alone.
  std::string const value =
      opt->get_option_text().empty() ? opt->get_type_name() : opt->get_option_text();
  std::string left = "  ";
  if (is_positional)
    left += value;
  else
    left += make_option_name(opt, false) + (opt->get_type_size() != 0 ? " " + value : "");
  // The explanation's lines go under the description, indented a little further.
  std::string out = up_to_column(left, get_column_width());
  for (char c : opt->get_description()) {
    out += c;
    if (c == '\n') out += std::string(get_column_width() + 2, ' ');
  }
  return out + "\n";
}

std::string help_formatter::make_option_usage(const CLI::Option* opt) const {
  std::string const name =
      opt->get_option_text().empty() ? opt->get_name(true, false) : opt->get_option_text();
  return opt->get_required() ? name : "[" + name + "]";
}

std::string help_formatter::make_subcommand(const CLI::App* sub) const {
  std::string const& description = sub->get_description();
  return up_to_column("  " + sub->get_name(), get_column_width()) +
         description.substr(0, description.find('\n')) + "\n";
}

void add_workload_options(CLI::App& app, workload& w) {
  for_each_field(w, [&app](const field_info& f, auto& value) {
    using T = std::remove_cvref_t<decltype(value)>;
    std::string names(f.flag);
    if (!f.alias.empty()) names += "," + std::string(f.alias);
    std::string const help(f.help);
    CLI::Option* option = nullptr;
    if constexpr (is_integer_field<T>) {
      // The step budget's default is a rule, not a number: --help says it in words.
      std::string const by_default = f.id == field_id::step_budget && value == 0
                                         ? std::string(scaled_step_budget_rule)
                                         : std::string();
      option = add_integer_option(app, names, value, f.lo, f.hi, help, by_default);
    } else if constexpr (std::is_same_v<T, code_name>) {
      std::size_t const longest = f.hi;
      bool const program = f.id == field_id::program;
      CLI::Validator name(
          [longest, program](std::string& text) -> std::string {
            if (text.empty()) {
              return program ? "expected module:function, got an empty string"
                             : "expected a registered name, got an empty string";
            }
            return code_name_problem(text, longest);
          },
          program ? "MODULE:FUNCTION" : "NAME[@VERSION]", "");
      option = app.add_option_function<std::string>(
                      names, [&value](const std::string& text) { value.text = text; },
                      option_line(help,
                                  program ? "a Python module:function, with --mode python"
                                          : "a registered NAME or NAME@VERSION (listed below)",
                                  "none"))
                   ->option_text(program ? "MODULE:FUNCTION" : "NAME")
                   ->check(name);
    } else if constexpr (std::is_same_v<T, point_set>) {
      point_set* target = &value;
      CLI::Validator points(
          [](std::string& text) -> std::string {
            point_set ignored;
            return parse_crash_points(text, ignored);
          },
          "POINT,...", "");
      option = app.add_option_function<std::string>(
                      names,
                      [target](const std::string& text) {
                        [[maybe_unused]] std::string const error =
                            parse_crash_points(text, *target);
                      },
                      option_line(help, "comma-separated, from " + describe(drawn_crash_points),
                                  "all of them"))
                   ->option_text("POINT,...")
                   ->check(points);
    } else {
      option = add_enum_option(app, names, value, help);
    }
    // Each flag names its scenario key: a reader of --help can write the YAML, and the CLI test
    // checks that both take the same values.
    append_to_first_line(*option, "; YAML " + std::string(f.yaml));
  });
}

unsigned every_core() { return std::max(1U, std::thread::hardware_concurrency()); }

CLI::Option* add_jobs_option(CLI::App& app, unsigned& jobs) {
  jobs = every_core();
  std::string const what = "threads that run schedules; the result does not depend on it";
  return add_integer_option(app, "--jobs,-j", jobs, 1, 1024, what)
      ->description(
          option_line(what, "1 to 1,024", "every core (" + std::to_string(every_core()) + " here)"))
      ->default_str("every core");
}

std::string threads_text(unsigned jobs) {
  return std::to_string(jobs) + (jobs == 1 ? " thread" : " threads");
}

CLI::Option* add_seconds_option(CLI::App& app, const std::string& flag, double& target, double max,
                                const std::string& help) {
  auto shown = [](double v) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%g", v);
    return std::string(text.data());
  };
  std::string const range = "0.." + shown(max);
  // from_chars takes "nan", "inf" and exponents; only plain decimals (3, 0.5) are seconds here.
  auto parse = [max, range](const std::string& text, double& out) -> std::string {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    bool const plain = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
    if (!plain || ec != std::errc{} || end != text.data() + text.size() || !(v >= 0 && v <= max))
      return "expected a number of seconds " + range + " (decimal), got '" + text + "'";
    out = v;
    return {};
  };
  CLI::Validator seconds(
      [parse](std::string& text) -> std::string {
        double ignored = 0;
        return parse(text, ignored);
      },
      range, "");
  return app
      .add_option_function<std::string>(
          flag,
          [&target, parse](const std::string& text) {
            [[maybe_unused]] std::string const error = parse(text, target);
          },
          option_line(help, "0 to " + shown(max) + " seconds", shown(target)))
      ->option_text("SECONDS")
      ->check(seconds)
      ->default_str(shown(target));
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

int report_bad_input(const command_env& env, std::string_view sub, bool as_json,
                     const std::string& message) {
  std::cerr << env.name << " " << sub << ": " << message << "\n";
  if (as_json) {
    std::cout << json{{"command", sub},
                      {"error", "bad input"},
                      {"message", message},
                      {"exit", bad_input}}
                     .dump(2)
              << "\n";
    std::cerr << "SUMMARY: bad input: " << message << "\n";
  } else {
    std::cout << "SUMMARY: bad input: " << message << "\n";
  }
  return bad_input;
}

bool resolve_code(const command_env& env, std::string_view sub, harness::workload& w,
                  bool as_json) {
  std::string const problem = env.registry.problem(w);
  if (problem.empty()) {
    w = env.registry.with_versions(std::move(w));
    return true;
  }
  report_bad_input(env, sub, as_json, problem);
  return false;
}

std::function<bool()> deadline_after(double seconds) {
  auto const deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(seconds));
  return [deadline] { return std::chrono::steady_clock::now() > deadline; };
}

}  // namespace chaosq::cli

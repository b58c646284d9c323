#include "chaosq/cli/cli.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <vector>

#include "chaosq/harness/names.hpp"
#include "chaosq/harness/observed.hpp"

#include "common.hpp"

namespace chaosq::cli {
namespace {

/// A usage error: on stdout as JSON when the command line asked for JSON (so that a tool reading
/// it gets JSON either way), else the SUMMARY line; the details on stderr.
int usage_error(const command_env& env, bool as_json, const std::string& message) {
  std::cerr << env.name << ": " << message << "\n";
  if (as_json) {
    std::cout << json{{"error", "bad usage"}, {"message", message}, {"exit", bad_input}}.dump(2)
              << "\n";
    std::cerr << "SUMMARY: bad usage: " << message << "\n";
  } else {
    std::cout << "SUMMARY: bad usage: " << message << "\n";
  }
  return bad_input;
}

/// "unknown option --itmes; did you mean --items?" for each option CLI11 did not expect.
std::string unknown_options(const CLI::App& app, const std::vector<std::string>& extras) {
  std::vector<std::string> known;
  for (const CLI::App* sub : app.get_subcommands()) {
    for (const CLI::Option* o : sub->get_options())
      for (const std::string& n : o->get_lnames()) known.push_back("--" + n);
  }
  for (const CLI::Option* o : app.get_options())
    for (const std::string& n : o->get_lnames()) known.push_back("--" + n);
  std::vector<std::string_view> candidates(known.begin(), known.end());
  std::string out;
  bool after_unknown_option = false;
  for (const std::string& extra : extras) {
    if (!extra.starts_with("-") && after_unknown_option) {
      after_unknown_option = false;  // the unknown option's value
      continue;
    }
    if (!out.empty()) out += "; ";
    after_unknown_option = extra.starts_with("-") && extra.find('=') == std::string::npos;
    if (!extra.starts_with("-")) {
      out += "unexpected argument '" + extra + "'";
      continue;
    }
    std::string const flag = extra.substr(0, extra.find('='));
    out += "unknown option " + flag;
    if (std::string const best = harness::closest(flag, candidates); !best.empty())
      out += "; did you mean " + best + "?";
  }
  return out;
}

int parse_and_run(int argc, char** argv, const command_env& env) {
  CLI::App app{
      env.name +
      ": deterministic chaos testing for work queues whose join() waits for every item\n"
      "to be acknowledged (asyncio.Queue semantics).\n"
      "Exit codes: 0 no violation, 1 violation found, 2 bad input or usage, 3 internal error;\n"
      "an exploration stopped by SIGINT or SIGTERM reports what it saw and exits 128 + the\n"
      "signal (130, 143), or 1 if it had found a violation."};
  // Set before the subcommands are added: each takes its parent's formatter.
  app.formatter(std::make_shared<help_formatter>());
  app.set_help_flag("-h,--help", "print this help and exit");
  app.require_subcommand(1);
  app.set_version_flag("--version", env.name + " (chaosq 0.1.0)", "print the version and exit");
  app.footer("Queues this command runs by name (--queue-impl, YAML queue.impl):\n" +
             env.registry.queues_text() +
             "Consumer behaviours (--consumer, YAML consumers.behaviour):\n" +
             env.registry.behaviours_text());
  std::vector<command> const commands{add_explore_command(app, env), add_replay_command(app, env),
                                      add_selftest_command(app, env), add_run_command(app, env),
                                      add_merge_command(app, env)};
  bool as_json = false;
  for (int i = 1; i < argc; ++i) as_json = as_json || std::string_view(argv[i]) == "--json";
  if (argc > 1 && !std::string_view(argv[1]).starts_with("-")) {
    std::string_view const given = argv[1];
    std::vector<std::string_view> names;
    for (const command& c : commands) names.push_back(c.app->get_name());
    if (std::find(names.begin(), names.end(), given) == names.end()) {
      std::string message = "unknown command '" + std::string(given) + "'";
      if (std::string const best = harness::closest(given, names); !best.empty())
        message += "; did you mean '" + best + "'?";
      return usage_error(env, as_json, message + " (commands: explore, replay, selftest, run)");
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e) == 0 ? pass : bad_input;
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e) == 0 ? pass : bad_input;
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e) == 0 ? pass : bad_input;
  } catch (const CLI::ExtrasError& /*e*/) {
    return usage_error(env, as_json, unknown_options(app, app.remaining(true)));
  } catch (const CLI::ParseError& e) {
    return usage_error(env, as_json, e.what());
  }
  for (const command& c : commands) {
    if (*c.app) return c.run();
  }
  return internal_error;
}

}  // namespace

int run(int argc, char** argv, const harness::registry& registry) {
  command_env const env{registry, argc > 0 && argv[0] != nullptr
                                      ? std::filesystem::path(argv[0]).filename().string()
                                      : std::string("chaosq")};
  try {
    return parse_and_run(argc, argv, env);
  } catch (const harness::program_refused& e) {
    std::cerr << env.name << ": the program cannot run under chaosq: " << e.what() << "\n";
    std::cout << "SUMMARY: bad input: " << e.what() << "\n";
    return bad_input;
  } catch (const std::exception& e) {
    std::cerr << env.name << ": internal error: " << e.what() << "\n";
    std::cout << "SUMMARY: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << env.name << ": internal error: unknown exception\n";
    std::cout << "SUMMARY: internal error: unknown exception\n";
  }
  return internal_error;
}

}  // namespace chaosq::cli

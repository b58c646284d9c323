#include "chaosq/cli/cli.hpp"

#include <filesystem>
#include <iostream>
#include <vector>

#include "common.hpp"

namespace chaosq::cli {
namespace {

int parse_and_run(int argc, char** argv, const command_env& env) {
  CLI::App app{
      env.name +
      ": deterministic chaos testing for work queues whose join() waits for every item "
      "to be acknowledged (asyncio.Queue semantics).\n"
      "Exit codes: 0 no violation, 1 violation found, 2 bad input or usage, 3 internal error."};
  app.require_subcommand(1);
  app.set_version_flag("--version", env.name + " (chaosq 0.1.0)");
  app.footer("Queues this command runs by name (--queue-impl, YAML queue.impl):\n" +
             env.registry.queues_text() +
             "Consumer behaviours (--consumer, YAML consumers.behaviour):\n" +
             env.registry.behaviours_text());
  std::vector<command> const commands{add_explore_command(app, env), add_replay_command(app, env),
                                      add_selftest_command(app, env), add_run_command(app, env)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int const rc = app.exit(e);
    if (rc == 0) return pass;  // --help, --version
    std::cout << "SUMMARY: bad usage: " << e.what() << "\n";
    return bad_input;
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

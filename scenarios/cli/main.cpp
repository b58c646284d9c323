// chaosq: the command line. Every subcommand ends with one `SUMMARY:` line and an exit code
// that means something: 0 no violation, 1 violation found, 2 bad input or usage, 3 internal
// error.

#include <iostream>
#include <vector>

#include "common.hpp"

namespace {

int run_cli(int argc, char** argv) {
  using namespace chaosq::cli;
  CLI::App app{
      "chaosq: deterministic chaos testing for work queues whose join() waits for every item "
      "to be acknowledged (asyncio.Queue semantics).\n"
      "Exit codes: 0 no violation, 1 violation found, 2 bad input or usage, 3 internal error."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "chaosq 0.1.0");
  std::vector<command> const commands{add_explore_command(app), add_replay_command(app),
                                      add_selftest_command(app), add_run_command(app)};
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

int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "chaosq: internal error: " << e.what() << "\n";
    std::cout << "SUMMARY: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "chaosq: internal error: unknown exception\n";
    std::cout << "SUMMARY: internal error: unknown exception\n";
  }
  return chaosq::cli::internal_error;
}

// chaosq: the command line over chaosq's own code (the reference queue, the planted-bug zoo and
// the built-in behaviours). A team's own command is the same call over its own registry.

#include "chaosq/cli/cli.hpp"

int main(int argc, char** argv) {
  return chaosq::cli::run(argc, argv, chaosq::harness::builtin_registry());
}

// byo-chaosq: the user's own chaosq command. Every subcommand (explore, replay, run, selftest)
// knows the user's queue and worker by name, and the tokens it prints name them.

#include "chaosq/cli/cli.hpp"

#include "registry.hpp"

int main(int argc, char** argv) { return chaosq::cli::run(argc, argv, byo::registry()); }

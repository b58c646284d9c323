// threads-chaosq: chaosq's command with this folder's thread pools by name (registry.hpp). Every
// subcommand (run, explore, replay, selftest) knows them, and the tokens it prints name them.

#include "chaosq/cli/cli.hpp"

#include "registry.hpp"

int main(int argc, char** argv) { return chaosq::cli::run(argc, argv, pools::registry()); }

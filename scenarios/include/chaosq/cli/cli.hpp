#pragma once
/// \file
/// chaosq's command line as a library call, so that a team builds its own chaosq command over
/// its own queues and consumers with one call, as gtest_main or libFuzzer's main do:
///
///     #include "chaosq/cli/cli.hpp"
///     int main(int argc, char** argv) {
///       chaosq::harness::registry r = chaosq::harness::builtin_registry();
///       r.add_queue("job-queue", "our job queue", make_job_queue, "1.2");
///       r.add_behaviour("worker", "our worker", worker);
///       return chaosq::cli::run(argc, argv, r);
///     }
///
/// Every subcommand (explore, replay, run, selftest) then runs the registered code by name
/// (`--queue-impl`, `--consumer`, YAML `queue.impl`, `consumers.behaviour`), `--help` and
/// `run --schema` list it, and the tokens and reproducers it prints name it; replaying them in
/// a command that lacks it is a usage error (exit 2) saying what is missing.

#include "chaosq/harness/registry.hpp"

namespace chaosq::cli {

/// Runs the command line `argv` over the code in `registry` and returns the exit status: 0 no
/// violation, 1 violation found, 2 bad input or usage, 3 internal error. Every subcommand ends
/// its output with one `SUMMARY:` line. The command names itself after `argv[0]` in what it
/// prints (`mychaosq replay TOKEN`).
int run(int argc, char** argv, const harness::registry& registry);

}  // namespace chaosq::cli

#pragma once
/// \file
/// The code a front-end can run by name: queue implementations and consumer behaviours, each
/// registered under a name and an optional version. A workload names them
/// (`workload::queue_impl`, `workload::behaviour`: `--queue-impl`, `--consumer`, YAML
/// `queue.impl`, `consumers.behaviour`), tokens and YAML reproducers carry the names with their
/// versions, and every front-end turns them into `run_options` here, with one wording for what
/// is missing. No global state: a registry is a value passed to the front-ends.
///
///     chaosq::harness::registry r = chaosq::harness::builtin_registry();
///     r.add_queue("job-queue", "our job queue", [](const workload& w) { ... }, "1.2");
///     r.add_behaviour("worker", "our worker", worker_coroutine);
///     return chaosq::cli::run(argc, argv, r);  // a chaosq command that knows both

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/harness/blame.hpp"
#include "chaosq/harness/consumer.hpp"
#include "chaosq/harness/engine.hpp"
#include "chaosq/harness/workload.hpp"

namespace chaosq::harness {

/// A queue implementation under a name.
struct registered_queue {
  std::string name;
  std::string version;  ///< may be empty
  std::string help;     ///< one line for --help, --schema and "did you mean"
  queue_factory make;
  /// How its violations are judged against the reference queue (blame.hpp).
  reference_check check = reference_check::passes;
  /// The mode its workloads run in: a thread-based queue (`add_thread_queue`) runs in threads
  /// mode only, a coroutine queue in coroutines mode only.
  run_mode mode = run_mode::coroutines;
  /// A thread pool (`add_thread_pool`): made by this instead of `make`.
  pool_factory make_pool;
};

/// A consumer behaviour under a name.
struct registered_behaviour {
  std::string name;
  std::string version;  ///< may be empty
  std::string help;
  consumer_fn consumer;
};

/// What runs a program of mode python (a `workload::program`), or why it cannot.
struct program_binding {
  program_fn run;       ///< set when it can run
  std::string problem;  ///< else why not: "module 'x' does not import: ModuleNotFoundError: ..."
};

/// Resolves a workload's program (`workload::program`, "module:function") to what runs it, or
/// says why it cannot run that workload (the Python front-end's).
using program_resolver = std::function<program_binding(const workload& w)>;

class registry {
 public:
  /// Registers `make` as the queue `name` (letters, digits and `-_./`), at `version` (letters,
  /// digits and `-_.+`, or empty), its violations judged against the reference by `check`.
  /// False, and nothing changes, when a name or version is malformed, the name is taken, or
  /// `make` is empty.
  bool add_queue(std::string name, std::string help, queue_factory make, std::string version = {},
                 reference_check check = reference_check::passes);
  /// As `add_queue`, for a thread-based queue (written against chaosq::sync, adapted by
  /// `thread_queue_adapter`), which runs in threads mode (`--mode threads`) only.
  bool add_thread_queue(std::string name, std::string help, queue_factory make,
                        std::string version = {}, reference_check check = reference_check::passes);
  /// As `add_queue`, for a thread pool written against chaosq::sync (a `work_pool`, see
  /// work_queue.hpp), which runs in threads mode only, on the workloads `pool_problems` accepts:
  /// the producers submit one job per item, the pool's threads run them, the joiners wait for
  /// the pool. Its violations are its own (no reference pool to compare with).
  bool add_thread_pool(std::string name, std::string help, pool_factory make,
                       std::string version = {});
  /// As `add_queue`, for a consumer coroutine.
  bool add_behaviour(std::string name, std::string help, consumer_fn consumer,
                     std::string version = {});

  /// Lets workloads of mode python run: `resolve` turns their `program` into its runner (the
  /// Python module's runner, which imports the program). Without it, such a workload is a
  /// usage error that says which command runs it.
  void set_program_resolver(program_resolver resolve) { programs_ = std::move(resolve); }

  /// The entry called `name` (without a version), or nullptr; valid until the next `add_*`.
  [[nodiscard]] const registered_queue* find_queue(std::string_view name) const noexcept;
  [[nodiscard]] const registered_behaviour* find_behaviour(std::string_view name) const noexcept;

  /// Every entry, sorted by name.
  [[nodiscard]] const std::vector<registered_queue>& queues() const noexcept { return queues_; }
  [[nodiscard]] const std::vector<registered_behaviour>& behaviours() const noexcept {
    return behaviours_;
  }

  /// Why this registry cannot run the code `w` names: a name it lacks, or a version other than
  /// the one it has, each saying what it has instead. Empty when it can.
  [[nodiscard]] std::string problem(const workload& w) const;
  /// The part of `problem` about names and versions alone, for a reader that checks a name
  /// before it has the rest of the workload (a YAML loader); the rest (a thread-based queue in
  /// coroutines mode, a workload a thread pool cannot run) is `problem`'s.
  [[nodiscard]] std::string names_problem(const workload& w) const;

  /// `w` with each code name completed by its registered version ("job-queue" becomes
  /// "job-queue@1.2"): what a token or a reproducer of a run of `w` carries.
  /// Precondition: `problem(w)` is empty.
  [[nodiscard]] workload with_versions(workload w) const;

  /// `options` with `make_queue` and `consumer` set to the code `w` names (left empty for
  /// chaosq's own). Precondition: `problem(w)` is empty.
  [[nodiscard]] run_options bind(const workload& w, run_options options = {}) const;

  /// How violations of a run of `w` are judged against the reference: `off` for chaosq's own
  /// queue, else the named queue's `check`. Precondition: `problem(w)` is empty.
  [[nodiscard]] reference_check reference_check_of(const workload& w) const;

  /// One "name@version: help" line per entry, each starting with `bullet` ("(none)" when there
  /// is none), for --help and --schema.
  [[nodiscard]] std::string queues_text(std::string_view bullet = "  ") const;
  [[nodiscard]] std::string behaviours_text(std::string_view bullet = "  ") const;

 private:
  std::vector<registered_queue> queues_;
  std::vector<registered_behaviour> behaviours_;
  program_resolver programs_;
};

/// What chaosq's own command runs by name: the planted-bug zoo's queues (`planted/<bug>`, see
/// zoo.hpp) and the built-in behaviours (`get-with-timeout`).
[[nodiscard]] registry builtin_registry();

/// `while True: item = await asyncio.wait_for(q.get(), 1) ...`: retries on a timeout, exits
/// after 3 idle timeouts in a row, acknowledges in `finally`. The timeout cancels the pending
/// get, which must leave every item in the queue for the next get.
sim::task<void> get_with_timeout(consumer_context& ctx);

}  // namespace chaosq::harness

#pragma once
/// \file
/// Verdicts: what an oracle found wrong in a run, with a signature for de-duplication.

#include <cstdint>
#include <string>
#include <vector>

#include "chaosq/harness/names.hpp"

namespace chaosq::harness {

/// The oracles. Each checks one promise of the join contract on every run.
enum class oracle : std::uint8_t {
  join_early,       ///< a join returned while the ledger shows an unacknowledged item
  join_hang,        ///< quiescence with a join pending and work unacknowledged
  stranded,         ///< quiescence with a task blocked that should have finished
  join_late,        ///< the count reached zero but a pending join was not woken
  over_ack,         ///< task_done beyond the items got
  work_unfinished,  ///< a join returned while a consumer still processed an acked item
  lost,             ///< an item put was never got, stored or drained
  duplicated,       ///< an item was got twice, or got without being put
  order,            ///< an item left out of the order of the queue kind
  capacity,         ///< more than maxsize items were held
  livelock,         ///< the step budget ran out
};

template <>
struct names_of<oracle> {
  static constexpr std::array<named<oracle>, 11> values{{
      {oracle::join_early, "join-early", "join returned with work unacknowledged"},
      {oracle::join_hang, "join-hang", "join still pending when nothing can run"},
      {oracle::stranded, "stranded", "a task blocked forever that should have finished"},
      {oracle::join_late, "join-late", "count reached zero, join not woken"},
      {oracle::over_ack, "over-ack", "task_done beyond the items got"},
      {oracle::work_unfinished, "work-unfinished", "join returned while acked work still ran"},
      {oracle::lost, "lost", "an item vanished"},
      {oracle::duplicated, "duplicated", "an item was got twice"},
      {oracle::order, "order", "an item left out of order"},
      {oracle::capacity, "capacity", "more than maxsize items held"},
      {oracle::livelock, "livelock", "the step budget ran out"},
  }};
};

/// An item a verdict names as unacknowledged, as the engine's ledger saw it.
struct item_account {
  std::uint32_t id = 0;
  std::string put_by;  ///< the producer that put it
  std::uint64_t put_step = 0;
  std::string got_by;  ///< the consumer that got it; empty: never got
  std::uint64_t got_step = 0;
  std::string holder_fault;  ///< the fault that ended its holder while it held it; empty: none
  std::uint64_t fault_step = 0;
  friend bool operator==(const item_account&, const item_account&) = default;
};

/// One violation. `kind` refines the oracle (e.g. "held-by-crashed" for a hang); together they
/// form the signature under which failures are de-duplicated and shrunk.
struct verdict {
  harness::oracle oracle = oracle::join_hang;
  std::string kind;
  std::string message;                      ///< what happened, naming items, tasks and steps
  std::vector<std::uint64_t> marked_steps;  ///< the steps that matter, ascending
  /// The unacknowledged items a join-hang (at the end) or a join-early/unacked (when the count
  /// reached zero) is about, ascending by id; filled with `message` (run_options::explain).
  std::vector<item_account> items;

  [[nodiscard]] std::string signature() const { return std::string(name_of(oracle)) + "/" + kind; }
};

}  // namespace chaosq::harness

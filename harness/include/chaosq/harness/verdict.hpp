#pragma once
/// \file
/// Verdicts: what an oracle found wrong in a run, with a signature for de-duplication. Every
/// oracle and every kind of verdict is declared once, in the tables below; the engine, the
/// scenario loader, the fuzz targets, the properties and the documentation all read them.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  task_error,       ///< an exception the contract does not allow escaped into a task
};

template <>
struct names_of<oracle> {
  static constexpr std::array<named<oracle>, 12> values{{
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
      {oracle::task_error, "task-error", "an exception the contract does not allow"},
  }};
};

/// Every kind of verdict the oracles give; each belongs to one oracle (see `verdict_kinds`).
enum class verdict_kind : std::uint8_t {
  join_early_no_zero,
  join_early_unacked,
  join_hang_unconsumed,
  join_hang_held_by_crashed,
  join_hang_held_by_cancelled,
  join_hang_never_acked,
  join_hang_count_mismatch,
  stranded_producer_in_put,
  stranded_getter_after_shutdown,
  stranded_getter_beside_items,
  join_late_not_woken,
  over_ack_negative_count,
  over_ack_double_ack,
  over_ack_task_done_error,
  work_unfinished_acked_before_done,
  lost_vanished,
  duplicated_got_twice,
  duplicated_never_put,
  duplicated_extra_items,
  order_fifo,
  order_lifo,
  order_priority,
  capacity_over_maxsize,
  livelock_step_budget,
  livelock_no_suspension,
  task_error_queue_raised,
  task_error_consumer_raised,
};

/// What the table says of one verdict kind.
struct verdict_info {
  verdict_kind kind;
  harness::oracle oracle;
  std::string_view name;     ///< the kind as users write it after the oracle: "held-by-crashed"
  std::string_view meaning;  ///< one line
  bool hang;                 ///< a join never returns (what `expect.join: hangs` means)
  /// Judged when nothing more can run, not at the step where it happened: the run then ends
  /// complete or quiescent rather than stopped (`run_end::violation`).
  bool judged_at_end;
};

/// The verdict kinds, in `verdict_kind` order: the one declaration of every kind.
inline constexpr std::array<verdict_info, 27> verdict_kinds{{
    {verdict_kind::join_early_no_zero, oracle::join_early, "no-zero",
     "join returned although the unfinished count never reached zero", false, false},
    {verdict_kind::join_early_unacked, oracle::join_early, "unacked",
     "join returned when the count reached zero with items still unacknowledged", false, false},
    {verdict_kind::join_hang_unconsumed, oracle::join_hang, "unconsumed",
     "join pending forever; an item was never taken (no consumer left to take it)", true, true},
    {verdict_kind::join_hang_held_by_crashed, oracle::join_hang, "held-by-crashed",
     "join pending forever; a consumer crashed holding an item it never acknowledged", true, true},
    {verdict_kind::join_hang_held_by_cancelled, oracle::join_hang, "held-by-cancelled",
     "join pending forever; a consumer was cancelled holding an unacknowledged item", true, true},
    {verdict_kind::join_hang_never_acked, oracle::join_hang, "never-acked",
     "join pending forever; an item was taken and never acknowledged", true, true},
    {verdict_kind::join_hang_count_mismatch, oracle::join_hang, "count-mismatch",
     "join pending forever although the ledger shows every item acknowledged", true, true},
    {verdict_kind::stranded_producer_in_put, oracle::stranded, "producer-in-put",
     "a producer blocked in put forever", false, true},
    {verdict_kind::stranded_getter_after_shutdown, oracle::stranded, "getter-after-shutdown",
     "a consumer still waits in get after the queue shut down", false, true},
    {verdict_kind::stranded_getter_beside_items, oracle::stranded, "getter-beside-items",
     "a consumer waits in get forever while the queue holds items (a lost wake-up)", false, true},
    {verdict_kind::join_late_not_woken, oracle::join_late, "not-woken",
     "the count reached zero and a waiting join was not woken", true, true},
    {verdict_kind::over_ack_negative_count, oracle::over_ack, "negative-count",
     "task_done drove the unfinished count below zero", false, false},
    {verdict_kind::over_ack_double_ack, oracle::over_ack, "double-ack",
     "an item was acknowledged twice", false, false},
    {verdict_kind::over_ack_task_done_error, oracle::over_ack, "task-done-error",
     "task_done raised: called too many times", false, false},
    {verdict_kind::work_unfinished_acked_before_done, oracle::work_unfinished, "acked-before-done",
     "join returned while a consumer still processed an acknowledged item", false, false},
    {verdict_kind::lost_vanished, oracle::lost, "vanished",
     "items were put and never got, and the queue no longer holds them", false, true},
    {verdict_kind::duplicated_got_twice, oracle::duplicated, "got-twice", "an item was got twice",
     false, false},
    {verdict_kind::duplicated_never_put, oracle::duplicated, "never-put",
     "an item was got that was never put", false, false},
    {verdict_kind::duplicated_extra_items, oracle::duplicated, "extra-items",
     "the queue holds more items than were put and never got", false, true},
    {verdict_kind::order_fifo, oracle::order, "fifo",
     "a FIFO queue handed out an item before an older one", false, false},
    {verdict_kind::order_lifo, oracle::order, "lifo",
     "a LIFO queue handed out an item before a newer one", false, false},
    {verdict_kind::order_priority, oracle::order, "priority",
     "a priority queue handed out an item before a smaller one", false, false},
    {verdict_kind::capacity_over_maxsize, oracle::capacity, "over-maxsize",
     "the queue held more than maxsize items", false, false},
    {verdict_kind::livelock_step_budget, oracle::livelock, "step-budget",
     "the step budget ran out with tasks still runnable (runs are scheduled in asyncio's order "
     "from four times the steps their work takes: a decided order that starves a ready task is "
     "not a livelock)",
     false, false},
    {verdict_kind::livelock_no_suspension, oracle::livelock, "no-suspension",
     "a consumer made queue calls without ever suspending", false, false},
    {verdict_kind::task_error_queue_raised, oracle::task_error, "queue-raised",
     "a queue call raised an exception its contract does not allow there", false, false},
    {verdict_kind::task_error_consumer_raised, oracle::task_error, "consumer-raised",
     "a consumer's own code raised: not an injected fault, a cancellation or the shutdown", false,
     false},
}};

/// The table's row for `k`.
[[nodiscard]] constexpr const verdict_info& info(verdict_kind k) noexcept {
  return verdict_kinds[static_cast<std::size_t>(k)];
}

namespace detail {
constexpr bool verdict_table_in_order() noexcept {
  for (std::size_t i = 0; i < verdict_kinds.size(); ++i)
    if (static_cast<std::size_t>(verdict_kinds[i].kind) != i) return false;
  return true;
}
static_assert(verdict_table_in_order(), "verdict_kinds lists every kind once, in enum order");
}  // namespace detail

/// The kind of `o` named `name` ("held-by-crashed" of join-hang), or nullopt.
[[nodiscard]] constexpr std::optional<verdict_kind> parse_verdict_kind(harness::oracle o,
                                                                       std::string_view name) {
  for (const verdict_info& v : verdict_kinds)
    if (v.oracle == o && v.name == name) return v.kind;
  return std::nullopt;
}

/// What correct queues and correct consumers may show once faults have ended every consumer:
/// items left in the queue (a join pending forever, a producer blocked on a full queue) or a
/// nowait producer retrying forever. The workload explains these;
/// front-ends that judge generated workloads (fuzz, properties) do not count them as findings.
inline constexpr std::array<verdict_kind, 3> out_of_consumers{
    verdict_kind::join_hang_unconsumed, verdict_kind::stranded_producer_in_put,
    verdict_kind::livelock_step_budget};

/// The kinds of `o`'s verdicts, as users write them.
[[nodiscard]] std::vector<std::string_view> kind_names(harness::oracle o);

/// "join-hang/held-by-crashed": the signature under which failures are de-duplicated and shrunk.
[[nodiscard]] std::string signature_of(verdict_kind k);

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

/// One violation. `kind` (and with it the oracle) is the signature under which failures are
/// de-duplicated and shrunk.
struct verdict {
  verdict_kind kind = verdict_kind::join_hang_never_acked;
  std::string message;                      ///< what happened, naming items, tasks and steps
  std::vector<std::uint64_t> marked_steps;  ///< the steps that matter, ascending
  /// The unacknowledged items a join-hang (at the end) or a join-early/unacked (when the count
  /// reached zero) is about, ascending by id; filled with `message` (run_options::explain).
  std::vector<item_account> items;

  [[nodiscard]] harness::oracle oracle() const noexcept { return info(kind).oracle; }
  [[nodiscard]] std::string signature() const { return signature_of(kind); }
};

}  // namespace chaosq::harness

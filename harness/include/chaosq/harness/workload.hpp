#pragma once
/// \file
/// What a run executes: the queue, its producers, consumers and joiners, how consumers
/// acknowledge, and which faults may strike where.

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/harness/names.hpp"
#include "chaosq/queue/format.hpp"
#include "chaosq/queue/queue.hpp"

namespace chaosq::harness {

/// How a consumer acknowledges the items it gets: one correct policy and the classic bugs.
enum class ack_policy : std::uint8_t {
  finally,      ///< task_done in a finally block, whatever happens (correct)
  on_success,   ///< task_done only when processing succeeds: a crash leaks the item
  before_work,  ///< task_done right after get, before processing: acks early
  twice,        ///< retries a crashed item and acks each attempt: double ack
  never,        ///< never calls task_done
};

/// What the workload's tasks are, and which reference queue they share.
enum class run_mode : std::uint8_t {
  coroutines,  ///< asyncio tasks on the loop, sharing the asyncio.Queue reference
  threads,     ///< chaosq::sync threads, sharing the queue.Queue reference (a lock, conditions)
  python,      ///< a Python program's own asyncio tasks and queue (`program`), run by its runner
};

/// How producers put.
enum class put_mode : std::uint8_t {
  blocking,  ///< `co_await put(item)`: waits while the queue is full
  nowait,    ///< `put_nowait(item)`, yielding and retrying while the queue is full
};

/// Which shutdowns a run may draw from the decision stream.
enum class shutdown_allowance : std::uint8_t { none, graceful, immediate, any };

/// Where a fault strikes. The consumer points are checked as it handles an item; the waiting
/// points strike a task blocked in (or woken from but not yet back from) a queue call.
enum class fault_point : std::uint8_t {
  after_get,   ///< consumer: right after get returned the item
  mid_item,    ///< consumer: at a suspension point while processing the item
  before_ack,  ///< consumer: processing done, task_done not yet called
  after_ack,   ///< consumer: after task_done, before it asks for the next item
  in_get,      ///< consumer: while waiting in get
  before_put,  ///< producer: before putting its next item
  in_put,      ///< producer: while waiting in put on a full queue
  in_join,     ///< joiner: while waiting in join
};

/// A set of fault points: bit p stands for `fault_point` p.
class point_set {
 public:
  constexpr point_set() noexcept = default;
  constexpr point_set(std::initializer_list<fault_point> points) noexcept {
    for (fault_point p : points) bits_ |= bit(p);
  }
  [[nodiscard]] static constexpr point_set from_bits(std::uint32_t bits) noexcept {
    point_set s;
    s.bits_ = bits;
    return s;
  }
  [[nodiscard]] constexpr std::uint32_t bits() const noexcept { return bits_; }
  [[nodiscard]] constexpr bool empty() const noexcept { return bits_ == 0; }
  [[nodiscard]] constexpr bool contains(fault_point p) const noexcept {
    return (bits_ & bit(p)) != 0;
  }
  constexpr void insert(fault_point p) noexcept { bits_ |= bit(p); }
  /// Every point of this set is in `other`.
  [[nodiscard]] constexpr bool within(point_set other) const noexcept {
    return (bits_ & ~other.bits_) == 0;
  }
  friend constexpr bool operator==(point_set, point_set) noexcept = default;

 private:
  static constexpr std::uint32_t bit(fault_point p) noexcept {
    return std::uint32_t{1} << static_cast<unsigned>(p);
  }
  std::uint32_t bits_ = 0;
};

/// The points where the decision stream may draw a crash: the consumer's four points while it
/// handles an item, its wait in get, and a producer before each put.
inline constexpr point_set drawn_crash_points{fault_point::after_get,  fault_point::mid_item,
                                              fault_point::before_ack, fault_point::after_ack,
                                              fault_point::in_get,     fault_point::before_put};

/// What a fault does to the task it strikes.
enum class fault_kind : std::uint8_t {
  crash,   ///< raises `sim::injected_fault`
  cancel,  ///< cancels the task (asyncio Task.cancel)
};

/// A fault placed by hand (a scenario, a reproducer): strike `task` at `point`, optionally
/// only while it handles item `item`, and only at its `occurrence`-th visit of that point.
struct pinned_fault {
  fault_kind kind = fault_kind::crash;
  std::string task;  ///< a task name: p0, c1, j0, ...
  fault_point point = fault_point::mid_item;
  std::int32_t item = -1;  ///< item id, or -1 for whichever item
  std::uint32_t occurrence = 0;
  friend bool operator==(const pinned_fault&, const pinned_fault&) = default;
};

/// A control action taken between steps, at a given step.
enum class control_action : std::uint8_t { cancel, shutdown_graceful, shutdown_immediate };

struct control_event {
  std::uint64_t at_step = 0;  ///< taken before the step with this number (steps count from 0)
  control_action action = control_action::shutdown_graceful;
  std::string task;  ///< for cancel: the task's name
  friend bool operator==(const control_event&, const control_event&) = default;
};

/// How many faults the decision stream may place, and how often it is offered the chance.
struct fault_budget {
  std::uint32_t crashes = 0;  ///< crashes of consumers (any point) and producers
  std::uint32_t cancels = 0;  ///< cancellations of waiting getters, putters, joiners
  shutdown_allowance shutdown = shutdown_allowance::none;
  /// Each opportunity strikes with probability 1/odds under a uniform stream (value odds-1
  /// strikes, so shrinking values toward 0 removes faults). At least 2.
  std::uint32_t odds = 8;
  /// Where drawn crashes may strike: a non-empty subset of `drawn_crash_points`. Restricting it
  /// (say to mid-item only) spends the crash budget and the decisions only where asked.
  point_set crash_points = drawn_crash_points;
  friend bool operator==(const fault_budget&, const fault_budget&) = default;
};

/// When joiners call join.
enum class join_when : std::uint8_t {
  after_producers,  ///< once every producer has finished (the usual "put all, then join")
  at_start,         ///< immediately
};

/// The most items a workload may put in all (producers x items).
inline constexpr std::uint64_t max_total_items = 1'000'000;

/// Where drawn crashes strike in a Python program (mode python): at the first suspension of a
/// task after its get (after-get) and each later one while it holds an item (mid-item), when
/// task_done returns, when put is called, while waiting in get. Never inside task_done
/// (before-ack), where no program could protect itself.
inline constexpr point_set python_crash_points{fault_point::after_get, fault_point::mid_item,
                                               fault_point::after_ack, fault_point::before_put,
                                               fault_point::in_get};

/// A whole workload; its settings (but the pinned faults and control events) are the rows of
/// detail/workload_fields.def, which says how each is spelled, bounded and explained. Task names:
/// producers p0.., consumers c0.. (a restarted consumer keeps its slot's name with a suffix: c0.1),
/// joiners j0.., supervisors s0...
/// Code under test named by a registry entry (registry.hpp): "NAME" or "NAME@VERSION". Empty:
/// chaosq's own (the reference queue, the built-in consumer of the workload's policy).
struct code_name {
  std::string text;

  [[nodiscard]] bool empty() const noexcept { return text.empty(); }
  /// "job-queue" of "job-queue@1.2".
  [[nodiscard]] std::string_view name() const noexcept {
    return std::string_view(text).substr(0, std::string_view(text).find('@'));
  }
  /// "1.2" of "job-queue@1.2"; empty when no version is named.
  [[nodiscard]] std::string_view version() const noexcept {
    std::size_t const at = text.find('@');
    return at == std::string::npos ? std::string_view{} : std::string_view(text).substr(at + 1);
  }
  friend bool operator==(const code_name&, const code_name&) = default;
};

/// Why `text` is not a valid code name; empty when it is: a name of letters, digits and
/// `-_./`, then optionally `@` and a version of letters, digits and `-_.+`, `max_bytes` in all.
[[nodiscard]] std::string code_name_problem(std::string_view text, std::size_t max_bytes);

struct workload {
  run_mode mode = run_mode::coroutines;
  /// Mode python: the program under test, "module:function" (an async function of no
  /// arguments), which the Python runner imports and runs; empty in the other modes.
  code_name program;
  queue::queue_kind kind = queue::queue_kind::fifo;
  std::int32_t maxsize = 0;  ///< <= 0: unbounded
  code_name queue_impl;      ///< the queue under test; empty: the reference queue
  std::uint32_t producers = 1;
  std::uint32_t items = 3;  ///< per producer
  put_mode put = put_mode::blocking;
  std::uint32_t consumers = 2;
  ack_policy policy = ack_policy::finally;
  code_name behaviour;           ///< the consumers' code; empty: the built-in consumer of `policy`
  std::uint32_t work_steps = 1;  ///< suspension points while processing one item
  std::uint32_t restarts = 0;    ///< per consumer slot; > 0 adds a supervisor per slot
  std::uint32_t joiners = 1;
  harness::join_when join_when = join_when::after_producers;
  /// > 0: each joiner awaits `wait_for(join(), join_timeout_ms)` in virtual milliseconds and
  /// ends when the deadline cancels its join (a health check that timed out).
  std::uint32_t join_timeout_ms = 0;
  fault_budget faults;
  std::vector<pinned_fault> pinned;
  std::vector<control_event> controls;
  /// Steps before a run is judged a livelock; 0 (the default): `scaled_step_budget(*this)`.
  /// Read it through `step_budget_of`.
  std::uint64_t step_budget = 0;

  friend bool operator==(const workload&, const workload&) = default;
};

/// The default step budget in words, for --help, the YAML schema and the documentation.
inline constexpr std::string_view scaled_step_budget_rule =
    "scales with the workload: 10 x (items in all x (work-steps + 5) + 5 x tasks) and no less "
    "than 100000";

/// The least default step budget: the fixed default it replaced, so that every workload that
/// fitted in it keeps the budget (and the token) it always had.
inline constexpr std::uint64_t min_scaled_step_budget = 100'000;

/// A generous count of the steps the work of `w` takes: per item a put, a get, the work steps,
/// an ack and room for waits (work steps + 5); per task its start, waits and end (5). Inputs
/// past their row's hi count as the hi.
[[nodiscard]] std::uint64_t work_steps_estimate(const workload& w) noexcept;

/// The step budget of a run of `w` that does not set one (`scaled_step_budget_rule`): ten times
/// a generous count of the steps its work takes (`work_steps_estimate`) (per item a put, a get, the
/// work steps, an ack and room for waits; per task its start, waits and end; the factor covers a
/// nowait producer retrying on a full queue, retried items and restarts), at least
/// `min_scaled_step_budget` and at most the step-budget row's hi. Inputs past their row's hi count
/// as the hi, so an invalid workload gets a number too.
[[nodiscard]] std::uint64_t scaled_step_budget(const workload& w) noexcept;

/// The steps a run of `w` may take: `w.step_budget`, or `scaled_step_budget(w)` when it is 0.
[[nodiscard]] std::uint64_t step_budget_of(const workload& w) noexcept;

/// The step from which a run of `w` is scheduled in asyncio's order, whatever its decisions:
/// four times the generous count of the steps its work takes (a tenth of the unclamped scaled
/// budget), and never past half its step budget. asyncio runs every ready task within one turn
/// of its ready queue, so a decided order that passes over a ready task for good (PCT or POS
/// keeping a spinning producer above the consumer it waits for) is no schedule asyncio takes;
/// from here on, whatever still spins under asyncio's own order is the livelock the step budget
/// reports. Every interleaving of the work itself happens well before this step.
[[nodiscard]] std::uint64_t fair_from_step(const workload& w) noexcept;

/// Problems with a workload's values, one message each (empty: valid).
[[nodiscard]] std::vector<std::string> validate(const workload& w);

/// The points' names in `fault_point` order, `separator` between them: "mid-item,before-ack".
[[nodiscard]] std::string describe(point_set points, std::string_view separator = ",");

/// Why `p` cannot join the crash points `chosen` so far (crashes are never drawn there, or it
/// is listed twice); empty when it can. The one wording of both rules, for every front-end.
[[nodiscard]] std::string crash_point_problem(point_set chosen, fault_point p);

/// One line naming every setting: "fifo maxsize=0 producers=1 items=3 put=blocking ...".
[[nodiscard]] std::string describe(const workload& w);

/// An item flowing through the queue. Compared by (priority, id) so a priority queue orders
/// by priority and breaks ties by id, as Python's heap of tuples would.
struct item {
  std::uint32_t priority = 0;
  std::uint32_t id = 0;
  friend auto operator<=>(const item&, const item&) = default;
};

std::ostream& operator<<(std::ostream& out, const item& i);

template <>
struct names_of<ack_policy> {
  static constexpr std::array<named<ack_policy>, 5> values{{
      {ack_policy::finally, "finally", "task_done in finally: correct"},
      {ack_policy::on_success, "on-success", "task_done only on success: a crash leaks the item"},
      {ack_policy::before_work, "before-work", "task_done before processing: acks early"},
      {ack_policy::twice, "twice", "retries a crashed item and acks each attempt"},
      {ack_policy::never, "never", "never calls task_done"},
  }};
};

template <>
struct names_of<run_mode> {
  static constexpr std::array<named<run_mode>, 3> values{{
      {run_mode::coroutines, "coroutines", "asyncio tasks and asyncio.Queue"},
      {run_mode::threads, "threads", "chaosq::sync threads and queue.Queue"},
      {run_mode::python, "python",
       "a Python program's own asyncio tasks and asyncio.Queue (python3 -m chaosq)"},
  }};
};

template <>
struct names_of<put_mode> {
  static constexpr std::array<named<put_mode>, 2> values{{
      {put_mode::blocking, "blocking", "await put(): waits while full"},
      {put_mode::nowait, "nowait", "put_nowait(), yield and retry while full"},
  }};
};

template <>
struct names_of<shutdown_allowance> {
  static constexpr std::array<named<shutdown_allowance>, 4> values{{
      {shutdown_allowance::none, "none", "never shut the queue down"},
      {shutdown_allowance::graceful, "graceful", "may call shutdown()"},
      {shutdown_allowance::immediate, "immediate", "may call shutdown(immediate=True)"},
      {shutdown_allowance::any, "any", "may call either"},
  }};
};

template <>
struct names_of<fault_point> {
  static constexpr std::array<named<fault_point>, 8> values{{
      {fault_point::after_get, "after-get", "consumer, right after get returned"},
      {fault_point::mid_item, "mid-item", "consumer, while processing the item"},
      {fault_point::before_ack, "before-ack", "consumer, processing done, before task_done"},
      {fault_point::after_ack, "after-ack", "consumer, after task_done"},
      {fault_point::in_get, "in-get", "consumer, waiting in get"},
      {fault_point::before_put, "before-put", "producer, before its next put"},
      {fault_point::in_put, "in-put", "producer, waiting in put"},
      {fault_point::in_join, "in-join", "joiner, waiting in join"},
  }};
};

template <>
struct names_of<fault_kind> {
  static constexpr std::array<named<fault_kind>, 2> values{{
      {fault_kind::crash, "crash", "raise an injected fault"},
      {fault_kind::cancel, "cancel", "cancel the task"},
  }};
};

template <>
struct names_of<control_action> {
  static constexpr std::array<named<control_action>, 3> values{{
      {control_action::cancel, "cancel", "cancel a task"},
      {control_action::shutdown_graceful, "shutdown", "shutdown()"},
      {control_action::shutdown_immediate, "shutdown-immediate", "shutdown(immediate=True)"},
  }};
};

template <>
struct names_of<join_when> {
  static constexpr std::array<named<join_when>, 2> values{{
      {join_when::after_producers, "after-producers", "join once every producer finished"},
      {join_when::at_start, "at-start", "join immediately"},
  }};
};

template <>
struct names_of<queue::queue_kind> {
  static constexpr std::array<named<queue::queue_kind>, 3> values{{
      // The names as queue/format.hpp declares them, for queue programs and workloads alike.
      {queue::queue_kind::fifo, queue::kind_name(queue::queue_kind::fifo), "asyncio.Queue"},
      {queue::queue_kind::lifo, queue::kind_name(queue::queue_kind::lifo), "asyncio.LifoQueue"},
      {queue::queue_kind::priority, queue::kind_name(queue::queue_kind::priority),
       "asyncio.PriorityQueue"},
  }};
};

}  // namespace chaosq::harness

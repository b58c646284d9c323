#include "chaosq/harness/engine.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <chrono>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "chaosq/harness/consumer.hpp"
#include "chaosq/sim/event.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::harness {
namespace {

using namespace std::string_view_literals;

enum class role : std::uint8_t { producer, consumer, joiner, supervisor };

enum class activity : std::uint8_t {
  starting,
  idle,
  in_get,
  processing,
  in_put,
  waiting_producers,
  in_join,
  join_timed_out,  // a joiner whose wait_for(join(), timeout) expired: it has ended
  supervising,
  finished,
};

constexpr std::size_t point_count = names_of<fault_point>::values.size();
constexpr std::size_t index(fault_point p) { return static_cast<std::size_t>(p); }

/// Where a fault that struck a task came from.
enum class fault_origin : std::uint8_t { pinned, drawn, control_event };

/// A fault that struck a task, kept as data: its text is built only when a message, a trace or
/// an injected_fault needs it, not on each of the millions of runs that never show it.
struct struck_fault {
  fault_kind kind = fault_kind::crash;
  fault_point point = fault_point::after_get;
  fault_origin origin = fault_origin::drawn;

  /// The exception a built-in consumer ends with when this fault struck it (see `raise`):
  /// `cancelled_error`, or an `injected_fault` carrying `text()`. Made once per distinct fault
  /// and thread, then shared: nothing else goes into it, and making one (text, allocations)
  /// cost more than the rest of a crash.
  [[nodiscard]] const std::exception_ptr& exception() const {
    constexpr std::size_t kinds = names_of<fault_kind>::values.size();
    constexpr std::size_t origins = static_cast<std::size_t>(fault_origin::control_event) + 1;
    thread_local std::array<std::exception_ptr, kinds * point_count * origins> made;
    std::exception_ptr& e =
        made[(static_cast<std::size_t>(kind) * point_count + index(point)) * origins +
             static_cast<std::size_t>(origin)];
    if (!e) {
      e = kind == fault_kind::cancel ? std::make_exception_ptr(sim::cancelled_error{})
                                     : std::make_exception_ptr(sim::injected_fault(text()));
    }
    return e;
  }

  /// "crash at mid-item (pinned)", "cancelled by control event".
  [[nodiscard]] std::string text() const {
    if (origin == fault_origin::control_event) return "cancelled by control event";
    std::string out(name_of(kind));
    out += " at ";
    out += name_of(point);
    out += origin == fault_origin::pinned ? " (pinned)" : " (drawn)";
    return out;
  }
};

constexpr std::uint32_t no_pinned = UINT32_MAX;

/// Task names are a few characters: compared inline, without a call to memcmp.
bool same_name(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

constexpr std::array<std::uint32_t, point_count> filled(std::uint32_t value) {
  std::array<std::uint32_t, point_count> out{};
  out.fill(value);
  return out;
}

/// A task of the workload and what the oracles need to know about it.
struct actor {
  std::string name;
  std::size_t index = 0;  // in engine_run::actors_
  // Its first pinned fault at each point (engine_run::pinned_next_ chains the rest).
  std::array<std::uint32_t, point_count> first_pinned = filled(no_pinned);
  harness::role role = role::consumer;
  activity act = activity::starting;
  sim::task_ref task;
  item current{};
  bool holding = false;        // processing `current`
  bool acked_current = false;  // and has acknowledged it
  std::array<std::uint32_t, point_count> visits{};
  std::array<std::uint32_t, point_count> visits_this_item{};
  struck_fault fault;  // the last fault that struck this task, for explanations
  std::uint64_t fault_step = 0;
  std::uint64_t wait_step = 0;    // when its current wait (get, put, join) began
  bool struck_this_wait = false;  // a fault already struck it during its current wait
  bool wait_traced = false;       // the trace shows its current queue call suspended
  bool putting = false;           // a producer inside put (of `current`)
  // joiners
  std::uint64_t join_step = 0;
  std::uint64_t timeout_step = 0;  // when its join's deadline cancelled it
  std::size_t zeros_at_call = 0;
  std::vector<std::uint32_t> unacked_at_call;
};

enum class fate : std::uint8_t { queued, taken, acked, drained };

/// The acknowledgement ledger's line for one item.
struct item_record {
  std::size_t put_by = 0;
  std::uint64_t put_step = 0;
  std::size_t got_by = 0;
  std::uint64_t got_step = 0;
  std::uint64_t ack_step = 0;
  std::uint32_t acks = 0;
  harness::fate fate = fate::queued;
  fault_kind holder_fault = fault_kind::crash;
  bool holder_struck = false;  // a fault struck the task that took it while it held it
  bool put = false;
  bool got = false;
};

/// A moment the unfinished count reached zero, and the items the ledger still held then.
struct zero_moment {
  std::uint64_t step;
  std::vector<std::uint32_t> unacked;
};

std::string item_name(std::uint32_t id) { return "i" + std::to_string(id); }

bool consumer_point(fault_point p) {
  return p == fault_point::after_get || p == fault_point::mid_item ||
         p == fault_point::before_ack || p == fault_point::after_ack;
}

activity waiting_activity(fault_point p) {
  switch (p) {
    case fault_point::in_get:
      return activity::in_get;
    case fault_point::in_put:
      return activity::in_put;
    case fault_point::in_join:
      return activity::in_join;
    default:
      return activity::starting;  // not a waiting point
  }
}

/// What the queue should store, in put order. Taking the front (what a FIFO get does every
/// time) moves a head index instead of shifting every item down.
class shadow_items {
 public:
  using iterator = std::vector<item>::iterator;
  using const_iterator = std::vector<item>::const_iterator;

  iterator begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept {
    return items_.begin() + static_cast<std::ptrdiff_t>(head_);
  }
  const_iterator end() const noexcept { return items_.end(); }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size() - head_; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  void reserve(std::size_t n) { items_.reserve(n); }
  void push_back(const item& it) { items_.push_back(it); }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }

  /// Where `it` is (items are unique), looking first at the ends, where FIFO and LIFO take.
  iterator find(const item& it) {
    if (empty()) return end();
    if (*begin() == it) return begin();
    if (items_.back() == it) return end() - 1;
    return std::find(begin(), end(), it);
  }

  void erase(iterator pos) {
    if (pos != begin()) {
      items_.erase(pos);
    } else if (++head_ == items_.size()) {
      clear();
    }
  }

 private:
  std::vector<item> items_;
  std::size_t head_ = 0;  // items_[0, head_) were taken
};

/// The growable state of a run, kept by an `engine` from one run to the next (capacity kept,
/// contents cleared) instead of growing every vector from empty each run.
struct run_buffers {
  std::vector<actor> actors;
  std::vector<item_record> ledger;
  shadow_items shadow;
  std::vector<zero_moment> zeros;
  std::vector<bool> pinned_used;
  std::vector<std::uint32_t> pinned_next;
  std::vector<bool> controls_done;

  void clear() noexcept {
    actors.clear();
    ledger.clear();
    shadow.clear();
    zeros.clear();
    pinned_used.clear();
    pinned_next.clear();
    controls_done.clear();
  }
};

class engine_run final : private detail::consumer_host {
 public:
  engine_run(const workload& w, sim::decision_source& decisions, const run_options& options,
             run_buffers& buffers)
      : w_(w),
        decisions_(decisions),
        queue_(options.make_queue ? options.make_queue(w) : make_reference_queue(w)),
        consumer_(options.consumer),
        builtin_(!options.consumer),
        reference_queue_(!options.make_queue),
        explain_(options.explain),
        buffers_(buffers),
        crashes_left_(w.faults.crashes),
        cancels_left_(w.faults.cancels),
        pinned_waits_(std::any_of(
            w.pinned.begin(), w.pinned.end(),
            [](const pinned_fault& f) { return waiting_activity(f.point) != activity::starting; })),
        loop_(decisions) {
    if (options.trace) trace_.emplace();
    buffers_.clear();
    pinned_used_.assign(w.pinned.size(), false);
    pinned_next_.assign(w.pinned.size(), no_pinned);
    controls_done_.assign(w.controls.size(), false);
    // Every actor the run can add, so that none moves: coroutines hold references to theirs.
    std::size_t const per_slot = w.restarts > 0 ? 2 + static_cast<std::size_t>(w.restarts) : 1;
    actors_.reserve(w.producers + w.joiners + w.consumers * per_slot);
    std::size_t const items = static_cast<std::size_t>(w.producers) * w.items;
    ledger_.reserve(items);
    shadow_.reserve(items);
    // Room for a typical record (a schedule pick per step, a few faults and values per item).
    decisions_.reserve(decisions_.record().size() + 32 + 4 * items);
  }

  engine_run(const engine_run&) = delete;
  engine_run& operator=(const engine_run&) = delete;
  ~engine_run() = default;

  /// Runs the workload and writes what happened into `report`, reusing its buffers.
  void go(run_report& report) {
    start_tasks();
    report.end = drive();
    if (!violation_ && report.end != run_end::step_budget) judge_end();
    if (violation_) {
      std::sort(violation_->marked_steps.begin(), violation_->marked_steps.end());
      violation_->marked_steps.erase(
          std::unique(violation_->marked_steps.begin(), violation_->marked_steps.end()),
          violation_->marked_steps.end());
      bool const ended = report.end == run_end::complete || report.end == run_end::quiescent;
      if (ended && !info(violation_->kind).judged_at_end) report.end = run_end::violation;
      if (trace_) trace_->mark(violation_->marked_steps);
    }
    report.violation = std::move(violation_);
    report.steps = loop_.steps();
    // Copy-assigned: the report's vectors keep their capacity from run to run.
    report.decisions = decisions_.record();
    report.tags = decisions_.tags();
    report.bounds = decisions_.bounds();
    report.tasks = static_cast<std::uint32_t>(actors_.size());
    report.trace = std::move(trace_);
  }

 private:
  // ---- setup and the step loop ----

  void start_tasks() {
    for (std::uint32_t i = 0; i < w_.producers; ++i) {
      std::size_t const me = add_actor(role::producer, i);
      actors_[me].task = loop_.spawn(producer(me), actors_[me].name);
    }
    for (std::uint32_t i = 0; i < w_.consumers; ++i) {
      if (w_.restarts > 0) {
        std::size_t const me = add_actor(role::supervisor, i);
        actors_[me].task = loop_.spawn(supervisor(me, i), actors_[me].name);
      } else {
        std::size_t const me = add_actor(role::consumer, i);
        actors_[me].task = loop_.spawn(consumer_body(me), actors_[me].name);
      }
    }
    for (std::uint32_t i = 0; i < w_.joiners; ++i) {
      std::size_t const me = add_actor(role::joiner, i);
      actors_[me].task = loop_.spawn(joiner(me), actors_[me].name);
    }
  }

  /// Adds the task of role `r` in slot `slot`: p3, c1, j0, s2, or c1.2 for the second restart.
  std::size_t add_actor(role r, std::uint32_t slot, std::uint32_t generation = 0) {
    assert(actors_.size() < actors_.capacity() && "actors never move: see the constructor");
    actors_.emplace_back();
    std::string& name = actors_.back().name;
    constexpr std::array<char, 4> prefixes = {'p', 'c', 'j', 's'};  // by role
    name += prefixes[static_cast<std::size_t>(r)];
    append_digits(name, slot);
    if (generation > 0) {
      name += '.';
      append_digits(name, generation);
    }
    actors_.back().role = r;
    std::size_t const me = actors_.size() - 1;
    actors_.back().index = me;
    // Pinned faults name their task and point: chain this task's own per point, in workload
    // order, once, instead of comparing names over all of them at every fault point.
    if (w_.pinned.empty()) return me;
    std::array<std::uint32_t*, point_count> tails{};
    for (std::size_t p = 0; p < point_count; ++p) tails[p] = &actors_.back().first_pinned[p];
    for (std::uint32_t i = 0; i < w_.pinned.size(); ++i) {
      const pinned_fault& f = w_.pinned[i];
      if (!same_name(f.task, actors_.back().name)) continue;
      *tails[index(f.point)] = i;
      tails[index(f.point)] = &pinned_next_[i];
    }
    return me;
  }

  run_end drive() {
    for (;;) {
      between_steps();
      if (violation_) return run_end::violation;
      bool const runnable = loop_.ready_count() > 0 || loop_.has_timers();
      if (runnable && loop_.steps() >= w_.step_budget) {
        judge_livelock();
        return run_end::step_budget;
      }
      in_step_ = true;
      bool const ran = loop_.step();
      in_step_ = false;
      if (ran && trace_) trace_new_waits();
      if (!ran) {
        // Nothing can run: control events still due take effect now, in step order.
        if (apply_overdue_controls()) continue;
        return loop_.live_tasks() == 0 ? run_end::complete : run_end::quiescent;
      }
      if (violation_) return run_end::violation;
      check_join_late();
      if (violation_) return run_end::violation;
    }
  }

  /// After a step, in traced runs: a get or put that the step left suspended is "waiting" in
  /// the trace. What the queue under test did, seen from the loop, not what the reference
  /// queue's full()/empty() would predict: a queue that overfills shows no wait it never made.
  void trace_new_waits() {
    for (actor& a : actors_) {
      if (a.wait_traced || (a.act != activity::in_get && a.act != activity::in_put) ||
          !a.task.waiting())
        continue;
      a.wait_traced = true;
      bool const get = a.act == activity::in_get;
      trace_->events.push_back({loop_.steps(), a.name, get ? "get" : "put",
                                get ? -1 : static_cast<std::int64_t>(a.current.id), "waiting", ""});
    }
  }

  /// The step an event belongs to: the running step, or the next one between steps.
  [[nodiscard]] std::uint64_t now() const noexcept { return loop_.steps() + (in_step_ ? 0 : 1); }

  // ---- faults ----

  /// Under a uniform stream, true with probability 1/odds; the value odds-1 strikes.
  bool offered() {
    std::uint32_t const odds = std::max<std::uint32_t>(w_.faults.odds, 2);
    return decisions_.choose(odds, decision_tag::fault_strike) == odds - 1;
  }

  /// A fault point inside a task's own code: a pinned fault or a drawn crash may strike here.
  void checkpoint(actor& a, fault_point p) {
    if (std::optional<fault_kind> const struck = visit_point(a, p)) raise(a, *struck);
  }

  /// As `checkpoint`, but returns the kind of the fault that struck instead of raising it.
  [[nodiscard]] std::optional<fault_kind> visit_point(actor& a, fault_point p) {
    if (a.first_pinned[index(p)] == no_pinned &&
        (crashes_left_ == 0 || !w_.faults.crash_points.contains(p))) {
      // Nothing can strike here (the common case): just count the visit.
      ++a.visits[index(p)];
      ++a.visits_this_item[index(p)];
      return std::nullopt;
    }
    return visit_point_slowly(a, p);
  }

  [[gnu::noinline]] std::optional<fault_kind> visit_point_slowly(actor& a, fault_point p) {
    std::uint32_t const visit = a.visits[index(p)]++;
    std::uint32_t const item_visit = a.visits_this_item[index(p)]++;
    for (std::uint32_t i = a.first_pinned[index(p)]; i != no_pinned; i = pinned_next_[i]) {
      const pinned_fault& f = w_.pinned[i];
      if (pinned_used_[i]) continue;
      bool const item_matches =
          f.item < 0 || (a.holding && f.item == static_cast<std::int32_t>(a.current.id));
      std::uint32_t const occurrence = f.item < 0 ? visit : item_visit;
      if (!item_matches || occurrence != f.occurrence) continue;
      pinned_used_[i] = true;
      record_fault(a, f.kind, p, fault_origin::pinned);
      return f.kind;
    }
    // In-get crashes are drawn between steps (`between_steps`), not where a consumer passes.
    bool const drawable =
        (consumer_point(p) || p == fault_point::before_put) && w_.faults.crash_points.contains(p);
    if (drawable && crashes_left_ > 0 && offered()) {
      --crashes_left_;
      record_fault(a, fault_kind::crash, p, fault_origin::drawn);
      return fault_kind::crash;
    }
    return std::nullopt;
  }

  /// A fault struck `a`: the item it holds unacknowledged (if any) is now at risk because of it.
  void blame_held_item(const actor& a, fault_kind kind) {
    if (!a.holding || a.acked_current || a.current.id >= ledger_.size()) return;
    item_record& r = ledger_[a.current.id];
    r.holder_struck = true;
    r.holder_fault = kind;
  }

  /// Raises the fault that just struck `a` (recorded by `visit_point`).
  [[noreturn]] static void raise(const actor& a, fault_kind kind) {
    if (kind == fault_kind::cancel) throw sim::cancelled_error{};
    throw sim::injected_fault(a.fault.text());
  }

  void record_fault(actor& a, fault_kind kind, fault_point p, fault_origin origin) {
    a.fault = {kind, p, origin};
    a.fault_step = now();
    a.struck_this_wait = true;
    blame_held_item(a, kind);
    if (trace_) {
      note(a, name_of(kind), a.holding ? static_cast<std::int64_t>(a.current.id) : -1, "struck",
           a.fault.text());
    }
  }

  /// Faults and control events that act on tasks from outside, between two steps.
  void between_steps() {
    std::uint64_t const done_steps = loop_.steps();
    for (std::size_t i = 0; i < w_.controls.size(); ++i) {
      if (!controls_done_[i] && w_.controls[i].at_step <= done_steps) {
        controls_done_[i] = true;
        apply_control(w_.controls[i]);
      }
    }
    for (std::size_t i = 0; i < w_.pinned.size() && pinned_waits_; ++i) {
      const pinned_fault& f = w_.pinned[i];
      activity const waiting = waiting_activity(f.point);
      if (pinned_used_[i] || waiting == activity::starting) continue;
      actor* a = find_actor(f.task);
      if (a == nullptr || a->act != waiting || a->task.done() || a->struck_this_wait) continue;
      if (a->visits[index(f.point)] != f.occurrence + 1) continue;
      pinned_used_[i] = true;
      strike_waiting(*a, f.kind, f.point, fault_origin::pinned);
    }
    if (cancels_left_ > 0) {
      std::vector<actor*> waiting =
          actors_in({activity::in_get, activity::in_put, activity::in_join});
      if (!waiting.empty() && offered()) {
        actor& victim = *waiting[decisions_.choose(static_cast<std::uint32_t>(waiting.size()),
                                                   decision_tag::fault_target)];
        --cancels_left_;
        strike_waiting(victim, fault_kind::cancel, point_of(victim.act), fault_origin::drawn);
      }
    }
    if (crashes_left_ > 0 && w_.faults.crash_points.contains(fault_point::in_get)) {
      std::vector<actor*> getters = actors_in({activity::in_get});
      if (!getters.empty() && offered()) {
        actor& victim = *getters[decisions_.choose(static_cast<std::uint32_t>(getters.size()),
                                                   decision_tag::fault_target)];
        --crashes_left_;
        strike_waiting(victim, fault_kind::crash, fault_point::in_get, fault_origin::drawn);
      }
    }
    if (w_.faults.shutdown != shutdown_allowance::none && !shut_down_ && offered()) {
      bool immediate = w_.faults.shutdown == shutdown_allowance::immediate;
      if (w_.faults.shutdown == shutdown_allowance::any)
        immediate = decisions_.choose(2, decision_tag::fault_target) == 1;
      shutdown(immediate ? queue::shutdown_mode::immediate : queue::shutdown_mode::graceful,
               "drawn");
    }
  }

  /// At quiescence: applies the earliest control events not yet applied; false if none.
  bool apply_overdue_controls() {
    std::uint64_t earliest = UINT64_MAX;
    for (std::size_t i = 0; i < w_.controls.size(); ++i)
      if (!controls_done_[i]) earliest = std::min(earliest, w_.controls[i].at_step);
    if (earliest == UINT64_MAX) return false;
    for (std::size_t i = 0; i < w_.controls.size(); ++i) {
      if (!controls_done_[i] && w_.controls[i].at_step == earliest) {
        controls_done_[i] = true;
        apply_control(w_.controls[i]);
      }
    }
    return true;
  }

  void judge_livelock() {
    std::string runnable;
    for (const actor& a : actors_) {
      if (a.task.done() || a.task.waiting()) continue;
      if (!runnable.empty()) runnable += ", ";
      runnable += a.name;
      if (a.holding) runnable += " (holding " + item_name(a.current.id) + ")";
    }
    fail(verdict_kind::livelock_step_budget,
         "the step budget of " + std::to_string(w_.step_budget) +
             " steps ran out with tasks still runnable: " + runnable,
         {loop_.steps()});
  }

  static fault_point point_of(activity act) {
    switch (act) {
      case activity::in_put:
        return fault_point::in_put;
      case activity::in_join:
        return fault_point::in_join;
      default:
        return fault_point::in_get;
    }
  }

  std::vector<actor*> actors_in(std::initializer_list<activity> acts) {
    std::vector<actor*> out;
    for (actor& a : actors_) {
      if (a.task.done() || a.struck_this_wait) continue;
      if (std::find(acts.begin(), acts.end(), a.act) != acts.end()) out.push_back(&a);
    }
    return out;
  }

  actor* find_actor(std::string_view name) {
    for (actor& a : actors_)
      if (a.name == name) return &a;
    return nullptr;
  }

  void strike_waiting(actor& a, fault_kind kind, fault_point p, fault_origin origin) {
    record_fault(a, kind, p, origin);
    if (kind == fault_kind::cancel) {
      a.task.cancel();
    } else {
      a.task.inject(std::make_exception_ptr(sim::injected_fault(a.fault.text())));
    }
  }

  void apply_control(const control_event& c) {
    switch (c.action) {
      case control_action::cancel:
        if (actor* a = find_actor(c.task); a != nullptr && !a->task.done()) {
          a->fault = {fault_kind::cancel, fault_point::after_get, fault_origin::control_event};
          a->fault_step = now();
          blame_held_item(*a, fault_kind::cancel);
          if (trace_) note(*a, "cancel", -1, "requested", a->fault.text());
          a->task.cancel();
        }
        break;
      case control_action::shutdown_graceful:
        shutdown(queue::shutdown_mode::graceful, "control event");
        break;
      case control_action::shutdown_immediate:
        shutdown(queue::shutdown_mode::immediate, "control event");
        break;
    }
  }

  void shutdown(queue::shutdown_mode mode, std::string_view origin) {
    shut_down_ = true;
    shutdown_step_ = now();
    bool const immediate = mode == queue::shutdown_mode::immediate;
    if (trace_) {
      trace_->events.push_back({now(), "engine", immediate ? "shutdown-immediate" : "shutdown", -1,
                                "ok", std::string(origin)});
    }
    queue_->shutdown(mode);
    if (immediate) {
      for (const item& it : shadow_) {
        ledger_[it.id].fate = fate::drained;
        --open_items_;
      }
      shadow_.clear();
    }
    observe_count();
  }

  // ---- the ledger ----

  void on_put(actor& p, const item& it) {
    p.putting = false;
    item_record& r = ledger_[it.id];
    if (r.put) return;  // a getter took it before the put returned: recorded then
    r.put = true;
    ++open_items_;
    r.put_by = index_of(p);
    r.put_step = now();
    shadow_.push_back(it);
    observe_count();
    note(p, "put", it.id, "ok");
    if (w_.maxsize > 0 && shadow_.size() > static_cast<std::size_t>(w_.maxsize)) {
      fail(verdict_kind::capacity_over_maxsize,
           "after " + p.name + " put " + item_name(it.id) + " at step " + std::to_string(now()) +
               " the queue held " + std::to_string(shadow_.size()) + " items, maxsize " +
               std::to_string(w_.maxsize),
           {now()});
    }
  }

  void on_get(actor& c, const item& it) {
    // A queue whose put suspends after storing lets a getter take the item before put returns:
    // the item was put when it was stored, so record the put now. (The unbounded reference
    // queue stores with put_nowait, in the producer's own step: nothing to look for.)
    if (!reference_queue_ || w_.maxsize > 0) {
      for (actor& p : actors_) {
        if (p.putting && p.current.id == it.id && it.id < ledger_.size() && !ledger_[it.id].put) {
          on_put(p, it);
          p.putting = true;
        }
      }
    }
    if (reference_queue_) {
      // The reference get never changes the count, observed at each of its changes.
      assert(queue_->unfinished_tasks() == last_count_);
    } else {
      observe_count();
    }
    if (it.id >= ledger_.size() || !ledger_[it.id].put || ledger_[it.id].got) {
      bool const seen = it.id < ledger_.size() && ledger_[it.id].got;
      fail(seen ? verdict_kind::duplicated_got_twice : verdict_kind::duplicated_never_put,
           c.name + " got " + item_name(it.id) + " at step " + std::to_string(now()) +
               (seen ? ", already got by " + actors_[ledger_[it.id].got_by].name + " at step " +
                           std::to_string(ledger_[it.id].got_step)
                     : ", which was never put"),
           {now()});
      return;
    }
    auto expected = expected_next();
    if (expected != shadow_.end() && expected->id != it.id) {
      fail(out_of_order(w_.kind),
           c.name + " got " + item_name(it.id) + " at step " + std::to_string(now()) + " but a " +
               std::string(name_of(w_.kind)) + " queue must hand out " + item_name(expected->id) +
               " first",
           {ledger_[it.id].put_step, ledger_[expected->id].put_step, now()});
    }
    // Usually the item got is the one expected: no second search.
    auto const pos = expected != shadow_.end() && *expected == it ? expected : shadow_.find(it);
    if (pos != shadow_.end()) shadow_.erase(pos);
    item_record& r = ledger_[it.id];
    r.got = true;
    r.got_by = index_of(c);
    r.got_step = now();
    r.fate = fate::taken;
    note(c, "get", it.id, "ok");
  }

  static verdict_kind out_of_order(queue::queue_kind kind) {
    switch (kind) {
      case queue::queue_kind::fifo:
        return verdict_kind::order_fifo;
      case queue::queue_kind::lifo:
        return verdict_kind::order_lifo;
      case queue::queue_kind::priority:
        break;
    }
    return verdict_kind::order_priority;
  }

  shadow_items::iterator expected_next() {
    if (shadow_.empty()) return shadow_.end();
    switch (w_.kind) {
      case queue::queue_kind::fifo:
        return shadow_.begin();
      case queue::queue_kind::lifo:
        return shadow_.end() - 1;
      case queue::queue_kind::priority:
        return std::min_element(shadow_.begin(), shadow_.end());
    }
    return shadow_.begin();
  }

  void ack(actor& c, const item& it) {
    bool queue_refused = false;
    try {
      queue_->task_done();
    } catch (const queue::task_done_error&) {
      queue_refused = true;
    }
    if (it.id >= ledger_.size() || !ledger_[it.id].put) {
      observe_count();  // an item the queue made up: already a `duplicated` verdict
      return;
    }
    item_record& r = ledger_[it.id];
    ++r.acks;
    r.ack_step = now();
    if (r.fate == fate::taken) {
      r.fate = fate::acked;
      --open_items_;
    }
    if (c.holding && c.current.id == it.id) c.acked_current = true;
    observe_count();
    note(c, "ack", it.id, queue_refused ? "ValueError" : "ok");
    if (queue_->unfinished_tasks() < 0) {
      fail(verdict_kind::over_ack_negative_count,
           c.name + "'s task_done for " + item_name(it.id) + " at step " + std::to_string(now()) +
               " drove the unfinished count to " + std::to_string(queue_->unfinished_tasks()) +
               ": the queue accepted more acknowledgements than items put",
           {r.got_step, now()});
    } else if (r.acks > 1) {
      fail(verdict_kind::over_ack_double_ack,
           c.name + " acknowledged " + item_name(it.id) + " a second time at step " +
               std::to_string(now()) + " (got at step " + std::to_string(r.got_step) + ")",
           {r.got_step, now()});
    } else if (queue_refused) {
      fail(verdict_kind::over_ack_task_done_error,
           c.name + "'s task_done for " + item_name(it.id) + " at step " + std::to_string(now()) +
               " raised: task_done() called too many times",
           {now()});
    }
  }

  /// The items put and neither acknowledged nor drained, by id.
  std::vector<std::uint32_t> unacked_items() const {
    std::vector<std::uint32_t> out;
    // Usually none (the count just reached zero): the ledger's running tally says so at once.
    if (open_items_ == 0) {
      assert(open_items_slowly() == 0);
      return out;
    }
    out.reserve(open_items_);
    for (std::uint32_t id = 0; id < ledger_.size(); ++id)
      if (is_open(ledger_[id])) out.push_back(id);
    assert(out.size() == open_items_);
    return out;
  }

  /// Put, and neither acknowledged nor drained: what `open_items_` counts.
  static bool is_open(const item_record& r) {
    return r.put && (r.fate == fate::queued || r.fate == fate::taken);
  }

  /// `open_items_` counted from the ledger (for assertions).
  [[nodiscard]] std::size_t open_items_slowly() const {
    return static_cast<std::size_t>(std::count_if(ledger_.begin(), ledger_.end(), is_open));
  }

  void observe_count() {
    std::int64_t const count = queue_->unfinished_tasks();
    if (count == 0 && last_count_ > 0) zeros_.push_back({now(), unacked_items()});
    last_count_ = count;
  }

  std::size_t index_of(const actor& a) const {
    assert(&actors_[a.index] == &a);
    return a.index;
  }

  // ---- the workload's tasks ----

  /// The reference queue's full(): bounded and at maxsize.
  [[nodiscard]] bool reference_full() const {
    return w_.maxsize > 0 && queue_->qsize() >= static_cast<std::size_t>(w_.maxsize);
  }

  /// `a` is about to wait at `p`: counts the wait (pinned faults name it by occurrence).
  void begin_wait(actor& a, fault_point p) {
    ++a.visits[index(p)];
    a.wait_step = now();
    a.struck_this_wait = false;
  }

  sim::task<void> producer(std::size_t me) {
    actor& a = actors_[me];
    // A fault before a put ends the producer as if checkpoint() had thrown it, without the throw.
    std::optional<fault_kind> struck;
    try {
      for (std::uint32_t n = 0; n < w_.items; ++n) {
        a.act = activity::idle;
        struck = visit_point(a, fault_point::before_put);
        if (struck) break;
        item it{0, next_item_id_++};
        ledger_.emplace_back();
        if (w_.kind == queue::queue_kind::priority)
          it.priority = decisions_.choose(4, decision_tag::value);
        a.current = it;
        a.putting = true;
        if (w_.put == put_mode::blocking) {
          a.act = activity::in_put;
          a.wait_traced = false;
          if (w_.maxsize > 0 && queue_->qsize() >= static_cast<std::size_t>(w_.maxsize) &&
              !shut_down_)
            begin_wait(a, fault_point::in_put);
          if (reference_queue_ && !reference_full()) {
            // The reference put stores at once when there is room: skip its coroutine frame.
            queue_->put_nowait(it);
          } else {
            co_await queue_->put(it);
          }
        } else {
          for (;;) {
            if (reference_queue_ && !shut_down_ && reference_full()) {
              // What the reference's put_nowait would raise, without raising it.
              note(a, "put_nowait", it.id, "QueueFull");
            } else {
              try {
                queue_->put_nowait(it);
                break;
              } catch (const queue::queue_full&) {
                note(a, "put_nowait", it.id, "QueueFull");
              }
            }
            co_await sim::yield();
          }
        }
        on_put(a, it);
      }
    } catch (const queue::queue_shut_down&) {
      note(a, "put", -1, "QueueShutDown");
    } catch (...) {
      a.act = activity::finished;
      throw;
    }
    a.act = activity::finished;
    if (struck) {
      co_await sim::exit_with(a.fault.exception(), *struck == fault_kind::cancel
                                                       ? sim::error_kind::cancellation
                                                       : sim::error_kind::failure);
    }
  }

  /// The task of consumer `me`: the built-in policy, or the user's consumer_fn.
  sim::task<void> consumer_body(std::size_t me) {
    return builtin_ ? builtin_consumer_task(me) : consumer(me);
  }

  sim::task<void> consumer(std::size_t me) {
    consumer_context ctx(*this, me);
    try {
      co_await consumer_(ctx);
    } catch (const queue::queue_shut_down&) {
      // the queue shut down: the consumer's normal end
    } catch (const run_stopped&) {
      // the run is over
    }
    actors_[me].holding = false;
    actors_[me].act = activity::finished;
  }

  // ---- consumer_host: what consumer_context calls ----

  sim::task<item> get(std::size_t me) override {
    guard_consumer_call(me);
    actor& a = actors_[me];
    start_get(a);
    item it;
    try {
      it = co_await queue_->get();
    } catch (const queue::queue_shut_down&) {
      note(a, "get", -1, "QueueShutDown");
      throw;
    }
    took(a, it);
    co_return it;
  }

  /// A consumer calls get: it holds nothing now, and waits if the queue is empty.
  void start_get(actor& a) {
    a.holding = false;
    a.act = activity::in_get;
    a.wait_traced = false;
    if (queue_->qsize() == 0 && !shut_down_) begin_wait(a, fault_point::in_get);
  }

  /// A consumer's get returned `it`.
  void took(actor& a, const item& it) {
    a.act = activity::processing;
    a.current = it;
    a.holding = true;
    a.acked_current = false;
    a.visits_this_item.fill(0);
    on_get(a, it);
  }

  /// Processing one item: k suspension points, each a place a fault may strike.
  sim::task<void> process(std::size_t me, item it) override {
    guard_consumer_call(me);
    actor& a = actors_[me];
    checkpoint(a, fault_point::after_get);
    for (std::uint32_t k = 0; k < w_.work_steps; ++k) {
      co_await sim::yield();
      checkpoint(a, fault_point::mid_item);
    }
    note(a, "process", it.id, "done");
    checkpoint(a, fault_point::before_ack);
  }

  // ---- the built-in consumers, without exceptions ----
  //
  // The built-in policies run here exactly as their consumer_context versions in consumer.cpp
  // (which a user's consumer_fn still runs through), except that a fault comes back as a value
  // instead of a thrown exception: throwing an injected crash cost five unwinds per crash, most
  // of the engine's time. Each step below names the consumer_context call it stands for.

  /// Why a built-in consumer stops early; empty while it goes on.
  struct stop {
    enum class why : std::uint8_t { none, ended, raised } reason = why::none;
    std::exception_ptr error;  // raised: what the consumer_context version would throw
    sim::error_kind kind = sim::error_kind::failure;
    bool injected = false;  // raised: an injected_fault (the `twice` policy catches those)

    explicit operator bool() const noexcept { return reason != why::none; }
    /// The consumer's normal end: the queue shut down, or `run_stopped`.
    static stop ended() { return stop{why::ended, nullptr, sim::error_kind::failure, false}; }
    static stop raised(std::exception_ptr e, sim::error_kind kind, bool injected) {
      return stop{why::raised, std::move(e), kind, injected};
    }
  };

  /// The fault `visit_point` reported, as the exception `raise` would throw.
  static stop struck(const actor& a, fault_kind kind) {
    if (kind == fault_kind::cancel)
      return stop::raised(a.fault.exception(), sim::error_kind::cancellation, false);
    return stop::raised(a.fault.exception(), sim::error_kind::failure, true);
  }

  /// `ctx.task_done(it)`.
  stop acknowledge(std::size_t me, const item& it) {
    if (!consumer_call_allowed(me)) return stop::ended();
    ack(actors_[me], it);
    return {};
  }

  /// A consumer passing fault point `point` without suspending: the guard, then the point.
  stop pass_point(std::size_t me, fault_point point) {
    if (!consumer_call_allowed(me)) return stop::ended();
    actor& a = actors_[me];
    if (std::optional<fault_kind> const kind = visit_point(a, point)) return struck(a, *kind);
    return {};
  }

  /// `ctx.checkpoint(fault_point::after_ack)`.
  stop after_ack(std::size_t me) { return pass_point(me, fault_point::after_ack); }

  /// `ctx.process(it)` up to its first suspension: the guard and the after-get fault point.
  stop start_processing(std::size_t me) { return pass_point(me, fault_point::after_get); }

  /// The end of `ctx.process(it)`, after its last suspension.
  stop finish_processing(actor& a, const item& it) {
    note(a, "process", it.id, "done");
    if (std::optional<fault_kind> const kind = visit_point(a, fault_point::before_ack))
      return struck(a, *kind);
    return {};
  }

  /// The consumer task of a built-in policy: `consumer(me)` running `builtin_consumer(policy)`.
  sim::task<void> builtin_consumer_task(std::size_t me) {
    actor& a = actors_[me];
    stop end;
    while (!end) {
      // ctx.get()
      if (!consumer_call_allowed(me)) {
        end = stop::ended();
        break;
      }
      start_get(a);
      item it;
      try {
        if (reference_queue_ && queue_->qsize() > 0) {
          // The reference get takes at once when an item is stored: skip its coroutine frame.
          it = queue_->get_nowait();
        } else {
          it = co_await queue_->get();
        }
      } catch (const queue::queue_shut_down&) {
        note(a, "get", -1, "QueueShutDown");
        end = stop::ended();
      } catch (const sim::cancelled_error&) {
        end = stop::raised(std::current_exception(), sim::error_kind::cancellation, false);
      } catch (...) {
        end = stop::raised(std::current_exception(), sim::error_kind::failure, false);
      }
      if (end) break;
      took(a, it);

      if (w_.policy == ack_policy::before_work) {
        end = acknowledge(me, it);
        if (!end) end = after_ack(me);
        if (end) break;
      }
      // ctx.process(it), inline rather than a coroutine of its own (one frame less per item),
      // once per attempt; then what the policy does with its outcome.
      for (int attempt = 0;; ++attempt) {
        stop s = start_processing(me);
        for (std::uint32_t k = 0; !s && k < w_.work_steps; ++k) {
          try {
            co_await sim::yield();
          } catch (const sim::cancelled_error&) {
            s = stop::raised(std::current_exception(), sim::error_kind::cancellation, false);
          } catch (const sim::injected_fault&) {
            s = stop::raised(std::current_exception(), sim::error_kind::failure, true);
          } catch (...) {
            s = stop::raised(std::current_exception(), sim::error_kind::failure, false);
          }
          if (s) break;
          if (std::optional<fault_kind> const kind = visit_point(a, fault_point::mid_item))
            s = struck(a, *kind);
        }
        if (!s) s = finish_processing(a, it);

        switch (w_.policy) {
          case ack_policy::finally:
            if (s) {
              // catch (...) { ctx.task_done(it); throw; }: a run_stopped there wins
              if (acknowledge(me, it)) s = stop::ended();
            } else {
              s = acknowledge(me, it);
              if (!s) s = after_ack(me);
            }
            break;
          case ack_policy::on_success:
            if (!s) s = acknowledge(me, it);
            if (!s) s = after_ack(me);
            break;
          case ack_policy::twice:
            if (s.injected) {
              // catch (const sim::injected_fault&): ack each attempt, retry once
              if (stop acked = acknowledge(me, it)) {
                s = std::move(acked);
              } else if (attempt == 0) {
                note(a, "retry", it.id, "after crash");
                continue;
              }
            } else if (!s) {
              s = acknowledge(me, it);
              if (!s) s = after_ack(me);
            }
            break;
          case ack_policy::before_work:
          case ack_policy::never:
            break;
        }
        end = std::move(s);
        break;
      }
    }
    if (end.reason == stop::why::ended) {
      a.holding = false;
      a.act = activity::finished;
      co_return;
    }
    co_await sim::exit_with(std::move(end.error), end.kind);
  }

  void task_done(std::size_t me, item it) override {
    guard_consumer_call(me);
    ack(actors_[me], it);
  }

  void checkpoint(std::size_t me, fault_point p) override {
    guard_consumer_call(me);
    checkpoint(actors_[me], p);
  }

  /// Thrown into a consumer to end it at once: the run already has its verdict, or the consumer
  /// loops without ever suspending (no step budget could stop it).
  struct run_stopped {};

  /// Every call a consumer makes into the engine passes here.
  void guard_consumer_call(std::size_t me) {
    if (!consumer_call_allowed(me)) throw run_stopped{};
  }

  /// False when the consumer must stop at once (see `run_stopped`).
  [[nodiscard]] bool consumer_call_allowed(std::size_t me) {
    if (violation_) return false;
    if (loop_.steps() != calls_step_) {
      calls_step_ = loop_.steps();
      calls_this_step_ = 0;
    }
    if (++calls_this_step_ > max_calls_per_step_) return stop_looping_consumer(me);
    return true;
  }

  /// Out of line, so that the check above stays small enough to inline.
  [[gnu::noinline]] bool stop_looping_consumer(std::size_t me) {
    const actor& a = actors_[me];
    fail(verdict_kind::livelock_no_suspension,
         a.name + " made " + std::to_string(max_calls_per_step_) + " queue calls within step " +
             std::to_string(now()) + " without ever suspending",
         {now()});
    return false;
  }

  void note(std::size_t me, std::string operation, item it, std::string outcome) override {
    note(actors_[me], operation, it.id, outcome);
  }

  [[nodiscard]] const std::string& name(std::size_t me) const override { return actors_[me].name; }

  sim::task<void> supervisor(std::size_t me, std::uint32_t slot) {
    for (std::uint32_t generation = 0;; ++generation) {
      std::size_t const worker = add_actor(role::consumer, slot, generation);
      auto h = loop_.spawn(consumer_body(worker), actors_[worker].name);
      actors_[worker].task = h;
      actors_[me].act = activity::supervising;
      try {
        co_await h;
        break;
      } catch (const sim::injected_fault&) {
        if (generation == w_.restarts) break;
        if (trace_) note(actors_[me], "restart", -1, actors_[worker].name + " crashed");
      } catch (const sim::cancelled_error&) {
        break;
      }
    }
    actors_[me].act = activity::finished;
  }

  sim::task<void> joiner(std::size_t me) {
    actor& a = actors_[me];
    if (w_.join_when == join_when::after_producers) {
      a.act = activity::waiting_producers;
      // Wait for each producer to end, however it ends (even cancelled before it started);
      // unlike awaiting the task itself, this never passes a cancellation on to the producer.
      // (By index: supervisors add actors meanwhile. Producers are the first actors.)
      for (std::size_t i = 0; i < w_.producers; ++i) {
        sim::future ended;
        actors_[i].task.notify_when_done(ended);
        co_await ended;
      }
    }
    a.act = activity::in_join;
    ++joins_entered_;
    a.join_step = now();
    a.zeros_at_call = zeros_.size();
    std::int64_t const count = queue_->unfinished_tasks();
    if (count == 0) a.unacked_at_call = unacked_items();
    if (count > 0) begin_wait(a, fault_point::in_join);
    if (trace_) {
      note(a, "join", -1,
           count == 0 ? "returns at once" : "waiting (unfinished=" + std::to_string(count) + ")");
    }
    if (w_.join_timeout_ms == 0) {
      co_await queue_->join();
    } else {
      // The health check of the incident: asyncio.wait_for(queue.join(), T). At the deadline
      // the join is cancelled and the joiner gives up; judge_end still judges the work it
      // waited for.
      try {
        co_await sim::wait_for(queue_->join(), std::chrono::milliseconds{w_.join_timeout_ms});
      } catch (const sim::timeout_error&) {
        a.act = activity::join_timed_out;
        a.timeout_step = now();
        --joins_entered_;
        if (trace_) {
          note(a, "join", -1,
               "timeout: cancelled by wait_for after " + std::to_string(w_.join_timeout_ms) +
                   " ms (unfinished=" + std::to_string(queue_->unfinished_tasks()) + ")");
        }
        co_return;
      }
    }
    a.act = activity::finished;
    --joins_entered_;
    note(a, "join", -1, "returned");
    judge_join_return(a, count == 0);
  }

  // ---- oracles ----

  void judge_join_return(actor& j, bool returned_at_once) {
    const std::vector<std::uint32_t>* unacked = nullptr;
    std::uint64_t zero_step = j.join_step;
    if (returned_at_once) {
      unacked = &j.unacked_at_call;
    } else if (j.zeros_at_call < zeros_.size()) {
      unacked = &zeros_[j.zeros_at_call].unacked;
      zero_step = zeros_[j.zeros_at_call].step;
    } else {
      fail(verdict_kind::join_early_no_zero,
           j.name + "'s join returned at step " + std::to_string(now()) +
               " although the unfinished count never reached zero after it began waiting at step " +
               std::to_string(j.join_step),
           {j.join_step, now()});
      return;
    }
    if (!unacked->empty()) {
      // The steps are complete only once the items are explained: build the text first.
      std::vector<std::uint64_t> steps{j.join_step, zero_step, now()};
      std::string message = j.name + "'s join returned at step " + std::to_string(now()) +
                            "; the count reached zero at step " + std::to_string(zero_step) +
                            " while the ledger still held: ";
      explain_items(&message, *unacked, steps);
      fail(verdict_kind::join_early_unacked, std::move(message), std::move(steps), unacked);
      return;
    }
    for (const actor& c : actors_) {
      if (c.role == role::consumer && c.holding && c.acked_current && !c.task.done()) {
        const item_record& r = ledger_[c.current.id];
        fail(verdict_kind::work_unfinished_acked_before_done,
             j.name + "'s join returned at step " + std::to_string(now()) + " while " + c.name +
                 " was still processing " + item_name(c.current.id) + ", acknowledged at step " +
                 std::to_string(r.ack_step),
             {r.got_step, r.ack_step, now()});
        return;
      }
    }
  }

  void check_join_late() {
    if (joins_entered_ == 0 || queue_->unfinished_tasks() != 0) return;
    for (const actor& j : actors_) {
      if (j.role == role::joiner && j.act == activity::in_join && j.task.waiting()) {
        std::uint64_t const zero_step = zeros_.empty() ? j.join_step : zeros_.back().step;
        fail(verdict_kind::join_late_not_woken,
             "the unfinished count is zero since step " + std::to_string(zero_step) + " but " +
                 j.name + ", waiting in join since step " + std::to_string(j.join_step) +
                 ", was not woken",
             {j.join_step, zero_step});
        return;
      }
    }
  }

  void judge_end() {
    std::int64_t const count = queue_->unfinished_tasks();
    for (const actor& j : actors_) {
      if (j.role != role::joiner) continue;
      // A join whose deadline passed is judged as if it still waited: the items it waited for
      // are stuck all the same (the incident's health checks timed out forever). If they were
      // acknowledged after the deadline, it was only slow.
      bool const timed_out = j.act == activity::join_timed_out;
      if (timed_out ? count == 0 : j.act != activity::in_join || j.task.done()) continue;
      if (count == 0) {
        check_join_late();
        return;
      }
      std::vector<std::uint32_t> const unacked = unacked_items();
      std::vector<std::uint64_t> steps;
      steps.reserve(1 + 3 * unacked.size());  // the join, then up to three steps per item
      steps.push_back(j.join_step);
      if (timed_out) steps.push_back(j.timeout_step);
      verdict_kind const kind =
          unacked.empty() ? verdict_kind::join_hang_count_mismatch : hang_kind(unacked.front());
      if (!explain_) {
        // A hang is the common failure, met on a large share of all runs: no text unless asked.
        explain_items(nullptr, unacked, steps);
        fail(kind, {}, std::move(steps), &unacked);
        return;
      }
      std::string message;
      message.reserve(128 + 128 * unacked.size());
      message += j.name;
      message += "'s join, waiting since step "sv;
      append_number(message, j.join_step);
      if (timed_out) {
        message += ", timed out at step "sv;
        append_number(message, j.timeout_step);
        message += " (wait_for, "sv;
        append_number(message, w_.join_timeout_ms);
        message += " ms) and could never have returned: unfinished="sv;
      } else {
        message += ", can never return: unfinished="sv;
      }
      append_number(message, count);
      message += " and nothing can run. "sv;
      if (unacked.empty()) {
        message +=
            "The ledger shows every item acknowledged or drained: the queue's count is off."sv;
      } else {
        message += "Unacknowledged: "sv;
        explain_items(&message, unacked, steps);
      }
      fail(kind, std::move(message), std::move(steps), &unacked);
      return;
    }
    for (const actor& p : actors_) {
      if (p.role == role::producer && p.act == activity::in_put && !p.task.done()) {
        fail(verdict_kind::stranded_producer_in_put,
             p.name + " is blocked in put since step " + std::to_string(p.wait_step) +
                 ", forever: the queue holds " + std::to_string(queue_->qsize()) + " of maxsize " +
                 std::to_string(w_.maxsize) + " and no task will take an item" +
                 (shut_down_
                      ? " (the queue was shut down at step " + std::to_string(shutdown_step_) + ")"
                      : ""),
             {p.wait_step});
        return;
      }
    }
    for (const actor& j : actors_) {
      if (j.role == role::joiner && j.act == activity::waiting_producers && !j.task.done()) {
        fail(verdict_kind::stranded_joiner_waits_on_producers,
             j.name + " waits for producers that can never finish", {});
        return;
      }
    }
    for (const actor& c : actors_) {
      if (c.role != role::consumer || c.act != activity::in_get || c.task.done()) continue;
      if (shut_down_) {
        fail(verdict_kind::stranded_getter_after_shutdown,
             c.name + " still waits in get (since step " + std::to_string(c.wait_step) +
                 ") although the queue was shut down at step " + std::to_string(shutdown_step_),
             {c.wait_step, shutdown_step_});
        return;
      }
      if (queue_->qsize() > 0) {
        fail(verdict_kind::stranded_getter_beside_items,
             c.name + " waits in get since step " + std::to_string(c.wait_step) +
                 ", forever, while the queue holds " + std::to_string(queue_->qsize()) +
                 " items (a lost wake-up)",
             {c.wait_step});
        return;
      }
    }
    if (shadow_.size() > queue_->qsize()) {
      std::vector<std::uint64_t> steps;
      std::vector<std::uint32_t> ids;
      for (const item& it : shadow_) ids.push_back(it.id);
      std::string message = "the queue holds " + std::to_string(queue_->qsize()) + " item(s) but " +
                            std::to_string(shadow_.size()) + " were put and never got: ";
      explain_items(&message, ids, steps);
      fail(verdict_kind::lost_vanished, std::move(message), std::move(steps));
    } else if (shadow_.size() < queue_->qsize()) {
      fail(verdict_kind::duplicated_extra_items,
           "the queue holds " + std::to_string(queue_->qsize()) + " item(s) but only " +
               std::to_string(shadow_.size()) + " were put and never got",
           {});
    }
  }

  verdict_kind hang_kind(std::uint32_t id) const {
    const item_record& r = ledger_[id];
    if (r.fate == fate::queued) return verdict_kind::join_hang_unconsumed;
    if (r.holder_struck && actors_[r.got_by].task.done()) {
      return r.holder_fault == fault_kind::cancel ? verdict_kind::join_hang_held_by_cancelled
                                                  : verdict_kind::join_hang_held_by_crashed;
    }
    return verdict_kind::join_hang_never_acked;
  }

  /// "i3 (put by p0 at step 2, got by c1 at step 5, held by c1: crash at mid-item at step 7)".
  /// Appends the steps that matter for each item to `steps` and, when `out` is given, the
  /// explanation to `*out` (without the temporaries of `+`).
  void explain_items(std::string* out, const std::vector<std::uint32_t>& ids,
                     std::vector<std::uint64_t>& steps) const {
    bool first = true;
    for (std::uint32_t id : ids) {
      const item_record& r = ledger_[id];
      steps.push_back(r.put_step);
      const actor* holder = r.fate == fate::queued ? nullptr : &actors_[r.got_by];
      if (holder != nullptr) steps.push_back(r.got_step);
      bool const ended_struck =
          holder != nullptr && r.fate != fate::acked && holder->task.done() && r.holder_struck;
      if (ended_struck) steps.push_back(holder->fault_step);
      if (out == nullptr) continue;

      std::string& text = *out;
      if (!first) text += "; "sv;
      first = false;
      text += 'i';
      append_number(text, id);
      text += " (put by "sv;
      text += actors_[r.put_by].name;
      text += " at step "sv;
      append_number(text, r.put_step);
      if (holder == nullptr) {
        text += ", never got)"sv;
        continue;
      }
      text += ", got by "sv;
      text += holder->name;
      text += " at step "sv;
      append_number(text, r.got_step);
      if (r.fate == fate::acked) {
        text += ", acknowledged at step "sv;
        append_number(text, r.ack_step);
        text += ')';
      } else if (ended_struck) {
        text += ", held by "sv;
        text += holder->name;
        text += " when it ended: "sv;
        text += holder->fault.text();
        text += " at step "sv;
        append_number(text, holder->fault_step);
        text += ')';
      } else if (holder->task.done()) {
        text += ", never acknowledged; "sv;
        text += holder->name;
        text += " ended)"sv;
      } else {
        text += ", never acknowledged)"sv;
      }
    }
  }

  /// `out += std::to_string(n)` for a short name: character by character, no call to memcpy.
  static void append_digits(std::string& out, std::uint32_t n) {
    std::array<char, 10> digits{};
    std::size_t count = 0;
    do {
      digits[count++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    while (count > 0) out += digits[--count];
  }

  /// `out += std::to_string(n)`, without the temporary.
  template <class Integer>
  static void append_number(std::string& out, Integer n) {
    std::array<char, 24> digits{};
    [[maybe_unused]] auto const [end, error] =
        std::to_chars(digits.data(), digits.data() + digits.size(), n);
    assert(error == std::errc{});
    out.append(digits.data(), end);
  }

  void fail(verdict_kind kind, std::string message, std::vector<std::uint64_t> steps,
            const std::vector<std::uint32_t>* unacked = nullptr) {
    if (violation_) return;
    if (!explain_) message.clear();  // rare verdicts build their text anyway: it is dropped
    violation_ = verdict{kind, std::move(message), std::move(steps), {}};
    if (explain_ && unacked != nullptr) violation_->items = item_accounts(*unacked);
  }

  /// The ledger's account of each of `ids`: what `explain_items` writes, as data.
  std::vector<item_account> item_accounts(const std::vector<std::uint32_t>& ids) const {
    std::vector<item_account> out;
    out.reserve(ids.size());
    for (std::uint32_t id : ids) {
      const item_record& r = ledger_[id];
      item_account& a = out.emplace_back();
      a.id = id;
      a.put_by = actors_[r.put_by].name;
      a.put_step = r.put_step;
      if (r.fate == fate::queued) continue;
      const actor& holder = actors_[r.got_by];
      a.got_by = holder.name;
      a.got_step = r.got_step;
      if (r.fate != fate::acked && holder.task.done() && r.holder_struck) {
        a.holder_fault = holder.fault.text();
        a.fault_step = holder.fault_step;
      }
    }
    return out;
  }

  // ---- trace ----

  // Views, not strings: an untraced run (nearly every run) builds no text for the trace.
  void note(const actor& a, std::string_view operation, std::int64_t item_id,
            std::string_view outcome, std::string_view fault = {}) {
    if (trace_) add_event(a, operation, item_id, outcome, fault);
  }

  void add_event(const actor& a, std::string_view operation, std::int64_t item_id,
                 std::string_view outcome, std::string_view fault) {
    trace_->events.push_back(
        {now(), a.name, std::string(operation), item_id, std::string(outcome), std::string(fault)});
  }

  const workload& w_;
  sim::decision_source& decisions_;
  std::unique_ptr<work_queue> queue_;
  consumer_fn consumer_;
  bool builtin_;  // no consumer_fn given: the workload's policy runs as builtin_consumer_task
  bool reference_queue_;  // no queue_factory given: queue_ is chaosq's reference queue
  bool explain_;          // write verdict messages (run_options::explain)
  run_buffers& buffers_;  // the engine's, reused run after run
  std::vector<actor>& actors_ = buffers_.actors;
  std::vector<item_record>& ledger_ = buffers_.ledger;
  shadow_items& shadow_ = buffers_.shadow;
  std::vector<zero_moment>& zeros_ = buffers_.zeros;
  std::int64_t last_count_ = 0;
  std::size_t open_items_ = 0;  // items put and neither acknowledged nor drained
  // Joiners that called join and have not returned from it (one ended by a fault in join stays
  // counted): check_join_late has nothing to look for while there are none.
  std::size_t joins_entered_ = 0;
  std::uint32_t next_item_id_ = 0;
  std::uint32_t crashes_left_;
  std::uint32_t cancels_left_;
  std::vector<bool>& pinned_used_ = buffers_.pinned_used;
  std::vector<std::uint32_t>& pinned_next_ = buffers_.pinned_next;  // next pinned fault, same task
  bool pinned_waits_;  // some pinned fault strikes a waiting task (between steps)
  std::vector<bool>& controls_done_ = buffers_.controls_done;
  bool shut_down_ = false;
  std::uint64_t shutdown_step_ = 0;
  bool in_step_ = false;
  std::uint64_t calls_step_ = 0;
  std::uint64_t calls_this_step_ = 0;
  // A consumer that handles every item within one step makes a few calls per item; many more
  // than that within one step means it loops without suspending.
  std::uint64_t max_calls_per_step_ =
      8 * static_cast<std::uint64_t>(w_.producers) * w_.items + 10'000;
  std::optional<verdict> violation_;
  std::optional<harness::trace> trace_;
  sim::loop loop_;  // last: destroyed first, while everything its frames touch is alive
};

}  // namespace

namespace detail {

struct engine_state {
  run_buffers buffers;
  run_report report;
  bool running = false;
};

}  // namespace detail

engine::engine() : state_(std::make_unique<detail::engine_state>()) {}
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;
engine::~engine() = default;

const run_report& engine::run(const workload& w, sim::decision_source& decisions,
                              const run_options& options) {
  assert(validate(w).empty());
  detail::engine_state& s = *state_;
  assert(!s.running && "an engine runs one workload at a time");
  s.running = true;
  struct done {
    bool& running;
    ~done() { running = false; }
  } const guard{s.running};
  {
    engine_run r(w, decisions, options, s.buffers);
    r.go(s.report);  // sets every field of the report
  }
  return s.report;
}

bool engine::busy() const noexcept { return state_->running; }

run_report run(const workload& w, sim::decision_source& decisions, const run_options& options) {
  // One engine per thread keeps its buffers from call to call; a run started from inside a run
  // (a consumer that runs a workload itself) gets an engine of its own.
  thread_local engine spare;
  if (spare.busy()) {
    engine own;
    return own.run(w, decisions, options);
  }
  return spare.run(w, decisions, options);
}

run_report replay(const workload& w, std::span<const std::uint32_t> decisions,
                  const run_options& options) {
  sim::replay_decisions source(decisions);
  return run(w, source, options);
}

}  // namespace chaosq::harness

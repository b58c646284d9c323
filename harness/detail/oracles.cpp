#include "detail/oracles.hpp"

#include <string>
#include <string_view>

#include "detail/explain.hpp"

namespace chaosq::harness::detail {

using namespace std::string_view_literals;

namespace {

/// What the contract lets `where` raise, as names_of<raised_in> says.
std::string_view contract_of(raised_in where) {
  for (const auto& n : names_of<raised_in>::values)
    if (n.value == where) return n.help;
  return {};
}

}  // namespace

void oracles::join_returned(const task_record& j, bool at_once, step_no now) {
  const std::vector<std::uint32_t>* unacked = nullptr;
  step_no zero_step = j.join_step;
  const std::vector<zero_moment>& zeros = ledger_.zeros();
  if (at_once) {
    unacked = &j.unacked_at_call;
  } else if (j.zeros_at_call < zeros.size()) {
    unacked = &zeros[j.zeros_at_call].unacked;
    zero_step = zeros[j.zeros_at_call].step;
  } else {
    judge_.fail(verdict_kind::join_early_no_zero,
                j.name + "'s join returned at step " + std::to_string(now) +
                    " although the unfinished count never reached zero after it began waiting "
                    "at step " +
                    std::to_string(j.join_step),
                {j.join_step, now});
    return;
  }
  if (!unacked->empty()) {
    // The steps are complete only once the items are explained: build the text first.
    std::vector<step_no> steps{j.join_step, zero_step, now};
    std::string message = j.name + "'s join returned at step " + std::to_string(now) +
                          "; the count reached zero at step " + std::to_string(zero_step) +
                          " while the ledger still held: ";
    explain_items(&message, ledger_, tasks_, live_, *unacked, steps);
    fail_unacked(verdict_kind::join_early_unacked, std::move(message), std::move(steps), *unacked);
    return;
  }
  for (task_id t = 0; t < tasks_.size(); ++t) {
    const task_record& c = tasks_[t];
    if (c.role == role::consumer && c.holding && c.acked_current && !live_.ended(t)) {
      const item_record& r = ledger_[c.current.id];
      judge_.fail(verdict_kind::work_unfinished_acked_before_done,
                  j.name + "'s join returned at step " + std::to_string(now) + " while " + c.name +
                      " was still processing " + item_name(c.current.id) +
                      ", acknowledged at step " + std::to_string(r.ack_step),
                  {r.got_step, r.ack_step, now});
      return;
    }
  }
}

void oracles::join_late() {
  for (task_id t = 0; t < tasks_.size(); ++t) {
    const task_record& j = tasks_[t];
    if (j.role == role::joiner && j.act == activity::in_join && live_.waiting(t)) {
      const std::vector<zero_moment>& zeros = ledger_.zeros();
      step_no const zero_step = zeros.empty() ? j.join_step : zeros.back().step;
      if (pool_) {
        pool_not_woken(j, zero_step);
        return;
      }
      judge_.fail(verdict_kind::join_late_not_woken,
                  "the unfinished count is zero since step " + std::to_string(zero_step) + " but " +
                      j.name + ", waiting in join since step " + std::to_string(j.join_step) +
                      ", was not woken",
                  {j.join_step, zero_step});
      return;
    }
  }
}

void oracles::pool_not_woken(const task_record& j, step_no zero_step) {
  std::vector<step_no> steps{j.join_step, zero_step};
  std::string threw;
  for (std::uint32_t id = 0; id < ledger_.size(); ++id) {
    const item_record& r = ledger_[id];
    if (!r.holder_struck || r.fate != fate::acked) continue;
    threw += (threw.empty() ? "" : ", ") + std::string("i") + std::to_string(id) + " (" +
             tasks_[r.got_by].name + ", step " + std::to_string(r.ack_step) + ")";
    steps.push_back(r.ack_step);
  }
  judge_.fail(verdict_kind::join_late_not_woken,
              "every job submitted has finished since step " + std::to_string(zero_step) +
                  (threw.empty() ? "" : ", the jobs of " + threw + " by throwing,") + " but " +
                  j.name + ", waiting in the pool's wait since step " +
                  std::to_string(j.join_step) + ", was not woken",
              std::move(steps));
}

void oracles::at_end(const queue_facts& q) {
  for (task_id t = 0; t < tasks_.size(); ++t) {
    const task_record& j = tasks_[t];
    if (j.role != role::joiner) continue;
    // A join whose deadline passed is judged as if it still waited: the items it waited for
    // are stuck all the same (the incident's health checks timed out forever). If they were
    // acknowledged after the deadline, it was only slow.
    bool const timed_out = j.act == activity::join_timed_out;
    if (timed_out ? q.count == 0 : j.act != activity::in_join || live_.ended(t)) continue;
    if (q.count == 0) {
      join_late();
    } else {
      join_hangs(j, q);
    }
    return;
  }
  for (task_id t = 0; t < tasks_.size(); ++t) {
    const task_record& p = tasks_[t];
    if (p.role == role::producer && p.act == activity::in_put && !live_.ended(t)) {
      judge_.fail(verdict_kind::stranded_producer_in_put,
                  p.name + " is blocked in put since step " + std::to_string(p.wait_step) +
                      ", forever: the queue holds " + std::to_string(q.qsize) + " of maxsize " +
                      std::to_string(q.maxsize) + " and no task will take an item" +
                      (q.shut_down ? " (the queue was shut down at step " +
                                         std::to_string(q.shutdown_step) + ")"
                                   : ""),
                  {p.wait_step});
      return;
    }
  }
  // A joiner still waiting for producers needs no check of its own: a producer that cannot
  // finish at quiescence is blocked in put, judged just above.
  for (task_id t = 0; t < tasks_.size(); ++t) {
    const task_record& c = tasks_[t];
    if (c.role != role::consumer || c.act != activity::in_get || live_.ended(t)) continue;
    if (q.shut_down) {
      judge_.fail(verdict_kind::stranded_getter_after_shutdown,
                  c.name + " still waits in get (since step " + std::to_string(c.wait_step) +
                      ") although the queue was shut down at step " +
                      std::to_string(q.shutdown_step),
                  {c.wait_step, q.shutdown_step});
      return;
    }
    if (q.qsize > 0) {
      judge_.fail(verdict_kind::stranded_getter_beside_items,
                  c.name + " waits in get since step " + std::to_string(c.wait_step) +
                      ", forever, while the queue holds " + std::to_string(q.qsize) +
                      " items (a lost wake-up)",
                  {c.wait_step});
      return;
    }
  }
  const shadow_items& shadow = ledger_.shadow();
  if (shadow.size() > q.qsize) {
    std::vector<step_no> steps;
    std::vector<std::uint32_t> ids;
    for (const item& it : shadow) ids.push_back(it.id);
    std::string message = "the queue holds " + std::to_string(q.qsize) + " item(s) but " +
                          std::to_string(shadow.size()) + " were put and never got: ";
    explain_items(&message, ledger_, tasks_, live_, ids, steps);
    judge_.fail(verdict_kind::lost_vanished, std::move(message), std::move(steps));
  } else if (shadow.size() < q.qsize) {
    judge_.fail(verdict_kind::duplicated_extra_items,
                "the queue holds " + std::to_string(q.qsize) + " item(s) but only " +
                    std::to_string(shadow.size()) + " were put and never got",
                {});
  }
}

void oracles::join_hangs(const task_record& j, const queue_facts& q) {
  const std::vector<std::uint32_t>& unacked = ledger_.unacked_now();
  std::vector<step_no> steps;
  steps.reserve(1 + 3 * unacked.size());  // the join, then up to three steps per item
  steps.push_back(j.join_step);
  bool const timed_out = j.act == activity::join_timed_out;
  if (timed_out) steps.push_back(j.timeout_step);
  verdict_kind const kind =
      unacked.empty() ? verdict_kind::join_hang_count_mismatch : hang_kind(unacked.front());
  if (!judge_.explain()) {
    // A hang is the common failure, met on a large share of all runs: no text unless asked.
    explain_items(nullptr, ledger_, tasks_, live_, unacked, steps);
    fail_unacked(kind, {}, std::move(steps), unacked);
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
    append_number(message, q.join_timeout_ms);
    message += " ms) and could never have returned: unfinished="sv;
  } else {
    message += ", can never return: unfinished="sv;
  }
  append_number(message, q.count);
  message += " and nothing can run. "sv;
  if (unacked.empty()) {
    message += "The ledger shows every item acknowledged or drained: the queue's count is off."sv;
  } else {
    message += "Unacknowledged: "sv;
    explain_items(&message, ledger_, tasks_, live_, unacked, steps);
  }
  fail_unacked(kind, std::move(message), std::move(steps), unacked);
}

void oracles::fail_unacked(verdict_kind kind, std::string message, std::vector<step_no> steps,
                           const std::vector<std::uint32_t>& unacked) {
  if (judge_.failed()) return;
  judge_.fail(kind, std::move(message), std::move(steps));
  if (judge_.explain()) judge_.violation()->items = item_accounts(ledger_, tasks_, live_, unacked);
}

void oracles::task_error(const task_record& t, raised_in where, std::int64_t item,
                         const std::exception_ptr& error, const call_facts& q, step_no at) {
  bool const own_code = where == raised_in::consumer || where == raised_in::pool_thread;
  verdict_kind const kind =
      own_code ? verdict_kind::task_error_consumer_raised : verdict_kind::task_error_queue_raised;
  if (!judge_.explain()) {
    judge_.fail(kind, {}, {at});
    return;
  }
  std::string message = t.name;
  if (where == raised_in::pool_thread) {
    message += "'s thread ended by the exception "sv;
    if (item >= 0) {
      message += item_name(static_cast<std::uint32_t>(item));
      message += "'s job threw, "sv;
    }
  } else {
    message += where == raised_in::consumer ? "'s consumer"sv : "'s "sv;
    if (where != raised_in::consumer) message += name_of(where);
    if (item >= 0) {
      message += where == raised_in::consumer ? " (holding "sv : " ("sv;
      message += item_name(static_cast<std::uint32_t>(item));
      message += ')';
    }
    message += " raised "sv;
  }
  message += exception_text(error);
  message += " at step "sv;
  append_number(message, at);
  if (!own_code) {
    message += " (unfinished="sv;
    append_number(message, q.count);
    message += q.shut_down ? ", shut down)"sv : ", not shut down)"sv;
  }
  message += "; "sv;
  message += contract_of(where);
  judge_.fail(kind, std::move(message), {at});
}

verdict_kind oracles::hang_kind(std::uint32_t id) const {
  const item_record& r = ledger_[id];
  if (r.fate == fate::queued) return verdict_kind::join_hang_unconsumed;
  if (r.holder_struck && live_.ended(r.got_by)) {
    return r.holder_fault == fault_kind::cancel ? verdict_kind::join_hang_held_by_cancelled
                                                : verdict_kind::join_hang_held_by_crashed;
  }
  return verdict_kind::join_hang_never_acked;
}

void oracles::step_budget_spent(std::uint64_t budget, step_no steps) {
  // A thousand runnable consumers make a line nobody reads: the first few, then a count.
  constexpr std::size_t named = 8;
  std::string runnable;
  std::size_t count = 0;
  for (task_id t = 0; t < tasks_.size(); ++t) {
    const task_record& a = tasks_[t];
    if (live_.ended(t) || live_.waiting(t)) continue;
    if (++count > named) continue;
    if (!runnable.empty()) runnable += ", ";
    runnable += a.name;
    if (a.holding) runnable += " (holding " + item_name(a.current.id) + ")";
  }
  if (count > named) runnable += " and " + std::to_string(count - named) + " more";
  judge_.fail(verdict_kind::livelock_step_budget,
              "the step budget of " + std::to_string(budget) +
                  " steps ran out with tasks still runnable: " + runnable,
              {steps});
}

void oracles::no_suspension(const task_record& c, std::uint64_t calls, step_no at) {
  judge_.fail(verdict_kind::livelock_no_suspension,
              c.name + " made " + std::to_string(calls) + " queue calls within step " +
                  std::to_string(at) + " without ever suspending",
              {at});
}

}  // namespace chaosq::harness::detail

#include "detail/ledger.hpp"

#include <string>

#include "detail/explain.hpp"

namespace chaosq::harness::detail {
namespace {

verdict_kind out_of_order_kind(queue::queue_kind kind) {
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

/// Put, and neither acknowledged nor drained: what `open_items_` counts.
bool is_open(const item_record& r) {
  return r.put && (r.fate == fate::queued || r.fate == fate::taken);
}

}  // namespace

void ledger::start(queue::queue_kind kind, std::int64_t maxsize, std::size_t items,
                   judgement& judge, const std::vector<task_record>& tasks, bool ordered) {
  kind_ = kind;
  ordered_ = ordered;
  maxsize_ = maxsize;
  judge_ = &judge;
  tasks_ = &tasks;
  records_.clear();
  shadow_.clear();
  zeros_.clear();
  last_count_ = 0;
  open_items_ = 0;
  records_.reserve(items);
  shadow_.reserve(items);
}

void ledger::collect_unacked(std::vector<std::uint32_t>& out) const {
  out.clear();
  // Usually none (the count just reached zero): the running tally says so at once.
  if (open_items_ == 0) {
    assert(std::count_if(records_.begin(), records_.end(), is_open) == 0);
    return;
  }
  out.reserve(open_items_);
  for (std::uint32_t id = 0; id < records_.size(); ++id)
    if (is_open(records_[id])) out.push_back(id);
  assert(out.size() == open_items_);
}

std::vector<std::uint32_t> ledger::unacked_items() const {
  std::vector<std::uint32_t> out;
  collect_unacked(out);
  return out;
}

const std::vector<std::uint32_t>& ledger::unacked_now() const {
  collect_unacked(unacked_scratch_);
  return unacked_scratch_;
}

void ledger::over_maxsize(task_id by, const item& it, step_no at) {
  judge_->fail(verdict_kind::capacity_over_maxsize,
               "after " + name(by) + " put " + item_name(it.id) + " at step " + std::to_string(at) +
                   " the queue held " + std::to_string(shadow_.size()) + " items, maxsize " +
                   std::to_string(maxsize_),
               {at});
}

void ledger::not_put_or_got_twice(task_id by, const item& it, step_no at) {
  bool const seen = it.id < records_.size() && records_[it.id].got;
  judge_->fail(seen ? verdict_kind::duplicated_got_twice : verdict_kind::duplicated_never_put,
               name(by) + " got " + item_name(it.id) + " at step " + std::to_string(at) +
                   (seen ? ", already got by " + name(records_[it.id].got_by) + " at step " +
                               std::to_string(records_[it.id].got_step)
                         : ", which was never put"),
               {at});
}

void ledger::out_of_order(task_id by, const item& it, const item& expected, step_no at) {
  judge_->fail(out_of_order_kind(kind_),
               name(by) + " got " + item_name(it.id) + " at step " + std::to_string(at) +
                   " but a " + std::string(name_of(kind_)) + " queue must hand out " +
                   item_name(expected.id) + " first",
               {records_[it.id].put_step, records_[expected.id].put_step, at});
}

void ledger::over_acked(task_id by, const item& it, step_no at, std::int64_t count, bool refused) {
  const item_record& r = records_[it.id];
  if (count < 0) {
    judge_->fail(verdict_kind::over_ack_negative_count,
                 name(by) + "'s task_done for " + item_name(it.id) + " at step " +
                     std::to_string(at) + " drove the unfinished count to " +
                     std::to_string(count) +
                     ": the queue accepted more acknowledgements than items put",
                 {r.got_step, at});
  } else if (r.acks > 1) {
    judge_->fail(verdict_kind::over_ack_double_ack,
                 name(by) + " acknowledged " + item_name(it.id) + " a second time at step " +
                     std::to_string(at) + " (got at step " + std::to_string(r.got_step) + ")",
                 {r.got_step, at});
  } else if (refused) {
    judge_->fail(verdict_kind::over_ack_task_done_error,
                 name(by) + "'s task_done for " + item_name(it.id) + " at step " +
                     std::to_string(at) + " raised: task_done() called too many times",
                 {at});
  }
}

}  // namespace chaosq::harness::detail

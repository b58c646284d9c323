#include "job_queue.hpp"

#include <algorithm>

#include "chaosq/queue/errors.hpp"

namespace byo {

namespace queue = chaosq::queue;
namespace sim = chaosq::sim;

job_queue::job_queue(std::size_t capacity, flaw f) : capacity_(capacity), flaw_(f) {
  all_done_.set();  // nothing put yet: a join now returns at once
}

sim::task<void> job_queue::put(item job) {
  while (full()) {
    if (closed_) throw queue::queue_shut_down{};
    co_await wait(waiting_for::room);
  }
  put_nowait(job);
}

sim::task<item> job_queue::get() {
  while (jobs_.empty()) {
    if (closed_) throw queue::queue_shut_down{};
    co_await wait(waiting_for::a_job);
  }
  co_return get_nowait();
}

void job_queue::put_nowait(item job) {
  if (closed_) throw queue::queue_shut_down{};
  if (full()) throw queue::queue_full{};
  jobs_.push_back(job);
  ++unfinished_;
  all_done_.clear();
  wake_one(getters_);
}

item job_queue::get_nowait() {
  if (jobs_.empty()) {
    if (closed_) throw queue::queue_shut_down{};
    throw queue::queue_empty{};
  }
  item const job = jobs_.front();
  jobs_.pop_front();
  wake_one(putters_);
  return job;
}

void job_queue::task_done() {
  if (unfinished_ <= 0) throw queue::task_done_error{};
  if (--unfinished_ == 0) all_done_.set();
}

sim::task<void> job_queue::join() {
  if (unfinished_ > 0) co_await all_done_.wait();
}

void job_queue::shutdown(queue::shutdown_mode mode) {
  closed_ = true;
  if (mode == queue::shutdown_mode::immediate) {
    // Dropped jobs will never be taken, so they count as finished.
    auto const dropped = static_cast<std::int64_t>(jobs_.size());
    jobs_.clear();
    unfinished_ = std::max<std::int64_t>(0, unfinished_ - dropped);
    // THE PLANTED BUG: the flawed queue lowers the count but never sets the event that join
    // waits on, so a join that is already waiting stays asleep at zero.
    if (flaw_ == flaw::none && unfinished_ == 0) all_done_.set();
  }
  wake_all(getters_);  // each re-checks, finds the queue closed and raises
  wake_all(putters_);
}

sim::task<void> job_queue::wait(waiting_for what) {
  sim::future_list& line = what == waiting_for::a_job ? getters_ : putters_;
  sim::future turn;
  line.push_back(turn);
  try {
    co_await turn;
  } catch (...) {
    // Woken (done, not cancelled) but leaving anyway: the wake-up was meant for whoever can use
    // what is there now.
    bool const was_woken = turn.done() && !turn.cancelled();
    line.remove(turn);
    bool const still_there = what == waiting_for::a_job ? !jobs_.empty() : !full();
    if (was_woken && still_there) wake_one(line);
    throw;
  }
}

void job_queue::wake_one(sim::future_list& line) noexcept {
  while (sim::future* f = line.pop_front()) {
    if (f->pending()) {
      f->set_result();
      return;
    }
  }
}

void job_queue::wake_all(sim::future_list& line) noexcept {
  while (sim::future* f = line.pop_front()) {
    if (f->pending()) f->set_result();
  }
}

}  // namespace byo

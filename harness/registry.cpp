#include "chaosq/harness/registry.hpp"

#include <algorithm>
#include <chrono>
#include <type_traits>
#include <utility>

#include "chaosq/harness/names.hpp"
#include "chaosq/harness/zoo.hpp"
#include "chaosq/sim/errors.hpp"
#include "chaosq/sim/loop.hpp"

namespace chaosq::harness {
namespace {

/// The longest name plus version accepted (the field table's limit for code names).
constexpr std::size_t max_code_name = 200;

/// A valid "name" or "name@version" made of `name` and `version`.
bool valid_entry(const std::string& name, const std::string& version) {
  if (name.empty() || name.find('@') != std::string::npos) return false;
  std::string const full = version.empty() ? name : name + "@" + version;
  return code_name_problem(full, max_code_name).empty();
}

template <class Entry>
bool insert_sorted(std::vector<Entry>& entries, Entry e) {
  if (!valid_entry(e.name, e.version)) return false;
  auto at = std::lower_bound(entries.begin(), entries.end(), e.name,
                             [](const Entry& x, const std::string& n) { return x.name < n; });
  if (at != entries.end() && at->name == e.name) return false;
  entries.insert(at, std::move(e));
  return true;
}

template <class Entry>
const Entry* find_in(const std::vector<Entry>& entries, std::string_view name) noexcept {
  auto at = std::lower_bound(entries.begin(), entries.end(), name,
                             [](const Entry& x, std::string_view n) { return x.name < n; });
  return at != entries.end() && at->name == name ? &*at : nullptr;
}

template <class Entry>
std::string full_name(const Entry& e) {
  return e.version.empty() ? e.name : e.name + "@" + e.version;
}

/// Why `entries` cannot run `wanted` (a `what`: "queue", "behaviour"); empty when they can.
template <class Entry>
std::string problem_of(const std::vector<Entry>& entries, const code_name& wanted,
                       std::string_view what, std::string_view flag) {
  if (wanted.empty()) return {};
  const Entry* e = find_in(entries, wanted.name());
  if (e == nullptr) {
    std::vector<std::string_view> names;
    std::string has;
    for (const Entry& x : entries) {
      names.push_back(x.name);
      has += (has.empty() ? "" : ", ") + full_name(x);
    }
    std::string message = "this command has no " + std::string(what) + " '" +
                          std::string(wanted.name()) + "' (" + std::string(flag) + "; it has " +
                          (has.empty() ? "none" : has) + ")";
    std::string const best = closest(wanted.name(), names);
    message += best.empty() ? "." : "; did you mean '" + best + "'?";
    return message + " Run it with the command that registered it.";
  }
  if (!wanted.version().empty() && wanted.version() != e->version) {
    return "the run used " + std::string(what) + " " + wanted.text + ", but this command has " +
           (e->version.empty() ? e->name + " without a version" : full_name(*e)) +
           ": name it without '@" + std::string(wanted.version()) + "' to run this command's";
  }
  return {};
}

template <class Entry>
std::string entries_text(const std::vector<Entry>& entries, std::string_view bullet) {
  if (entries.empty()) return std::string(bullet) + "(none)\n";
  std::string out;
  for (const Entry& e : entries) {
    out += std::string(bullet) + full_name(e) + ": " + e.help;
    if constexpr (std::is_same_v<Entry, registered_queue>) {
      if (e.make_pool) {
        out += " (a thread pool: --mode threads)";
      } else if (e.mode == run_mode::threads) {
        out += " (thread-based: --mode threads)";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace

bool registry::add_queue(std::string name, std::string help, queue_factory make,
                         std::string version, reference_check check) {
  if (!make) return false;
  return insert_sorted(queues_, registered_queue{std::move(name), std::move(version),
                                                 std::move(help), std::move(make), check});
}

bool registry::add_thread_queue(std::string name, std::string help, queue_factory make,
                                std::string version, reference_check check) {
  if (!make) return false;
  registered_queue q{std::move(name), std::move(version), std::move(help), std::move(make), check};
  q.mode = run_mode::threads;
  return insert_sorted(queues_, std::move(q));
}

bool registry::add_thread_pool(std::string name, std::string help, pool_factory make,
                               std::string version) {
  if (!make) return false;
  registered_queue q{std::move(name), std::move(version), std::move(help), nullptr,
                     reference_check::off};
  q.mode = run_mode::threads;
  q.make_pool = std::move(make);
  return insert_sorted(queues_, std::move(q));
}

bool registry::add_behaviour(std::string name, std::string help, consumer_fn consumer,
                             std::string version) {
  if (!consumer) return false;
  return insert_sorted(behaviours_, registered_behaviour{std::move(name), std::move(version),
                                                         std::move(help), std::move(consumer)});
}

const registered_queue* registry::find_queue(std::string_view name) const noexcept {
  return find_in(queues_, name);
}

const registered_behaviour* registry::find_behaviour(std::string_view name) const noexcept {
  return find_in(behaviours_, name);
}

std::string registry::names_problem(const workload& w) const {
  if (!w.program.empty()) {
    if (!programs_) {
      return "program " + w.program.text +
             " is a Python program: python3 -m chaosq runs it (with the chaosq Python package "
             "on PYTHONPATH); this command runs C++ code only";
    }
    if (std::string problem = programs_(w).problem; !problem.empty())
      return "program " + w.program.text + ": " + problem;
  }
  std::string queue = problem_of(queues_, w.queue_impl, "queue", "--queue-impl");
  if (!queue.empty()) return queue;
  return problem_of(behaviours_, w.behaviour, "consumer behaviour", "--consumer");
}

std::string registry::problem(const workload& w) const {
  if (std::string names = names_problem(w); !names.empty()) return names;
  if (!w.queue_impl.empty()) {
    const registered_queue& q = *find_queue(w.queue_impl.name());
    if (q.mode != w.mode) {
      return "queue '" + q.name + "' is " +
             (q.mode == run_mode::threads ? "thread-based: it runs with --mode threads"
                                          : "a coroutine queue: it runs with --mode coroutines") +
             " (YAML mode: " + std::string(name_of(q.mode)) + ")";
    }
    if (q.make_pool) {
      std::vector<std::string> const problems = pool_problems(w);
      if (!problems.empty()) {
        std::string message = "queue '" + q.name +
                              "' is a thread pool, which the workload does "
                              "not fit:";
        for (const std::string& p : problems) message += "\n  " + p;
        return message;
      }
    }
  }
  return {};
}

workload registry::with_versions(workload w) const {
  if (!w.queue_impl.empty()) w.queue_impl.text = full_name(*find_queue(w.queue_impl.name()));
  if (!w.behaviour.empty()) w.behaviour.text = full_name(*find_behaviour(w.behaviour.name()));
  return w;
}

run_options registry::bind(const workload& w, run_options options) const {
  options.make_queue = nullptr;
  options.consumer = nullptr;
  options.make_pool = nullptr;
  options.program = nullptr;
  if (w.mode == run_mode::python) options.program = programs_(w).run;
  if (!w.queue_impl.empty()) {
    const registered_queue& q = *find_queue(w.queue_impl.name());
    options.make_queue = q.make;
    options.make_pool = q.make_pool;
  }
  if (!w.behaviour.empty()) options.consumer = find_behaviour(w.behaviour.name())->consumer;
  return options;
}

reference_check registry::reference_check_of(const workload& w) const {
  if (w.queue_impl.empty()) return reference_check::off;
  return find_queue(w.queue_impl.name())->check;
}

std::string registry::queues_text(std::string_view bullet) const {
  return entries_text(queues_, bullet);
}
std::string registry::behaviours_text(std::string_view bullet) const {
  return entries_text(behaviours_, bullet);
}

sim::task<void> get_with_timeout(consumer_context& ctx) {
  constexpr int idle_limit = 3;
  int idle = 0;
  for (;;) {
    item it;
    try {
      it = co_await sim::wait_for(ctx.get(), std::chrono::seconds{1});
    } catch (const sim::timeout_error&) {
      // Virtual time advances only when nothing else can run: the timeout fires exactly when
      // the consumer would otherwise wait forever.
      if (++idle == idle_limit) co_return;
      continue;
    }
    idle = 0;
    try {
      co_await ctx.process(it);
    } catch (...) {
      ctx.task_done(it);
      throw;
    }
    ctx.task_done(it);
    ctx.checkpoint(fault_point::after_ack);
  }
}

registry builtin_registry() {
  registry r;
  for (const auto& [bug, name, help] : names_of<planted_bug>::values) {
    std::string const what = bug == planted_bug::none
                                 ? std::string(help)
                                 : "the reference queue with a planted bug: " + std::string(help);
    r.add_queue("planted/" + std::string(name), what, planted_queue_factory(bug), {},
                reference_check_for(bug));
  }
  r.add_behaviour("get-with-timeout",
                  "wait_for(get(), 1) in a loop: retries on timeout, exits after 3 idle timeouts; "
                  "acks in finally",
                  get_with_timeout);
  return r;
}

}  // namespace chaosq::harness

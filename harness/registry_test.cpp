#include "chaosq/harness/registry.hpp"

#include <gtest/gtest.h>

#include "chaosq/harness/explore.hpp"
#include "chaosq/harness/token.hpp"
#include "chaosq/harness/workload_fields.hpp"
#include "chaosq/harness/zoo.hpp"
#include "chaosq/queue/thread_queue.hpp"

namespace chaosq::harness {
namespace {

sim::task<void> idle_consumer(consumer_context& ctx) {
  for (;;) static_cast<void>(co_await ctx.get());
}

queue_factory reference_factory() {
  return [](const workload& w) { return make_reference_queue(w); };
}

TEST(registry, adds_finds_and_keeps_names_sorted) {
  registry r;
  EXPECT_TRUE(r.add_queue("zeta", "z", reference_factory(), "1.0"));
  EXPECT_TRUE(r.add_queue("alpha/one", "a", reference_factory()));
  EXPECT_TRUE(r.add_behaviour("idle", "never acks", idle_consumer));
  ASSERT_EQ(r.queues().size(), 2U);
  EXPECT_EQ(r.queues()[0].name, "alpha/one");
  EXPECT_EQ(r.queues()[1].name, "zeta");
  ASSERT_NE(r.find_queue("zeta"), nullptr);
  EXPECT_EQ(r.find_queue("zeta")->version, "1.0");
  EXPECT_EQ(r.find_queue("zeta@1.0"), nullptr) << "found by name only";
  EXPECT_EQ(r.find_queue("idle"), nullptr) << "queues and behaviours are apart";
  ASSERT_NE(r.find_behaviour("idle"), nullptr);
  EXPECT_EQ(r.queues_text(), "  alpha/one: a\n  zeta@1.0: z\n");
  EXPECT_EQ(registry{}.behaviours_text(), "  (none)\n");
}

TEST(registry, refuses_taken_malformed_and_empty_entries) {
  registry r;
  EXPECT_TRUE(r.add_queue("mine", "first", reference_factory()));
  EXPECT_FALSE(r.add_queue("mine", "again", reference_factory()));
  EXPECT_EQ(r.find_queue("mine")->help, "first") << "the first registration stays";
  EXPECT_FALSE(r.add_queue("two words", "", reference_factory()));
  EXPECT_FALSE(r.add_queue("", "", reference_factory()));
  EXPECT_FALSE(r.add_queue("a@b", "", reference_factory())) << "'@' separates the version";
  EXPECT_FALSE(r.add_queue("ok", "", reference_factory(), "1 0"));
  EXPECT_FALSE(r.add_queue("empty", "", queue_factory{}));
  EXPECT_FALSE(r.add_behaviour("empty", "", consumer_fn{}));
  EXPECT_FALSE(r.add_queue(std::string(201, 'x'), "", reference_factory()));
  EXPECT_EQ(r.queues().size(), 1U);
}

TEST(registry, the_builtin_registry_has_the_zoo_and_the_builtin_behaviours) {
  registry const r = builtin_registry();
  for (const auto& bug : names_of<planted_bug>::values)
    EXPECT_NE(r.find_queue("planted/" + std::string(bug.name)), nullptr) << bug.name;
  ASSERT_NE(r.find_behaviour("get-with-timeout"), nullptr);
  for (const registered_queue& q : r.queues()) EXPECT_FALSE(q.help.empty()) << q.name;
  for (const registered_behaviour& b : r.behaviours()) EXPECT_FALSE(b.help.empty()) << b.name;
}

TEST(registry, problem_names_what_is_missing_and_what_the_registry_has) {
  registry r;
  r.add_queue("job-queue", "", reference_factory(), "1.3");
  workload w;
  EXPECT_EQ(r.problem(w), "") << "chaosq's own code needs no entry";
  w.queue_impl.text = "job-queue";
  EXPECT_EQ(r.problem(w), "");
  w.queue_impl.text = "job-queue@1.3";
  EXPECT_EQ(r.problem(w), "");
  w.queue_impl.text = "job-queue@1.2";
  EXPECT_EQ(r.problem(w),
            "the run used queue job-queue@1.2, but this command has job-queue@1.3: name it "
            "without '@1.2' to run this command's");
  w.queue_impl.text = "job-queu";
  EXPECT_EQ(r.problem(w),
            "this command has no queue 'job-queu' (--queue-impl; it has job-queue@1.3); did you "
            "mean 'job-queue'? Run it with the command that registered it.");
  w.queue_impl = {};
  w.behaviour.text = "worker";
  EXPECT_EQ(r.problem(w),
            "this command has no consumer behaviour 'worker' (--consumer; it has none). Run it "
            "with the command that registered it.");
}

TEST(registry, bind_runs_the_named_code_and_with_versions_names_what_ran) {
  registry const r = [] {
    registry out = builtin_registry();
    out.add_behaviour("idle", "never acks", idle_consumer, "7");
    return out;
  }();
  workload w;
  w.items = 2;
  w.consumers = 1;
  w.behaviour.text = "idle";
  ASSERT_EQ(r.problem(w), "");
  run_report const idle = replay(w, {}, r.bind(w));
  ASSERT_TRUE(idle.violation.has_value()) << "the behaviour ran: it never acknowledges";
  EXPECT_EQ(idle.violation->kind, verdict_kind::join_hang_never_acked);
  EXPECT_FALSE(replay(w, {}, r.bind(workload{})).violation.has_value())
      << "without the name, the built-in consumer runs";

  workload const named = r.with_versions(w);
  EXPECT_EQ(named.behaviour.text, "idle@7");
  // The token carries the names, and decodes to the same workload.
  std::string const token = encode_token(named, idle.decisions);
  EXPECT_TRUE(token.starts_with("cq4-")) << token;
  auto decoded = decode_token(token);
  ASSERT_TRUE(std::holds_alternative<decoded_token>(decoded));
  EXPECT_EQ(std::get<decoded_token>(decoded).work, named);
  EXPECT_NE(describe(named).find("consumer=idle@7"), std::string::npos) << describe(named);
  EXPECT_EQ(describe(workload{}).find("consumer="), std::string::npos)
      << "unset code names are not shown";
}

TEST(registry, code_names_are_checked_where_a_workload_is_validated) {
  workload w;
  w.queue_impl.text = "bad name";
  ASSERT_EQ(validate(w).size(), 1U);
  EXPECT_EQ(validate(w).front(),
            "queue-impl: 'bad name': a name is letters, digits and - _ . / : (not ' ')");
  w.queue_impl.text = "ok@";
  EXPECT_EQ(validate(w).front(), "queue-impl: 'ok@' has no version after '@'");
  w.queue_impl.text = std::string(info(field_id::queue_impl).hi + 1, 'q');
  EXPECT_NE(validate(w).front().find("longer than 200"), std::string::npos);
}

}  // namespace
}  // namespace chaosq::harness

// Not in an anonymous namespace: the coroutine frames of its blocking calls need linkage.
namespace chaosq::harness::registry_testing {

/// A thread-based queue with one planted bug: join returns at once, whatever the count.
class join_returns_at_once {
 public:
  join_returns_at_once(queue::queue_kind k, std::ptrdiff_t maxsize) : q_(k, maxsize) {}
  void put(item i) { q_.put(i); }
  item get() { return q_.get(); }
  void put_nowait(item i) { q_.put_nowait(i); }
  item get_nowait() { return q_.get_nowait(); }
  void task_done() { q_.task_done(); }
  void join() {}  // the bug
  void shutdown(bool immediate) { q_.shutdown(immediate); }
  [[nodiscard]] std::size_t stored() const noexcept { return q_.stored(); }
  [[nodiscard]] std::int64_t unfinished() const noexcept { return q_.unfinished(); }
  [[nodiscard]] bool holder_active() const noexcept { return q_.holder_active(); }

 private:
  queue::thread_queue<item> q_;
};

}  // namespace chaosq::harness::registry_testing

namespace chaosq::harness {
namespace {

using registry_testing::join_returns_at_once;

TEST(registry, a_thread_queue_runs_in_threads_mode_only_and_its_bug_is_found) {
  registry r;
  ASSERT_TRUE(r.add_thread_queue("eager-join", "join never waits", [](const workload& w) {
    return std::make_unique<thread_queue_adapter<join_returns_at_once>>(w.kind, w.maxsize);
  }));
  workload w;
  w.queue_impl = code_name{"eager-join"};
  EXPECT_NE(r.problem(w).find("thread-based: it runs with --mode threads"), std::string::npos)
      << r.problem(w);
  w.mode = run_mode::threads;
  ASSERT_EQ(r.problem(w), "");
  explore_options options{.schedules = 200, .seed = 1};
  options.run = r.bind(w);
  options.against_reference = r.reference_check_of(w);
  explore_result const found = explore(w, options);
  ASSERT_TRUE(found.first_failure);
  EXPECT_EQ(found.first_failure->violation->oracle(), oracle::join_early)
      << found.first_failure->violation->message;
}

}  // namespace
}  // namespace chaosq::harness

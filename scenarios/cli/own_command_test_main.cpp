// A team's own chaosq command, as the CLI test meets it: chaosq's own code plus a queue
// registered as job-queue@1.2 (the reference queue with a planted bug: get lowers the count)
// and a consumer registered as ack-even-only (acknowledges even item ids only).

#include "chaosq/cli/cli.hpp"
#include "chaosq/harness/zoo.hpp"

namespace {

chaosq::sim::task<void> ack_even_only(chaosq::harness::consumer_context& ctx) {
  for (;;) {
    chaosq::harness::item const it = co_await ctx.get();
    co_await ctx.process(it);
    if (it.id % 2 == 0) ctx.task_done(it);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace chaosq::harness;
  registry r = builtin_registry();
  r.add_queue("job-queue", "our job queue (get lowers the unfinished count)",
              planted_queue_factory(planted_bug::get_counts_down), "1.2");
  r.add_behaviour("ack-even-only", "acknowledges even item ids only", ack_even_only);
  return chaosq::cli::run(argc, argv, r);
}

// The user's fuzz target (clang -fsanitize=fuzzer): each input is a generated workload and its
// schedule over job-queue and resilient-worker. A finding prints the minimal failure and the
// token that `byo-chaosq replay` reruns, then aborts.

#include <cstddef>
#include <cstdint>

#include "chaosq/fuzz/targets.hpp"

#include "registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const chaosq::harness::registry r = byo::registry();
  return chaosq::fuzz::run_registered(
      data, size, r,
      {.queue = "job-queue",
       .behaviour = "resilient-worker",
       .space = {.kinds = {chaosq::queue::queue_kind::fifo}},  // job_queue is FIFO only
       .command = "byo-chaosq"});
}

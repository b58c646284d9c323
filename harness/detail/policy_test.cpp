#include "detail/policy.hpp"

#include <gtest/gtest.h>

namespace chaosq::harness::detail {
namespace {

using enum attempt_end;

TEST(policy, finally_acks_whatever_the_attempt_did) {
  EXPECT_TRUE(passes_after_ack(react(ack_policy::finally, done, 0)));
  for (attempt_end e : {crashed, failed}) {
    reaction const r = react(ack_policy::finally, e, 0);
    EXPECT_TRUE(r.ack);
    EXPECT_EQ(r.next, then::rethrow);
  }
}

TEST(policy, on_success_leaks_the_item_of_a_crash) {
  EXPECT_TRUE(passes_after_ack(react(ack_policy::on_success, done, 0)));
  EXPECT_FALSE(react(ack_policy::on_success, crashed, 0).ack);
  EXPECT_EQ(react(ack_policy::on_success, crashed, 0).next, then::rethrow);
}

TEST(policy, before_work_acks_once_before_processing) {
  EXPECT_TRUE(acks_before_work(ack_policy::before_work));
  EXPECT_FALSE(react(ack_policy::before_work, done, 0).ack);
  for (ack_policy p :
       {ack_policy::finally, ack_policy::on_success, ack_policy::twice, ack_policy::never})
    EXPECT_FALSE(acks_before_work(p));
}

TEST(policy, twice_acks_each_crashed_attempt_and_retries_once) {
  reaction const first = react(ack_policy::twice, crashed, 0);
  EXPECT_TRUE(first.ack);
  EXPECT_EQ(first.next, then::retry);
  reaction const second = react(ack_policy::twice, crashed, 1);
  EXPECT_TRUE(second.ack);
  EXPECT_EQ(second.next, then::rethrow);
  EXPECT_FALSE(react(ack_policy::twice, failed, 0).ack);  // a cancellation is not retried
  EXPECT_TRUE(passes_after_ack(react(ack_policy::twice, done, 1)));
}

TEST(policy, never_acks_nothing) {
  for (attempt_end e : {done, crashed, failed}) EXPECT_FALSE(react(ack_policy::never, e, 0).ack);
  EXPECT_EQ(react(ack_policy::never, done, 0).next, then::next_item);
}

}  // namespace
}  // namespace chaosq::harness::detail

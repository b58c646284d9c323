// check_join_contract, the property a user calls over their registered code: it must refute a
// queue with a planted join bug with a token naming that queue, hold for the reference queue
// plugged in as a user's, and refuse a name the registry lacks.

#include "chaosq/properties/join_contract.hpp"

#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "chaosq/harness/token.hpp"
#include "chaosq/harness/zoo.hpp"

namespace chaosq::properties {
namespace {

harness::registry users_registry() {
  harness::registry r;
  EXPECT_TRUE(r.add_queue("broken-queue", "join is not woken",
                          harness::planted_queue_factory(harness::planted_bug::join_not_woken),
                          "2.0"));
  EXPECT_TRUE(r.add_queue("fine-queue", "the reference queue as a user's",
                          harness::planted_queue_factory(harness::planted_bug::none)));
  return r;
}

TEST(check_join_contract, refutes_a_planted_join_bug_with_a_token_naming_the_queue) {
  join_contract_result const r =
      check_join_contract(users_registry(), "broken-queue", "", {.command = "mychaosq"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_TRUE(r.counterexample) << "ran " << r.cases << " cases";
  EXPECT_FALSE(r.held());
  ASSERT_TRUE(r.counterexample->report.violation);
  auto const decoded = harness::decode_token(r.counterexample->token);
  ASSERT_TRUE(std::holds_alternative<harness::decoded_token>(decoded)) << r.counterexample->token;
  EXPECT_EQ(std::get<harness::decoded_token>(decoded).work.queue_impl.text, "broken-queue@2.0");
  EXPECT_NE(r.report.find("mychaosq replay " + r.counterexample->token), std::string::npos)
      << r.report;
}

TEST(check_join_contract, holds_for_the_reference_queue_as_a_users) {
  join_contract_result const r =
      check_join_contract(users_registry(), "fine-queue", "", {.max_success = 100});
  EXPECT_TRUE(r.held()) << r.error << r.report;
  EXPECT_EQ(r.cases, 100);
}

TEST(check_join_contract, refuses_a_name_the_registry_lacks) {
  join_contract_result const r = check_join_contract(users_registry(), "job-queue", "", {});
  EXPECT_FALSE(r.held());
  EXPECT_NE(r.error.find("job-queue"), std::string::npos) << r.error;
  EXPECT_FALSE(r.counterexample);
}

}  // namespace
}  // namespace chaosq::properties

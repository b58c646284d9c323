// The properties' main: GoogleTest's, plus the path of this binary for the commands that
// failure reports print.

#include <gtest/gtest.h>

#include "chaosq/properties/support.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 0) chaosq::properties::set_program_path(argv[0]);
  return RUN_ALL_TESTS();
}

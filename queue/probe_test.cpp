#include "chaosq/queue/queue.hpp"
#include <gtest/gtest.h>

#include "delivery/retry_job_runner.h"

#include <gtest/gtest.h>

namespace hookgate::delivery {
namespace {

using namespace std::chrono_literals;

TEST(RetryJobSliceTest, ASliceIsTheRateOverOneTick) {
  EXPECT_EQ(items_per_slice(10, 1s), 10);
  EXPECT_EQ(items_per_slice(10, 250ms), 2);
  EXPECT_EQ(items_per_slice(2.0 / 60, 60s), 2);
  EXPECT_EQ(items_per_slice(100'000, 1s), 100'000);
}

TEST(RetryJobSliceTest, EverySliceSendsAtLeastOne) {
  EXPECT_EQ(items_per_slice(1, 100ms), 1);
  EXPECT_EQ(items_per_slice(0.001, 1s), 1);
}

}  // namespace
}  // namespace hookgate::delivery

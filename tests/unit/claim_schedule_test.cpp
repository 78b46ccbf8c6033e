// The delivery dispatcher's schedule: batch sizes and when it claims again.

#include "delivery/claim_schedule.h"

#include <gtest/gtest.h>

namespace hookgate::delivery {
namespace {

using namespace std::chrono_literals;

const TimePoint kClaimedAt = std::chrono::system_clock::from_time_t(1'800'000'000);
constexpr std::chrono::milliseconds kPoll = 2'000ms;

TEST(ClaimCapacityTest, ABatchBoundedByTheSendsLeftToStart) {
  EXPECT_EQ(claim_capacity(50, 512, 0), 50u);
  EXPECT_EQ(claim_capacity(50, 512, 500), 12u);
  EXPECT_EQ(claim_capacity(50, 512, 512), 0u);
  EXPECT_EQ(claim_capacity(50, 512, 600), 0u) << "never negative";
}

TEST(NextClaimTest, AFullBatchClaimsAgainAtOnce) {
  auto next = next_claim(50, 50, std::nullopt, kClaimedAt, kPoll);
  EXPECT_TRUE(next.now);
  EXPECT_EQ(next.after, std::nullopt);
}

TEST(NextClaimTest, AShortBatchWithNothingPendingWaitsForANotify) {
  auto next = next_claim(3, 50, std::nullopt, kClaimedAt, kPoll);
  EXPECT_FALSE(next.now);
  EXPECT_EQ(next.after, std::nullopt);
}

TEST(NextClaimTest, ARetryDueBeforeThePollEndsIsSleptUntil) {
  auto next = next_claim(0, 50, kClaimedAt + 750ms, kClaimedAt, kPoll);
  EXPECT_FALSE(next.now);
  EXPECT_EQ(next.after, 750ms);
}

TEST(NextClaimTest, ARetryAlreadyDueIsClaimedAtOnce) {
  EXPECT_TRUE(next_claim(0, 50, kClaimedAt, kClaimedAt, kPoll).now);
  EXPECT_TRUE(next_claim(0, 50, kClaimedAt - 5s, kClaimedAt, kPoll).now);
}

TEST(NextClaimTest, ARetryDueAfterThePollIsLeftToThePoll) {
  for (auto due : {kClaimedAt + kPoll, kClaimedAt + 5min}) {
    auto next = next_claim(0, 50, due, kClaimedAt, kPoll);
    EXPECT_FALSE(next.now);
    EXPECT_EQ(next.after, std::nullopt);
  }
}

}  // namespace
}  // namespace hookgate::delivery

// The retry schedule, its jitter and Retry-After, with an injected clock and
// randomness: no test sleeps.

#include "domain/retry_policy.h"
#include "support/fakes/fixed_random.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hookgate::delivery {
namespace {

using namespace std::chrono_literals;

using testing::FixedRandom;

const TimePoint kNow = std::chrono::system_clock::from_time_t(1'800'000'000);

TEST(RetryPolicy, DefaultScheduleIsTheDocumentedOne) {
  auto policy = default_retry_policy();
  std::vector<std::chrono::milliseconds> expected = {0ms, 5s, 5min, 30min, 2h, 5h, 10h, 10h};
  EXPECT_EQ(policy.schedule, expected);
  EXPECT_DOUBLE_EQ(policy.jitter, 0.2);
}

TEST(RetryPolicy, FollowsTheScheduleThenGivesUp) {
  auto policy = default_retry_policy();
  FixedRandom middle(0.5);  // jitter factor exactly 1
  EXPECT_EQ(next_attempt_time(policy, 1, kNow, 500, std::nullopt, middle), kNow + 5s);
  EXPECT_EQ(next_attempt_time(policy, 2, kNow, 500, std::nullopt, middle), kNow + 5min);
  EXPECT_EQ(next_attempt_time(policy, 7, kNow, 0, std::nullopt, middle), kNow + 10h);
  EXPECT_EQ(next_attempt_time(policy, 8, kNow, 500, std::nullopt, middle), std::nullopt);
}

TEST(RetryPolicy, JitterStaysWithinTwentyPercent) {
  auto policy = default_retry_policy();
  FixedRandom low(0.0);
  FixedRandom high(0.999999);
  EXPECT_EQ(next_attempt_time(policy, 2, kNow, 500, std::nullopt, low), kNow + 4min);
  auto latest = *next_attempt_time(policy, 2, kNow, 500, std::nullopt, high);
  EXPECT_GT(latest, kNow + 5min + 59s);
  EXPECT_LE(latest, kNow + 6min);
}

TEST(RetryPolicy, RetryAfterPostponesOnlyFor429And503WithinTheBound) {
  auto policy = default_retry_policy();
  FixedRandom middle(0.5);
  EXPECT_EQ(next_attempt_time(policy, 1, kNow, 429, 120s, middle), kNow + 120s);
  EXPECT_EQ(next_attempt_time(policy, 1, kNow, 503, 120s, middle), kNow + 120s);
  EXPECT_EQ(next_attempt_time(policy, 1, kNow, 500, 120s, middle), kNow + 5s) << "ignored for other statuses";
  EXPECT_EQ(next_attempt_time(policy, 2, kNow, 429, 1s, middle), kNow + 5min) << "never brings a retry forward";
  EXPECT_EQ(next_attempt_time(policy, 1, kNow, 429, 48h, middle), kNow + 1h) << "capped by max_retry_after";
}

TEST(RetryPolicy, ParsesRetryAfterSecondsAndHttpDates) {
  EXPECT_EQ(parse_retry_after("120", kNow), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", kNow), 0s);
  auto date_now = std::chrono::system_clock::from_time_t(1'445'412'480);  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", date_now), 120s);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", date_now), 0s) << "a past date means now";
  EXPECT_EQ(parse_retry_after("soon", kNow), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", kNow), std::nullopt);
  EXPECT_EQ(parse_retry_after("", kNow), std::nullopt);
  EXPECT_EQ(parse_retry_after("12abc", kNow), std::nullopt);
}

// Found by tests/fuzz/config_fuzz: a far-off date or a huge number of seconds
// overflowed on the way to the clock's finer units (undefined behaviour).
TEST(RetryPolicy, RetryAfterFarInTheFutureIsCappedAtAYear) {
  auto date_now = std::chrono::system_clock::from_time_t(1'445'412'480);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 5578 07:20:00 GMT", date_now), 366 * 24h);
  EXPECT_EQ(parse_retry_after("9223372036854775807", kNow), 366 * 24h);
  auto policy = default_retry_policy();
  FixedRandom middle(0.5);
  EXPECT_EQ(next_attempt_time(policy, 1, kNow, 503, parse_retry_after("9223372036854775807", kNow), middle),
            kNow + 1h);
}

TEST(RetryPolicy, ParsesScheduleText) {
  std::vector<std::chrono::milliseconds> expected = {0ms, 250ms, 5s, 7s, 5min, 2h};
  EXPECT_EQ(parse_retry_schedule("0,250ms,5s,7,5m,2h"), expected);
  EXPECT_EQ(parse_retry_schedule(" 1s , 2s "), (std::vector<std::chrono::milliseconds>{1s, 2s}));
  EXPECT_THROW(parse_retry_schedule("5x"), std::invalid_argument);
  EXPECT_THROW(parse_retry_schedule("1s,,2s"), std::invalid_argument);
  EXPECT_THROW(parse_retry_schedule("-1s"), std::invalid_argument);
  EXPECT_THROW(parse_retry_schedule("9999h"), std::invalid_argument);
}

}  // namespace
}  // namespace hookgate::delivery

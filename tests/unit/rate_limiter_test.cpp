#include "core/rate_limiter.h"

#include "support/fakes/manual_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hookgate {
namespace {

using namespace std::chrono_literals;

using testing::ManualClock;

int count_allowed(RateLimiter& limiter, std::string_view key, int attempts) {
  int allowed = 0;
  for (int i = 0; i < attempts; ++i) allowed += limiter.take(key).allowed ? 1 : 0;
  return allowed;
}

TEST(RateLimiterTest, AllowsTheBurstThenRefuses) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 10, .burst = 20}, clock);
  for (int i = 0; i < 20; ++i) {
    auto decision = limiter.take("key_a");
    ASSERT_TRUE(decision.allowed) << i;
    EXPECT_EQ(decision.limit, 20);
    EXPECT_EQ(decision.remaining, 19 - i);
    EXPECT_EQ(decision.retry_after, 0s);
  }
  auto refused = limiter.take("key_a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.limit, 20);
}

TEST(RateLimiterTest, FirstRequestReportsTimeToRefill) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 10, .burst = 20}, clock);
  auto decision = limiter.take("key_a");
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.remaining, 19);
  EXPECT_EQ(decision.reset, 1s);  // 1 token at 10/s is 0.1 s, rounded up
}

TEST(RateLimiterTest, RefillsOverInjectedTime) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 10, .burst = 20}, clock);
  EXPECT_EQ(count_allowed(limiter, "key_a", 25), 20);

  clock.advance(500ms);  // 5 tokens
  EXPECT_EQ(count_allowed(limiter, "key_a", 10), 5);

  clock.advance(1h);  // capped at the burst
  EXPECT_EQ(count_allowed(limiter, "key_a", 30), 20);
}

TEST(RateLimiterTest, FractionalRefillAccumulates) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 1, .burst = 1}, clock);
  EXPECT_TRUE(limiter.take("key_a").allowed);
  clock.advance(600ms);
  EXPECT_FALSE(limiter.take("key_a").allowed);
  clock.advance(400ms);
  EXPECT_TRUE(limiter.take("key_a").allowed);
}

TEST(RateLimiterTest, RetryAfterIsTheTimeUntilOneToken) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 0.25, .burst = 2}, clock);  // one token per 4 s
  EXPECT_EQ(count_allowed(limiter, "key_a", 2), 2);

  auto refused = limiter.take("key_a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 4s);
  EXPECT_EQ(refused.reset, 8s);

  clock.advance(2500ms);
  refused = limiter.take("key_a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 2s);  // 1.5 s rounded up
  EXPECT_EQ(refused.reset, 6s);        // 5.5 s rounded up

  clock.advance(1500ms);
  auto allowed = limiter.take("key_a");
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.retry_after, 0s);
}

TEST(RateLimiterTest, RetryAfterIsAtLeastOneSecond) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 1000, .burst = 1}, clock);
  EXPECT_TRUE(limiter.take("key_a").allowed);
  auto refused = limiter.take("key_a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
}

TEST(RateLimiterTest, LimitRoundsTheBurstDown) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 1, .burst = 2.7}, clock);
  auto decision = limiter.take("key_a");
  EXPECT_EQ(decision.limit, 2);
  EXPECT_EQ(decision.remaining, 1);  // 1.7 tokens left
}

TEST(RateLimiterTest, KeysHaveIndependentBuckets) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 1, .burst = 3}, clock);
  EXPECT_EQ(count_allowed(limiter, "key_a", 5), 3);
  EXPECT_EQ(count_allowed(limiter, "key_b", 5), 3);
  EXPECT_EQ(limiter.take("key_c").remaining, 2);
  EXPECT_FALSE(limiter.take("key_a").allowed);
}

TEST(RateLimiterTest, ClockGoingBackwardsMintsNoTokens) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 1, .burst = 2}, clock);
  clock.advance(10s);
  EXPECT_EQ(count_allowed(limiter, "key_a", 2), 2);
  clock.advance(-5s);
  EXPECT_FALSE(limiter.take("key_a").allowed);
  clock.advance(5s);  // back where the bucket was drained: still nothing earned
  EXPECT_FALSE(limiter.take("key_a").allowed);
  clock.advance(1s);
  EXPECT_TRUE(limiter.take("key_a").allowed);
}

TEST(RateLimiterTest, RejectsNonsensePolicies) {
  ManualClock clock;
  EXPECT_THROW(RateLimiter({.tokens_per_second = 0, .burst = 10}, clock), std::invalid_argument);
  EXPECT_THROW(RateLimiter({.tokens_per_second = -1, .burst = 10}, clock), std::invalid_argument);
  EXPECT_THROW(RateLimiter({.tokens_per_second = 1, .burst = 0.5}, clock), std::invalid_argument);
}

TEST(RateLimiterTest, ConcurrentTakesNeverExceedBurstPlusRefill) {
  ManualClock clock;
  constexpr double rate = 50;
  constexpr double burst = 100;
  RateLimiter limiter({.tokens_per_second = rate, .burst = burst}, clock);

  constexpr int threads = 8;
  constexpr int attempts_per_thread = 2000;
  constexpr int clock_steps = 200;
  constexpr auto step = 10ms;  // 2 s in total: at most 100 more tokens
  std::atomic<int> allowed{0};
  std::atomic<bool> start{false};

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (!start) std::this_thread::yield();
      int mine = 0;
      for (int i = 0; i < attempts_per_thread; ++i) mine += limiter.take("shared_key").allowed ? 1 : 0;
      allowed += mine;
    });
  }
  std::thread ticker([&] {
    while (!start) std::this_thread::yield();
    for (int i = 0; i < clock_steps; ++i) {
      clock.advance(step);
      std::this_thread::yield();
    }
  });
  start = true;
  for (auto& worker : workers) worker.join();
  ticker.join();

  EXPECT_LE(allowed.load(), static_cast<int>(burst + rate * 2));
  EXPECT_GE(allowed.load(), static_cast<int>(burst));
}

TEST(RateLimiterTest, ConcurrentTakesOnDistinctKeysEachGetTheirBurst) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 1, .burst = 10}, clock);
  constexpr int threads = 8;
  std::vector<int> allowed(threads, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { allowed[t] = count_allowed(limiter, "key_" + std::to_string(t), 100); });
  }
  for (auto& worker : workers) worker.join();
  for (int t = 0; t < threads; ++t) EXPECT_EQ(allowed[t], 10) << t;
}

TEST(RateLimiterTest, EvictsIdleFullBucketsButKeepsDrainedOnes) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 1, .burst = 5}, clock);
  // Enough keys that every one of the 16 shards passes its sweep threshold.
  constexpr int keys = 200'000;
  EXPECT_EQ(count_allowed(limiter, "busy", 10), 5);
  for (int i = 0; i < keys; ++i) limiter.take("old_" + std::to_string(i));
  // Nothing is full yet, so nothing may be dropped.
  EXPECT_EQ(limiter.tracked_keys(), static_cast<std::size_t>(keys) + 1);

  clock.advance(2s);  // the old buckets are full again; "busy" holds 2 tokens
  for (int i = 0; i < keys; ++i) limiter.take("new_" + std::to_string(i));
  EXPECT_LT(limiter.tracked_keys(), static_cast<std::size_t>(keys) * 3 / 2);

  // "busy" survived every sweep with its state: exactly 2 tokens, not a fresh 5.
  EXPECT_EQ(count_allowed(limiter, "busy", 10), 2);
}

}  // namespace
}  // namespace hookgate

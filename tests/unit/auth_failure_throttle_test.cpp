#include "api/gate.h"
#include "auth/failure_throttle.h"

#include "support/fakes/manual_clock.h"

#include <gtest/gtest.h>

namespace hookgate {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;

TEST(AuthFailureThrottle, BlocksAnAddressAfterItsBurstOfFailuresUntilOneRefills) {
  ManualClock clock;
  AuthFailureThrottle throttle(6, 3, clock);  // one failure back every 10 s
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(throttle.blocked("10.0.0.1")) << i;
    throttle.record_failure("10.0.0.1");
  }
  auto wait = throttle.blocked("10.0.0.1");
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 10s);
  EXPECT_FALSE(throttle.blocked("10.0.0.2")) << "addresses are counted apart";
  clock.advance(9s);
  EXPECT_TRUE(throttle.blocked("10.0.0.1"));
  clock.advance(1s);
  EXPECT_FALSE(throttle.blocked("10.0.0.1"));
  EXPECT_EQ(throttle.failures(), 3u);
}

TEST(AuthFailureThrottle, CheckingDoesNotSpendTheBudget) {
  ManualClock clock;
  AuthFailureThrottle throttle(60, 1, clock);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(throttle.blocked("10.0.0.1"));
  throttle.record_failure("10.0.0.1");
  EXPECT_TRUE(throttle.blocked("10.0.0.1"));
}

TEST(RateLimiterPeek, TellsWhatTakeWouldDecideWithoutConsuming) {
  ManualClock clock;
  RateLimiter limiter({.tokens_per_second = 1, .burst = 2}, clock);
  EXPECT_TRUE(limiter.peek("k").allowed);
  EXPECT_EQ(limiter.tracked_keys(), 0u) << "peeking stores nothing";
  limiter.take("k");
  limiter.take("k");
  auto refused = limiter.peek("k");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
  EXPECT_FALSE(limiter.take("k").allowed);
}

http::Request from(std::string peer, std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Request request;
  request.peer_address = std::move(peer);
  request.headers = std::move(headers);
  return request;
}

TEST(ClientAddress, IsThePeerUnlessATrustedProxyHeaderIsConfigured) {
  auto request = from("10.1.1.1", {{"X-Forwarded-For", "203.0.113.9, 198.51.100.7"}});
  EXPECT_EQ(client_address(request, ""), "10.1.1.1") << "the header is the client's word unless trusted";
  EXPECT_EQ(client_address(request, "X-Forwarded-For"), "198.51.100.7") << "the hop the proxy appended";
  EXPECT_EQ(client_address(from("10.1.1.1"), "X-Forwarded-For"), "10.1.1.1");
  EXPECT_EQ(client_address(from("10.1.1.1", {{"x-real-ip", " 192.0.2.4 "}}), "X-Real-IP"), "192.0.2.4");
  EXPECT_EQ(client_address(from("10.1.1.1", {{"X-Forwarded-For", "1.2.3.4, "}}), "X-Forwarded-For"), "10.1.1.1");
}

}  // namespace
}  // namespace hookgate

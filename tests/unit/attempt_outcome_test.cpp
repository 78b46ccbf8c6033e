// What each kind of attempt outcome does to its delivery.

#include "delivery/attempt_outcome.h"
#include "support/fakes/fixed_random.h"

#include <gtest/gtest.h>

namespace hookgate::delivery {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = std::chrono::system_clock::from_time_t(1'800'000'000);

ClaimedDelivery claimed(int attempt_number) {
  return {DeliveryId::from_trusted("whd_1"), 7, AttemptId::from_trusted("wha_1"), attempt_number, kNow - 2s,
          AccountId::from_trusted("acct_1"), EndpointId::from_trusted("we_1"), "order.accepted",
          "https://example.com/hook", "{}", {"whsec_AAAA"}, true, ""};
}

SendResult response(int status, std::string body = "", std::optional<std::string> retry_after = std::nullopt) {
  SendResult sent;
  sent.outcome = SendOutcome::response;
  sent.status_code = status;
  sent.response_snippet = std::move(body);
  sent.retry_after = std::move(retry_after);
  sent.duration = 1500us;
  return sent;
}

AttemptResult outcome_of(const SendResult& sent, int attempt_number = 1) {
  testing::FixedRandom random;  // jitter factor exactly 1
  return attempt_result(claimed(attempt_number), sent, kNow, default_retry_policy(), random, 16);
}

TEST(AttemptOutcome, TwoHundredsSucceed) {
  auto result = outcome_of(response(204, "thanks"));
  EXPECT_EQ(result.outcome, "succeeded");
  EXPECT_EQ(result.status_code, 204);
  EXPECT_EQ(result.response_snippet, "thanks");
  EXPECT_EQ(result.next_attempt, std::nullopt);
  EXPECT_EQ(result.claim_token, 7);
  EXPECT_EQ(result.attempt_number, 1);
  EXPECT_EQ(result.started, kNow - 2s) << "the attempt started when it was claimed";
  EXPECT_EQ(result.duration, 1500us);
  EXPECT_TRUE(result.counts_for_health);
}

TEST(AttemptOutcome, OtherStatusesRetryOnSchedule) {
  for (int status : {301, 400, 404, 500}) {
    auto result = outcome_of(response(status));
    EXPECT_EQ(result.outcome, "failed") << status;
    EXPECT_EQ(result.error, "HTTP " + std::to_string(status));
    EXPECT_EQ(result.next_attempt, kNow + 5s) << status;
    EXPECT_FALSE(result.endpoint_gone);
  }
}

TEST(AttemptOutcome, TheLastAttemptFailsTheDelivery) {
  auto result = outcome_of(response(500), 8);
  EXPECT_EQ(result.outcome, "failed");
  EXPECT_EQ(result.next_attempt, std::nullopt);
}

TEST(AttemptOutcome, GoneDisablesWithoutRetry) {
  auto result = outcome_of(response(410));
  EXPECT_EQ(result.outcome, "failed");
  EXPECT_TRUE(result.endpoint_gone);
  EXPECT_EQ(result.next_attempt, std::nullopt);
}

TEST(AttemptOutcome, RetryAfterOnTooManyRequests) {
  EXPECT_EQ(outcome_of(response(429, "", "90")).next_attempt, kNow + 90s);
  EXPECT_EQ(outcome_of(response(503, "", "Wed, 21 Oct 2015 07:28:00 GMT")).next_attempt, kNow + 5s)
      << "a date in the past does not bring the retry forward";
}

TEST(AttemptOutcome, NetworkErrorsAndRefusalsRetry) {
  SendResult refused;
  refused.outcome = SendOutcome::refused_address;
  refused.error = "localhost resolved to 127.0.0.1 (loopback)";
  auto result = outcome_of(refused);
  EXPECT_EQ(result.outcome, "failed");
  EXPECT_EQ(result.error, refused.error);
  EXPECT_EQ(result.status_code, std::nullopt);
  EXPECT_EQ(result.next_attempt, kNow + 5s);
}

TEST(AttemptOutcome, CancelledIsInterruptedAndDueAtOnce) {
  SendResult cancelled;
  cancelled.outcome = SendOutcome::cancelled;
  cancelled.error = "sender stopped";
  auto result = outcome_of(cancelled, 8);
  EXPECT_EQ(result.outcome, "interrupted");
  EXPECT_EQ(result.next_attempt, kNow);
  EXPECT_FALSE(result.counts_for_health);
}

TEST(AttemptOutcome, NotSentIsAFinalFailureOutsideHealth) {
  auto result = not_sent_result(claimed(1), kNow, "not authorized");
  EXPECT_EQ(result.outcome, "failed");
  EXPECT_EQ(result.error, "not authorized");
  EXPECT_EQ(result.next_attempt, std::nullopt);
  EXPECT_FALSE(result.counts_for_health);
}

TEST(Utf8Snippet, KeepsValidTextAndReplacesInvalidBytes) {
  EXPECT_EQ(utf8_snippet("plain", 16), "plain");
  EXPECT_EQ(utf8_snippet("caf\xC3\xA9", 16), "caf\xC3\xA9");
  EXPECT_EQ(utf8_snippet("a\xFF" "b\xC3", 16), "a?b?");
  EXPECT_EQ(utf8_snippet(std::string("a\0b", 3), 16), "a?b");
  EXPECT_EQ(utf8_snippet("\xED\xA0\x80", 16), "???") << "surrogates are not UTF-8";
}

TEST(Utf8Snippet, CutsOnACharacterBoundary) {
  EXPECT_EQ(utf8_snippet("abcdef", 4), "abcd");
  EXPECT_EQ(utf8_snippet("ab\xE2\x82\xAC", 4), "ab") << "a 3-byte character does not fit in the last 2 bytes";
}

}  // namespace
}  // namespace hookgate::delivery

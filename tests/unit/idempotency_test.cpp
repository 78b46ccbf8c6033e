// Idempotency's decisions that need no database: which keys are accepted,
// what makes two requests "the same", and what a claim answers.

#include "api/idempotency.h"
#include "core/error.h"
#include "support/response_header.h"

#include <gtest/gtest.h>

namespace hookgate {
namespace {

using testing::response_header;

http::Request post(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Request request;
  request.method = "POST";
  request.path = "/v1/webhook_endpoints";
  request.body = std::move(body);
  request.headers = std::move(headers);
  return request;
}

Errc refusal_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ApiError& error) {
    return error.code();
  }
  ADD_FAILURE() << "no ApiError was thrown";
  return Errc::internal;
}

TEST(IdempotencyKeyTest, AbsentIsNoKeyAndAPrintableOneIsTaken) {
  EXPECT_EQ(idempotency_key(post("{}")), std::nullopt);
  EXPECT_EQ(idempotency_key(post("{}", {{"idempotency-key", "order-42 retry#1"}})), "order-42 retry#1");
  EXPECT_EQ(idempotency_key(post("{}", {{"Idempotency-Key", std::string(255, 'k')}})), std::string(255, 'k'));
}

TEST(IdempotencyKeyTest, EmptyLongUnprintableOrRepeatedKeysAreInvalidParameters) {
  for (std::string bad : {std::string(), std::string(256, 'k'), std::string("tab\there"), std::string("caf\xc3\xa9")}) {
    EXPECT_EQ(refusal_of([&] { idempotency_key(post("{}", {{"Idempotency-Key", bad}})); }), Errc::invalid_parameter)
        << bad;
  }
  EXPECT_EQ(refusal_of([] { idempotency_key(post("{}", {{"Idempotency-Key", "a"}, {"Idempotency-Key", "a"}})); }),
            Errc::invalid_parameter);
}

TEST(RequestFingerprintTest, JsonKeyOrderAndWhitespaceDoNotMatterButContentDoes) {
  auto base = request_fingerprint(post(R"({"url":"https://a.example","enabled_events":["x"]})"));
  EXPECT_EQ(request_fingerprint(post("{ \"enabled_events\": [\"x\"],\n  \"url\": \"https://a.example\" }")), base);
  EXPECT_NE(request_fingerprint(post(R"({"url":"https://b.example","enabled_events":["x"]})")), base);
  auto other_path = post(R"({"url":"https://a.example","enabled_events":["x"]})");
  other_path.path = "/v1/webhook_endpoints/we_1";
  EXPECT_NE(request_fingerprint(other_path), base);
  EXPECT_EQ(base.size(), 64u) << "sha256 hex";
}

TEST(RequestFingerprintTest, ABodyThatIsNotJsonIsFingerprintedAsSent) {
  EXPECT_EQ(request_fingerprint(post("not json")), request_fingerprint(post("not json")));
  EXPECT_NE(request_fingerprint(post("not json")), request_fingerprint(post("not  json")));
  std::string deep(100'000, '[');
  EXPECT_EQ(request_fingerprint(post(deep)).size(), 64u) << "deep nesting is refused by the parser, not a crash";
}

db::Claim claim_of(db::ClaimOutcome outcome) {
  db::Claim claim;
  claim.outcome = outcome;
  return claim;
}

std::string open_marked(const std::string& sealed) { return "opened:" + sealed; }

TEST(AnswerFromClaimTest, AFreshClaimRunsTheHandler) {
  EXPECT_EQ(answer_from_claim(claim_of(db::ClaimOutcome::claimed), open_marked), std::nullopt);
}

TEST(AnswerFromClaimTest, AReplayIsTheStoredResponseMarkedReplayed) {
  auto sealed = answer_from_claim({db::ClaimOutcome::replay, 201, "sealed-bytes", true}, open_marked);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->status, 201);
  EXPECT_EQ(sealed->body, "opened:sealed-bytes");
  EXPECT_EQ(response_header(*sealed, "Idempotent-Replayed"), "true");

  auto plain = answer_from_claim({db::ClaimOutcome::replay, 400, R"({"error":{}})", false}, open_marked);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->body, R"({"error":{}})") << "stored before sealing: served as it is";
}

TEST(AnswerFromClaimTest, ADifferentRequestOrOneStillRunningIsAConflict) {
  EXPECT_EQ(refusal_of([] { answer_from_claim(claim_of(db::ClaimOutcome::mismatch), open_marked); }),
            Errc::idempotency_key_reused);
  EXPECT_EQ(refusal_of([] { answer_from_claim(claim_of(db::ClaimOutcome::in_progress), open_marked); }),
            Errc::idempotency_request_in_progress);
}

}  // namespace
}  // namespace hookgate

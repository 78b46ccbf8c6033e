// Standard Webhooks signatures, checked against the specification's
// published example, and the two-signature form used during a secret roll.

#include "delivery/signing.h"

#include <gtest/gtest.h>

namespace hookgate::delivery {
namespace {

constexpr const char* kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kSpecTimestamp = 1614265330;
constexpr const char* kSpecBody = R"({"test": 2432232314})";
constexpr const char* kSpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(Signing, MatchesTheSpecificationExample) {
  EXPECT_EQ(signature_header(kSpecId, kSpecTimestamp, kSpecBody, {kSpecSecret}), kSpecSignature);
}

TEST(Signing, EveryInputChangesTheSignature) {
  EXPECT_NE(signature_header("msg_other", kSpecTimestamp, kSpecBody, {kSpecSecret}), kSpecSignature);
  EXPECT_NE(signature_header(kSpecId, kSpecTimestamp + 1, kSpecBody, {kSpecSecret}), kSpecSignature);
  EXPECT_NE(signature_header(kSpecId, kSpecTimestamp, R"({"test": 2432232315})", {kSpecSecret}), kSpecSignature);
  EXPECT_NE(signature_header(kSpecId, kSpecTimestamp, kSpecBody, {"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
            kSpecSignature);
}

TEST(Signing, DuringARollBothSecretsSignSpaceSeparated) {
  std::string other = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  auto header = signature_header(kSpecId, kSpecTimestamp, kSpecBody, {other, kSpecSecret});
  auto space = header.find(' ');
  ASSERT_NE(space, std::string::npos);
  EXPECT_EQ(header.substr(0, space), signature_header(kSpecId, kSpecTimestamp, kSpecBody, {other}));
  EXPECT_EQ(header.substr(space + 1), kSpecSignature);
}

TEST(Signing, SkipsASecretThatIsNotBase64) {
  EXPECT_EQ(signature_header(kSpecId, kSpecTimestamp, kSpecBody, {"whsec_***", kSpecSecret}), kSpecSignature);
  EXPECT_EQ(signature_header(kSpecId, kSpecTimestamp, kSpecBody, {}), "");
}

}  // namespace
}  // namespace hookgate::delivery

// The test receiver must be honest before it can judge hookgate: it accepts
// exactly what the Standard Webhooks library accepts, and its scripted
// responses and counters do what they say. No hookgate and no database here.
// Signatures are made with OpenSSL directly, not with hookgate's code.

#include "support/http_client.h"
#include "support/webhook_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <stdexcept>

namespace hookgate::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The example in the Standard Webhooks specification and its libraries' tests.
constexpr const char* kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kSpecTimestamp = 1614265330;
constexpr const char* kSpecPayload = R"({"test": 2432232314})";
constexpr const char* kSpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// Another valid secret: 32 bytes of 0x42.
constexpr const char* kOtherSecret = "whsec_QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string secret_key(const std::string& secret) {
  std::string encoded = secret.substr(std::string("whsec_").size());
  std::string out(encoded.size(), '\0');
  int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(encoded.data()), static_cast<int>(encoded.size()));
  if (written < 0) throw std::invalid_argument("not base64: " + secret);
  // EVP_DecodeBlock counts the bytes that padding stands for.
  std::size_t padding = encoded.size() - encoded.find_last_not_of('=') - 1;
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

std::string sign(const std::string& secret, const std::string& id, std::int64_t timestamp, const std::string& body) {
  std::string key = secret_key(secret);
  std::string content = id + "." + std::to_string(timestamp) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
       content.size(), mac, &mac_size);
  return "v1," + base64(mac, mac_size);
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Headers webhook_headers(const std::string& id, std::int64_t timestamp, const std::string& signature) {
  return {{"webhook-id", id},
          {"webhook-timestamp", std::to_string(timestamp)},
          {"webhook-signature", signature},
          {"Content-Type", "application/json"}};
}

class WebhookReceiverTest : public ::testing::Test {
 protected:
  unsigned short port() const { return static_cast<unsigned short>(receiver_.port()); }

  // Posts `body` to `path` signed with `secret` at the current time.
  HttpResponse post_signed(const std::string& path, const std::string& secret, const std::string& id,
                           const std::string& body) {
    auto timestamp = now_seconds();
    return request(port(), "POST", path, body, webhook_headers(id, timestamp, sign(secret, id, timestamp, body)));
  }

  ReceivedWebhook only_received(const std::string& path) {
    auto received = receiver_.received(path);
    if (received.size() != 1) throw std::runtime_error("expected one request at " + path + ", got " + std::to_string(received.size()));
    return received.front();
  }

  WebhookReceiver receiver_;
};

TEST(WebhookReceiverSpecVector, OurHmacOverIdTimestampBodyReproducesTheSpecSignature) {
  // The key is the base64-decoded part after "whsec_": 24 bytes here.
  EXPECT_EQ(secret_key(kSpecSecret).size(), 24u);
  EXPECT_EQ(sign(kSpecSecret, kSpecId, kSpecTimestamp, kSpecPayload), kSpecSignature);
}

TEST_F(WebhookReceiverTest, TheSpecVectorIsRefusedOnlyForItsAge) {
  receiver_.set_secrets("/spec", {kSpecSecret});
  auto response = request(port(), "POST", "/spec", kSpecPayload, webhook_headers(kSpecId, kSpecTimestamp, kSpecSignature));
  EXPECT_EQ(response.status, 200);
  auto received = only_received("/spec");
  EXPECT_FALSE(received.verified);
  EXPECT_THAT(received.verify_error, ::testing::HasSubstr("too old"));
  EXPECT_EQ(received.signature_header, kSpecSignature);
}

TEST_F(WebhookReceiverTest, TheSpecMessageSignedNowIsVerified) {
  receiver_.set_secrets("/spec", {kSpecSecret});
  auto response = post_signed("/spec", kSpecSecret, kSpecId, kSpecPayload);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  auto received = only_received("/spec");
  EXPECT_TRUE(received.verified) << received.verify_error;
  EXPECT_EQ(received.verify_error, "");
  EXPECT_EQ(received.path, "/spec");
  EXPECT_EQ(received.webhook_id, kSpecId);
  EXPECT_EQ(received.body, kSpecPayload);
  EXPECT_EQ(received.status_returned, 200);
  EXPECT_EQ(received.headers.at("content-type"), "application/json");
  EXPECT_GT(received.received_at_ms, 0);
}

TEST_F(WebhookReceiverTest, ATamperedBodyIsNotVerified) {
  receiver_.set_secrets("/hooks/a", {kSpecSecret});
  auto timestamp = now_seconds();
  auto signature = sign(kSpecSecret, "msg_1", timestamp, R"({"amount": 100})");
  request(port(), "POST", "/hooks/a", R"({"amount": 900})", webhook_headers("msg_1", timestamp, signature));
  auto received = only_received("/hooks/a");
  EXPECT_FALSE(received.verified);
  EXPECT_THAT(received.verify_error, ::testing::HasSubstr("No matching signature"));
}

TEST_F(WebhookReceiverTest, ATamperedTimestampIsNotVerified) {
  receiver_.set_secrets("/hooks/a", {kSpecSecret});
  auto timestamp = now_seconds();
  auto signature = sign(kSpecSecret, "msg_1", timestamp, "{}");
  request(port(), "POST", "/hooks/a", "{}", webhook_headers("msg_1", timestamp - 1, signature));
  EXPECT_FALSE(only_received("/hooks/a").verified);
}

TEST_F(WebhookReceiverTest, AWrongSecretIsNotVerified) {
  receiver_.set_secrets("/hooks/a", {kSpecSecret});
  post_signed("/hooks/a", kOtherSecret, "msg_1", "{}");
  auto received = only_received("/hooks/a");
  EXPECT_FALSE(received.verified);
  EXPECT_THAT(received.verify_error, ::testing::HasSubstr("No matching signature"));
}

TEST_F(WebhookReceiverTest, APathWithoutSecretsVerifiesNothing) {
  post_signed("/unconfigured", kSpecSecret, "msg_1", "{}");
  auto received = only_received("/unconfigured");
  EXPECT_FALSE(received.verified);
  EXPECT_THAT(received.verify_error, ::testing::HasSubstr("no secrets configured"));
}

TEST_F(WebhookReceiverTest, MissingHeadersAreRecordedAsAbsent) {
  receiver_.set_secrets("/hooks/a", {kSpecSecret});
  request(port(), "POST", "/hooks/a", "{}");
  auto received = only_received("/hooks/a");
  EXPECT_FALSE(received.verified);
  EXPECT_EQ(received.webhook_id, std::nullopt);
  EXPECT_EQ(received.webhook_timestamp, std::nullopt);
  EXPECT_EQ(received.signature_header, std::nullopt);
}

TEST_F(WebhookReceiverTest, DuringARollOneValidSignatureAmongSeveralIsEnough) {
  receiver_.set_secrets("/new-only", {kSpecSecret});
  auto timestamp = now_seconds();
  std::string both = sign(kOtherSecret, "msg_1", timestamp, "{}") + " " + sign(kSpecSecret, "msg_1", timestamp, "{}");
  request(port(), "POST", "/new-only", "{}", webhook_headers("msg_1", timestamp, both));
  auto rolled = only_received("/new-only");
  EXPECT_TRUE(rolled.verified) << rolled.verify_error;

  std::string neither = sign(kOtherSecret, "msg_2", timestamp, "{}") + " " + sign(kOtherSecret, "msg_2", timestamp, "[]");
  request(port(), "POST", "/new-only", "{}", webhook_headers("msg_2", timestamp, neither));
  auto received = receiver_.received("/new-only");
  ASSERT_EQ(received.size(), 2u);
  EXPECT_FALSE(received[1].verified);
}

TEST_F(WebhookReceiverTest, AnyConfiguredSecretMayVerify) {
  receiver_.set_secrets("/two", {kOtherSecret, kSpecSecret});
  post_signed("/two", kSpecSecret, "msg_1", "{}");
  post_signed("/two", kOtherSecret, "msg_2", "{}");
  auto received = receiver_.received("/two");
  ASSERT_EQ(received.size(), 2u);
  EXPECT_TRUE(received[0].verified) << received[0].verify_error;
  EXPECT_TRUE(received[1].verified) << received[1].verify_error;

  receiver_.set_secrets("/two", {kOtherSecret});  // replaces, does not add
  post_signed("/two", kSpecSecret, "msg_3", "{}");
  EXPECT_FALSE(receiver_.received("/two").at(2).verified);
}

TEST_F(WebhookReceiverTest, ScriptedResponsesAreServedInOrderThenTheDefault) {
  receiver_.script("/flaky", {{{"status", 503}, {"headers", {{"retry-after", "7"}}}}, {{"status", 410}}});
  auto first = post_signed("/flaky", kSpecSecret, "msg_1", "{}");
  auto second = post_signed("/flaky", kSpecSecret, "msg_1", "{}");
  auto third = post_signed("/flaky", kSpecSecret, "msg_1", "{}");
  auto fourth = post_signed("/flaky", kSpecSecret, "msg_1", "{}");
  EXPECT_EQ(first.status, 503);
  EXPECT_EQ(first.header("retry-after"), "7");
  EXPECT_EQ(second.status, 410);
  EXPECT_EQ(second.header("retry-after"), "");
  EXPECT_EQ(third.status, 200);
  EXPECT_EQ(third.body, "ok");
  EXPECT_EQ(fourth.status, 200);

  auto received = receiver_.received("/flaky");
  ASSERT_EQ(received.size(), 4u);
  EXPECT_EQ(received[0].status_returned, 503);
  EXPECT_EQ(received[1].status_returned, 410);
  EXPECT_EQ(received[2].status_returned, 200);
  EXPECT_EQ(received[3].status_returned, 200);
  // Scripts are per path.
  EXPECT_EQ(post_signed("/other", kSpecSecret, "msg_2", "{}").status, 200);
}

TEST_F(WebhookReceiverTest, AScriptedDefaultReplacesTheBuiltInOne) {
  receiver_.script("/gone", nlohmann::json::array(), {{"status", 410}, {"body", {{"error", "gone"}}}});
  auto response = post_signed("/gone", kSpecSecret, "msg_1", "{}");
  EXPECT_EQ(response.status, 410);
  EXPECT_EQ(response.json()["error"], "gone");
  EXPECT_EQ(response.header("content-type"), "application/json");
}

TEST_F(WebhookReceiverTest, ADroppedConnectionGetsNoAnswerAndIsStillRecorded) {
  receiver_.script("/drop", {{{"drop", true}}});
  EXPECT_THROW(post_signed("/drop", kSpecSecret, "msg_1", "{}"), std::runtime_error);
  EXPECT_EQ(post_signed("/drop", kSpecSecret, "msg_1", "{}").status, 200);
  auto received = receiver_.received("/drop");
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].status_returned, 0);
  EXPECT_EQ(received[1].status_returned, 200);
}

TEST_F(WebhookReceiverTest, StatsCountPerPathAndUnverifiedAndClearResets) {
  receiver_.set_secrets("/a", {kSpecSecret});
  post_signed("/a", kSpecSecret, "msg_1", "{}");
  post_signed("/a", kSpecSecret, "msg_1", "{}");
  post_signed("/a", kOtherSecret, "msg_2", "{}");
  post_signed("/b/nested", kSpecSecret, "msg_3", "{}");

  auto stats = receiver_.stats();
  EXPECT_EQ(stats.total, 4);
  EXPECT_EQ(stats.unverified, 2);  // the wrong secret, and /b/nested has none
  EXPECT_EQ(stats.distinct_ids, 3);
  EXPECT_EQ(stats.by_path, (std::map<std::string, std::int64_t>{{"/a", 3}, {"/b/nested", 1}}));

  auto all = receiver_.received_all();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3].path, "/b/nested");
  EXPECT_EQ(receiver_.received("/b/nested").size(), 1u);

  receiver_.clear();
  stats = receiver_.stats();
  EXPECT_EQ(stats.total, 0);
  EXPECT_EQ(stats.unverified, 0);
  EXPECT_TRUE(stats.by_path.empty());
  EXPECT_TRUE(receiver_.received_all().empty());
  // Secrets survive a clear.
  post_signed("/a", kSpecSecret, "msg_4", "{}");
  EXPECT_TRUE(only_received("/a").verified);
}

TEST_F(WebhookReceiverTest, BadControlInputIsA400AndTheReceiverCarriesOn) {
  struct Case {
    std::string target;
    std::string body;
  };
  const std::vector<Case> cases{
      {"/_paths/a/secrets", R"({"secrets": ["whsec_not base64!"]})"},
      {"/_paths/a/secrets", R"({"secrets": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})"},
      {"/_paths/a/secrets", R"({"secrets": [")"},
      {"/_paths/a/secrets", ""},
      {"/_paths/a/behaviour", R"({"queue": [{"status": 99}]})"},
      {"/_paths/a/behaviour", R"({"queue": [{"status": 200, "delay": 5}]})"},
      {"/_paths/a/behaviour", R"({"queue": [{"status": 200, "headers": {"bad name": "x"}}]})"},
      {"/_paths/a/behaviour", R"({"queue": {}})"},
      {"/_paths/_a/behaviour", R"({})"},
  };
  for (const auto& c : cases) {
    auto response = request(port(), "PUT", c.target, c.body);
    EXPECT_EQ(response.status, 400) << c.target << " " << c.body << " -> " << response.body;
    EXPECT_TRUE(response.json().contains("error")) << response.body;
  }
  EXPECT_EQ(request(port(), "GET", "/_paths/a/secrets").status, 405);
  EXPECT_EQ(request(port(), "GET", "/_nothing").status, 404);
  EXPECT_EQ(request(port(), "GET", "/a").status, 405);
  EXPECT_EQ(receiver_.stats().total, 0);  // none of that was a webhook
  EXPECT_EQ(post_signed("/a", kSpecSecret, "msg_1", "{}").status, 200);
}

TEST_F(WebhookReceiverTest, UrlPointsAtTheReceiver) {
  EXPECT_EQ(receiver_.url("/hooks/a"), "http://127.0.0.1:" + std::to_string(receiver_.port()) + "/hooks/a");
  EXPECT_EQ(receiver_.url("hooks/a"), receiver_.url("/hooks/a"));
}

TEST(WebhookReceiverCountOnly, CountsWithoutStoringOrVerifying) {
  WebhookReceiver receiver(WebhookReceiverOptions{.count_only = true});
  auto port = static_cast<unsigned short>(receiver.port());
  receiver.set_secrets("/bench", {kSpecSecret});
  for (int i = 0; i < 3; ++i) {
    auto response = request(port, "POST", "/bench", "{}", webhook_headers("msg_" + std::to_string(i % 2), 1, "v1,bad"));
    EXPECT_EQ(response.status, 200);
  }
  auto stats = receiver.stats();
  EXPECT_EQ(stats.total, 3);
  EXPECT_EQ(stats.distinct_ids, 2);
  EXPECT_EQ(stats.unverified, 0);
  EXPECT_TRUE(receiver.received("/bench").empty());
}

}  // namespace
}  // namespace hookgate::testing

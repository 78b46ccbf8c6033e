// GET /v1/webhook_endpoints/{id}/secret (DESIGN §13, issue 22 item 6): the
// current signing secret, and during a roll when the previous one stops
// signing; webhooks.endpoints:read and :manage both needed (so sk_ only);
// another account's endpoint is not found.

#include "support/api_fixture.h"
#include "support/test_server.h"

#include <gtest/gtest.h>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;

class EndpointSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::start();
    account_ = api().create_account("secrets");
    key_ = api().create_key(account_, "sk", {}, "full").secret;
    auto created = post(port(), kEndpointsPath, key_,
                        {{"url", "https://receiver.example.com/hooks"}, {"enabled_events", {"order.accepted"}}});
    ASSERT_EQ(created.status, 200) << created.body;
    endpoint_ = created.json()["id"].get<std::string>();
    created_secret_ = created.json()["secret"].get<std::string>();
  }

  ApiFixture api() const { return ApiFixture(*server_); }
  unsigned short port() const { return server_->port(); }
  std::string path() const { return kEndpointsPath + "/" + endpoint_ + "/secret"; }
  HttpResponse roll(long grace) {
    return post(port(), kEndpointsPath + "/" + endpoint_ + "/secret/roll", key_, {{"grace_period_seconds", grace}});
  }

  std::unique_ptr<TestServer> server_;
  std::string account_, key_, endpoint_, created_secret_;
};

TEST_F(EndpointSecretTest, ShowsTheCurrentSecretAndWhenARolledOneStopsSigning) {
  auto shown = get(port(), path(), key_);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.json(), (json{{"object", "webhook_endpoint_secret"},
                                {"endpoint", endpoint_},
                                {"secret", created_secret_},
                                {"previous_secret_expires_at", nullptr}}));

  auto rolled = roll(3600);
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  auto during = get(port(), path(), key_).json();
  EXPECT_EQ(during["secret"], rolled.json()["secret"]);
  EXPECT_NE(during["secret"], created_secret_);
  ASSERT_TRUE(during["previous_secret_expires_at"].is_string()) << during;
  EXPECT_GT(during["previous_secret_expires_at"].get<std::string>(), rolled.json()["created"].get<std::string>());

  // A roll without grace ends the others at once: nothing is running.
  auto again = roll(0);
  ASSERT_EQ(again.status, 200) << again.body;
  auto after = get(port(), path(), key_).json();
  EXPECT_EQ(after["secret"], again.json()["secret"]);
  EXPECT_TRUE(after["previous_secret_expires_at"].is_null()) << after;
}

TEST_F(EndpointSecretTest, NeedsBothEndpointScopesSoOnlySecretKeysAndNamesWhatIsMissing) {
  auto pk = api().create_key(account_, "pk", {}, "full");
  auto refused = get(port(), path(), pk.secret);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.json()["error"]["code"], "SCOPE_REQUIRED");
  EXPECT_EQ(refused.json()["error"]["required_scopes"], json({"webhooks.endpoints:manage"}));
  EXPECT_FALSE(refused.body.find("whsec_") != std::string::npos);

  auto read_only = api().create_key(account_, "sk", {"webhooks.endpoints:read"});
  EXPECT_EQ(get(port(), path(), read_only.secret).json()["error"]["required_scopes"],
            json({"webhooks.endpoints:manage"}));
  auto manage_only = api().create_key(account_, "sk", {"webhooks.endpoints:manage"});
  auto missing_read = get(port(), path(), manage_only.secret);
  EXPECT_EQ(missing_read.status, 403) << missing_read.body;
  EXPECT_EQ(missing_read.json()["error"]["required_scopes"], json({"webhooks.endpoints:read"}));
}

TEST_F(EndpointSecretTest, AnotherAccountsEndpointIsNotFoundAndQueryParametersAreRefused) {
  auto other = api().create_account_and_key("sk", {}, "full");
  auto missing = get(port(), path(), other.secret);
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.json()["error"]["code"], "RESOURCE_MISSING");
  EXPECT_EQ(missing.body.find("whsec_"), std::string::npos);
  auto unknown = get(port(), path() + "?reveal=1", key_);
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.json()["error"]["code"], "UNKNOWN_PARAMETER");
}

}  // namespace
}  // namespace hookgate::testing

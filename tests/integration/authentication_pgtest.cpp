// API-key authentication on the public API, over HTTP: missing, malformed,
// unknown, revoked, duplicated and rolled keys, the event-type listing a
// valid key sees, and per-key rate limiting.

#include "app/config.h"
#include "core/crypto.h"
#include "support/api_fixture.h"
#include "support/http_client.h"
#include "support/test_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace hookgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;


// The error object without its per-request id, for comparing two errors.
nlohmann::json error_without_request_id(const HttpResponse& response) {
  auto error = response.json().at("error");
  error.erase("request_id");
  return error;
}

class AuthenticationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::start();
    api_.emplace(*server_);
  }

  unsigned short port() const { return server_->port(); }
  const ApiFixture& api() const { return *api_; }

  HttpResponse with_authorization(const std::string& value) const {
    return request(port(), "GET", kEventTypesPath, "", {{"Authorization", value}});
  }

  // Polls until the key is refused (cache invalidation is asynchronous).
  bool refused_eventually(const std::string& key) const {
    return eventually([&] { return get(port(), kEventTypesPath, key).status == 401; });
  }

  std::unique_ptr<TestServer> server_;
  std::optional<ApiFixture> api_;
};

TEST_F(AuthenticationTest, NoAuthorizationIs401AuthenticationRequired) {
  auto response = request(port(), "GET", kEventTypesPath);
  EXPECT_EQ(response.status, 401);
  auto error = response.json()["error"];
  EXPECT_EQ(error["code"], "AUTHENTICATION_REQUIRED");
  EXPECT_EQ(error["type"], "authentication_error");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("Bearer"));
  EXPECT_EQ(error["request_id"], response.header("request-id"));
  // No key, no bucket: nothing to report.
  EXPECT_EQ(response.header("ratelimit-limit"), "");
}

TEST_F(AuthenticationTest, MalformedAuthorizationIs401InvalidApiKey) {
  auto valid = api().create_account_and_key("sk", {}, "full");
  const std::vector<std::string> values = {
      "Bearer",
      "Basic x",
      "Bearer sk_short",
      "Bearer pk_",
      "Bearer " + valid.secret + "x",                   // one character too long
      "Bearer " + valid.secret.substr(0, valid.secret.size() - 1),  // one too short
      "Bearer rk_" + valid.secret.substr(3),            // an unknown kind
      "Token " + valid.secret,                          // another scheme
      valid.secret,                                     // no scheme
      "Bearer  " + valid.secret,                        // two spaces
      "Bearer " + valid.secret + " extra",
      "Bearer " + valid.secret.substr(0, 20) + "!" + valid.secret.substr(21),  // outside the alphabet
  };
  for (const auto& value : values) {
    auto response = with_authorization(value);
    EXPECT_EQ(response.status, 401) << value;
    EXPECT_EQ(response.json()["error"]["code"], "INVALID_API_KEY") << value;
  }
  // The well-formed key itself works, so the refusals above were about format.
  EXPECT_EQ(get(port(), kEventTypesPath, valid.secret).status, 200);
}

// Stripe's habit: `curl -u sk_...:` sends the key as a Basic user name.
TEST_F(AuthenticationTest, AKeyAsTheBasicUserNameIsAccepted) {
  auto valid = api().create_account_and_key("sk", {}, "full");
  std::string credentials = valid.secret + ":";
  auto basic = "Basic " + crypto::base64_encode({credentials.begin(), credentials.end()});
  auto response = with_authorization(basic);
  EXPECT_EQ(response.status, 200) << response.body;
  std::string wrong = valid.secret;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  wrong += ":";
  auto refused = with_authorization("Basic " + crypto::base64_encode({wrong.begin(), wrong.end()}));
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.json()["error"]["code"], "INVALID_API_KEY");
}

TEST_F(AuthenticationTest, A401NamesTheBearerScheme) {
  EXPECT_EQ(request(port(), "GET", kEventTypesPath).header("www-authenticate"), "Bearer realm=\"hookgate\"");
  EXPECT_EQ(with_authorization("Bearer sk_short").header("www-authenticate"), "Bearer realm=\"hookgate\"");
  auto valid = api().create_account_and_key("sk", {}, "full");
  EXPECT_EQ(get(port(), kEventTypesPath, valid.secret).header("www-authenticate"), "");
}

TEST_F(AuthenticationTest, UnknownWellFormedKeyIs401InvalidApiKey) {
  auto valid = api().create_account_and_key("sk", {}, "full");
  std::string unknown = "sk_" + std::string(43, 'A');
  auto response = get(port(), kEventTypesPath, unknown);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.json()["error"]["code"], "INVALID_API_KEY");

  // The right random part under the other kind's prefix is a different key.
  auto other_kind = get(port(), kEventTypesPath, "pk_" + valid.secret.substr(3));
  EXPECT_EQ(other_kind.status, 401);
  EXPECT_EQ(other_kind.json()["error"]["code"], "INVALID_API_KEY");

  // The scheme name is case-insensitive; the key itself is not.
  EXPECT_EQ(with_authorization("bearer " + valid.secret).status, 200);
  std::string flipped = valid.secret;
  auto letter = flipped.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 3);
  ASSERT_NE(letter, std::string::npos);
  auto c = static_cast<unsigned char>(flipped[letter]);
  flipped[letter] = static_cast<char>(std::isupper(c) ? std::tolower(c) : std::toupper(c));
  EXPECT_EQ(get(port(), kEventTypesPath, flipped).status, 401);
}

TEST_F(AuthenticationTest, RevokedKeyIsRefusedOnceTheCacheHearsOfIt) {
  auto account = api().create_account();
  auto revoked = api().create_key(account, "sk", {}, "full");
  auto sibling = api().create_key(account, "sk", {}, "full");
  // Used once, so the running process has it cached.
  ASSERT_EQ(get(port(), kEventTypesPath, revoked.secret).status, 200);
  ASSERT_EQ(get(port(), kEventTypesPath, revoked.secret).status, 200);

  api().revoke_key(revoked.id);
  ASSERT_TRUE(refused_eventually(revoked.secret)) << "a revoked key kept working for 3 s";
  auto response = get(port(), kEventTypesPath, revoked.secret);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.json()["error"]["code"], "INVALID_API_KEY");
  // Revocation is per key.
  EXPECT_EQ(get(port(), kEventTypesPath, sibling.secret).status, 200);
}

TEST_F(AuthenticationTest, KeySentTwiceIs401InvalidApiKey) {
  auto key = api().create_account_and_key("sk", {}, "full");
  const std::string value = "Bearer " + key.secret;
  auto same_twice = request(port(), "GET", kEventTypesPath, "", {{"Authorization", value}, {"Authorization", value}});
  EXPECT_EQ(same_twice.status, 401);
  EXPECT_EQ(same_twice.json()["error"]["code"], "INVALID_API_KEY");
  auto with_garbage = request(port(), "GET", kEventTypesPath, "", {{"Authorization", value}, {"authorization", "Bearer x"}});
  EXPECT_EQ(with_garbage.status, 401);
  EXPECT_EQ(with_garbage.json()["error"]["code"], "INVALID_API_KEY");
  EXPECT_EQ(get(port(), kEventTypesPath, key.secret).status, 200);
}

// Malformed, unknown, revoked and duplicated keys all get the same answer, so
// a caller cannot tell which case it hit (or that a key once existed).
TEST_F(AuthenticationTest, InvalidKeyErrorsAreIndistinguishable) {
  auto account = api().create_account();
  auto revoked = api().create_key(account, "sk", {}, "full");
  ASSERT_EQ(get(port(), kEventTypesPath, revoked.secret).status, 200);
  api().revoke_key(revoked.id);
  ASSERT_TRUE(refused_eventually(revoked.secret));

  std::map<std::string, HttpResponse> cases;
  cases.emplace("malformed", with_authorization("Bearer sk_short"));
  cases.emplace("no scheme", with_authorization("Basic x"));
  cases.emplace("bare scheme", with_authorization("Bearer"));
  cases.emplace("unknown", get(port(), kEventTypesPath, "sk_" + std::string(43, 'Z')));
  cases.emplace("revoked", get(port(), kEventTypesPath, revoked.secret));
  cases.emplace("twice", request(port(), "GET", kEventTypesPath, "",
                                 {{"Authorization", "Bearer " + revoked.secret},
                                  {"Authorization", "Bearer " + revoked.secret}}));
  const auto reference = error_without_request_id(cases.at("unknown"));
  EXPECT_EQ(reference["code"], "INVALID_API_KEY");
  for (const auto& [name, response] : cases) {
    EXPECT_EQ(response.status, 401) << name;
    EXPECT_EQ(error_without_request_id(response), reference) << name;
    EXPECT_THAT(response.body, Not(HasSubstr(revoked.secret.substr(3)))) << name;
    EXPECT_THAT(response.body, Not(HasSubstr(revoked.id))) << name;
  }
}

TEST_F(AuthenticationTest, ValidKeyListsTheEventTypeCatalogue) {
  auto key = api().create_account_and_key("pk", {}, "store");
  auto response = get(port(), kEventTypesPath, key.secret);
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  EXPECT_EQ(body["object"], "list");
  EXPECT_EQ(body["has_more"], false);
  ASSERT_EQ(body["data"].size(), 23u);

  std::set<std::string> effective;
  for (const auto& scope : key.body["effective_scopes"]) effective.insert(scope.get<std::string>());
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& type : body["data"]) {
    auto name = type.at("name").get<std::string>();
    ASSERT_TRUE(type.at("required_scope").is_string()) << type;
    ASSERT_TRUE(type.at("subscribable").is_boolean()) << type;
    EXPECT_EQ(type["subscribable"].get<bool>(), effective.count(type["required_scope"].get<std::string>()) == 1)
        << name;
    by_name[name] = type;
  }
  EXPECT_EQ(by_name.size(), 23u) << "duplicate event type names";

  // DESIGN.md §2.
  const std::map<std::string, std::string> expected_scopes = {
      {"order.accepted", "store.orders:read"},
      {"payment_intent.created", "pay.intents:read"},
      {"inventory.low_stock", "store.inventory:read"},
      {"transfer.paid", "enterprise.transfers:read"},
      {"bill.paid", "enterprise.ledger:read"},
      {"import.failed", "store.products:read"},
      {"webhook_endpoint.disabled", "webhooks.endpoints:read"},
  };
  for (const auto& [name, scope] : expected_scopes) {
    ASSERT_TRUE(by_name.count(name)) << name;
    EXPECT_EQ(by_name[name]["required_scope"], scope) << name;
  }
  EXPECT_EQ(by_name["order.accepted"]["subscribable"], true);
  EXPECT_EQ(by_name["webhook_endpoint.disabled"]["subscribable"], true);
  EXPECT_EQ(by_name["payment_intent.created"]["subscribable"], false);
  EXPECT_EQ(by_name["transfer.paid"]["subscribable"], false);

  EXPECT_EQ(response.header("ratelimit-limit").empty(), false);
}

TEST_F(AuthenticationTest, AnyValidKeyMayListEventTypes) {
  // A pk_ key holding only an sk_-only scope has no effective scope at all.
  auto powerless = api().create_account_and_key("pk", {"pay.intents:write"});
  ASSERT_TRUE(powerless.body["effective_scopes"].empty()) << powerless.body;
  auto response = get(port(), kEventTypesPath, powerless.secret);
  ASSERT_EQ(response.status, 200) << response.body;
  for (const auto& type : response.json()["data"]) EXPECT_EQ(type["subscribable"], false) << type["name"];

  auto full = api().create_account_and_key("sk", {}, "full");
  auto everything = get(port(), kEventTypesPath, full.secret);
  ASSERT_EQ(everything.status, 200);
  for (const auto& type : everything.json()["data"]) EXPECT_EQ(type["subscribable"], true) << type["name"];
}

TEST_F(AuthenticationTest, ScopeChangesReachTheCache) {
  auto key = api().create_account_and_key("sk", {"store.orders:read"});
  auto subscribable = [&](const std::string& type_name) {
    auto response = get(port(), kEventTypesPath, key.secret);
    for (const auto& type : response.json()["data"]) {
      if (type["name"] == type_name) return type["subscribable"].get<bool>();
    }
    return false;
  };
  ASSERT_TRUE(subscribable("order.accepted"));
  ASSERT_FALSE(subscribable("payment_intent.created"));
  api().set_scopes(key.id, {"pay.intents:read"});
  EXPECT_TRUE(eventually([&] { return subscribable("payment_intent.created") && !subscribable("order.accepted"); }))
      << "scope change not honoured within 3 s";
}

// --- Rolling ----------------------------------------------------------------

TEST_F(AuthenticationTest, RollWithoutGraceRetiresTheOldSecret) {
  auto key = api().create_account_and_key("sk", {}, "full");
  ASSERT_EQ(get(port(), kEventTypesPath, key.secret).status, 200);  // cached

  auto rolled = api().roll_key(key.id, 0);
  ASSERT_NE(rolled.secret, key.secret);
  EXPECT_EQ(get(port(), kEventTypesPath, rolled.secret).status, 200);
  ASSERT_TRUE(refused_eventually(key.secret)) << "the old secret kept working for 3 s";
  auto old = get(port(), kEventTypesPath, key.secret);
  EXPECT_EQ(old.json()["error"]["code"], "INVALID_API_KEY");
  EXPECT_EQ(get(port(), kEventTypesPath, rolled.secret).status, 200);
}

TEST_F(AuthenticationTest, RollWithGraceKeepsBothSecrets) {
  auto key = api().create_account_and_key("sk", {}, "full");
  ASSERT_EQ(get(port(), kEventTypesPath, key.secret).status, 200);  // cached

  auto rolled = api().roll_key(key.id, 3600);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(get(port(), kEventTypesPath, key.secret).status, 200) << "old secret, try " << i;
    EXPECT_EQ(get(port(), kEventTypesPath, rolled.secret).status, 200) << "new secret, try " << i;
  }
  // Revoking the key ends both secrets at once.
  api().revoke_key(key.id);
  EXPECT_TRUE(refused_eventually(key.secret));
  EXPECT_TRUE(refused_eventually(rolled.secret));
}

// --- Rate limiting ----------------------------------------------------------

TEST(AuthenticationRateLimit, BurstThen429WithRetryAfterPerKey) {
  auto server = TestServer::start([](Config& config) {
    config.rate_limit_per_second = 1;
    config.rate_limit_burst = 3;
  });
  ApiFixture api(*server);
  auto account = api.create_account();
  auto limited = api.create_key(account, "sk", {}, "full");
  auto other = api.create_key(account, "sk", {}, "full");

  for (int i = 0; i < 3; ++i) {
    auto response = get(server->port(), kEventTypesPath, limited.secret);
    ASSERT_EQ(response.status, 200) << "request " << i;
    EXPECT_EQ(response.header("ratelimit-limit"), "3");
    EXPECT_EQ(response.header("ratelimit-remaining"), std::to_string(2 - i));
    ASSERT_FALSE(response.header("ratelimit-reset").empty());
    EXPECT_GE(std::stol(response.header("ratelimit-reset")), 1);
    EXPECT_EQ(response.header("retry-after"), "");
  }
  auto refused = get(server->port(), kEventTypesPath, limited.secret);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.json()["error"]["code"], "RATE_LIMITED");
  EXPECT_EQ(refused.json()["error"]["type"], "rate_limit_error");
  ASSERT_FALSE(refused.header("retry-after").empty());
  EXPECT_GE(std::stol(refused.header("retry-after")), 1);
  EXPECT_EQ(refused.header("ratelimit-remaining"), "0");

  // Another key of the same account has its own bucket.
  auto unaffected = get(server->port(), kEventTypesPath, other.secret);
  EXPECT_EQ(unaffected.status, 200);
  EXPECT_EQ(unaffected.header("ratelimit-remaining"), "2");
}

// Refused credentials spend their address's budget (3 here, one back a
// minute); then only keys already known good are served, without a lookup.
TEST(AuthenticationFailureThrottle, AnAddressWithTooManyRefusedKeysGets429UntilItsBudgetRefills) {
  auto server = TestServer::start([](Config& config) {
    config.auth_failure_burst = 3;
    config.auth_failures_per_minute = 1;
  });
  ApiFixture api(*server);
  auto account = api.create_account();
  auto cached = api.create_key(account, "sk", {}, "full");
  auto never_used = api.create_key(account, "sk", {}, "full");
  // Cached once a lookup is answered from memory (an insert racing the
  // notification of the other key's creation is dropped, so poll).
  ASSERT_TRUE(eventually([&] {
    EXPECT_EQ(get(server->port(), kEventTypesPath, cached.secret).status, 200);
    return request(server->port(), "GET", "/metrics").body.find("hookgate_key_cache_lookups{result=\"hit\"} 0") ==
           std::string::npos;
  }));

  const std::string unknown = "sk_" + std::string(43, 'Q');
  for (int i = 0; i < 3; ++i) {
    auto refused = get(server->port(), kEventTypesPath, unknown);
    ASSERT_EQ(refused.status, 401) << "refusal " << i;
    EXPECT_EQ(refused.json()["error"]["code"], "INVALID_API_KEY");
  }
  auto throttled = get(server->port(), kEventTypesPath, unknown);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.json()["error"]["code"], "RATE_LIMITED");
  EXPECT_THAT(throttled.json()["error"]["message"].get<std::string>(), ::testing::HasSubstr("failed authentications"));
  ASSERT_FALSE(throttled.header("retry-after").empty());
  EXPECT_GE(std::stol(throttled.header("retry-after")), 1);

  EXPECT_EQ(get(server->port(), kEventTypesPath, cached.secret).status, 200) << "a cached key is still served";
  EXPECT_EQ(get(server->port(), kEventTypesPath, never_used.secret).status, 429) << "an unknown-to-the-cache key waits";

  // The operator plane shares the address's budget: a wrong token is not even compared.
  auto wrong_operator = request(server->port(), "GET", "/internal/v1/accounts/" + account + "/api_keys", "",
                                {{"Authorization", "Bearer wrong-operator-token-0000"}});
  EXPECT_EQ(wrong_operator.status, 429);
  EXPECT_EQ(api.operator_request("GET", "/internal/v1/accounts/" + account + "/api_keys").status, 200);

  auto metrics = request(server->port(), "GET", "/metrics").body;
  EXPECT_THAT(metrics, ::testing::HasSubstr("hookgate_auth_failures{event=\"refused\"} 3"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("hookgate_auth_failures{event=\"throttled\"} 3"));
}

TEST(AuthenticationFailureThrottle, WrongOperatorTokensCountToo) {
  auto server = TestServer::start([](Config& config) { config.auth_failure_burst = 2; });
  for (int i = 0; i < 2; ++i) {
    auto refused = request(server->port(), "POST", "/internal/v1/accounts", R"({"name":"x"})",
                           {{"Authorization", "Bearer wrong-operator-token-0000"}});
    ASSERT_EQ(refused.status, 401) << i;
    EXPECT_EQ(refused.json()["error"]["code"], "INVALID_OPERATOR_TOKEN");
  }
  auto throttled = request(server->port(), "POST", "/internal/v1/accounts", R"({"name":"x"})",
                           {{"Authorization", "Bearer wrong-operator-token-0000"}});
  EXPECT_EQ(throttled.status, 429);
  EXPECT_FALSE(throttled.header("retry-after").empty());
}

TEST(AuthenticationFailureThrottle, BehindATrustedProxyEachForwardedClientHasItsOwnBudget) {
  auto server = TestServer::start([](Config& config) {
    config.auth_failure_burst = 1;
    config.client_ip_header = "X-Forwarded-For";
  });
  const std::string unknown = "sk_" + std::string(43, 'Q');
  Headers attacker{{"X-Forwarded-For", "198.51.100.1"}};
  EXPECT_EQ(get(server->port(), kEventTypesPath, unknown, attacker).status, 401);
  EXPECT_EQ(get(server->port(), kEventTypesPath, unknown, attacker).status, 429);
  Headers neighbour{{"X-Forwarded-For", "198.51.100.2"}};
  EXPECT_EQ(get(server->port(), kEventTypesPath, unknown, neighbour).status, 401);
}

}  // namespace
}  // namespace hookgate::testing

// The gate's decisions with a fake principal source and a manual clock: who
// is admitted, why the others are refused, and what each answer carries.
// GET routes only, so idempotency never reaches its (unused) pool.

#include "api/gate.h"
#include "support/fakes/fake_principal_source.h"
#include "support/fakes/fixed_random.h"
#include "support/fakes/manual_clock.h"
#include "support/response_header.h"

#include <gtest/gtest.h>

#include <pqxx/except>

namespace hookgate {
namespace {

using namespace std::chrono_literals;
using testing::error_code_of;
using testing::response_header;

constexpr const char* kReader = "Bearer reader";
constexpr const char* kWriter = "Bearer writer";
constexpr const char* kPublishable = "Bearer publishable";

Principal principal(std::string key_id, ScopeSet scopes, KeyKind kind = KeyKind::secret) {
  return {ApiKeyId::from_trusted(std::move(key_id)), AccountId::from_trusted("acct_gate"), kind, std::move(scopes)};
}

// things:write may only be held by sk_ keys.
std::shared_ptr<const Catalogue> things_catalogue() {
  return std::make_shared<const Catalogue>(
      std::vector<ScopeDefinition>{{"things:read", "", false}, {"things:write", "", true}},
      std::map<std::string, std::vector<std::string>>{}, std::vector<EventTypeDefinition>{});
}

class GateTest : public ::testing::Test {
 protected:
  GateTest() {
    principals_.add(kReader, principal("key_reader", {"things:read"}));
    principals_.add(kWriter, principal("key_writer", {"things:read", "things:write"}), /*cached=*/true);
    principals_.add(kPublishable, principal("key_publishable", {"things:read"}, KeyKind::publishable));
  }

  ApiRoute route(std::string method) {
    return {std::move(method), "/v1/things", "things", {"things:read", "things:write"},
            [this](http::Request&, const Principal& caller) {
              handled_by_.push_back(caller.key_id.str());
              return http::json_response(200, {{"ok", true}});
            }};
  }
  http::Request request(std::optional<std::string> authorization, std::string method = "GET") {
    http::Request request;
    request.method = std::move(method);
    request.path = "/v1/things";
    request.peer_address = "192.0.2.7";
    request.request_id = "req_gate";
    if (authorization) request.headers.emplace_back("Authorization", *authorization);
    return request;
  }
  // Through the route the gate protects, as the router runs it. The router
  // keeps its routes for the process's life, and an outcome's required_scope
  // points into its route: the fixture keeps them as long.
  http::Response pass(http::Request request, std::string method = "GET") {
    return protect(route(std::move(method))).handler(request);
  }
  const http::Route& protect(ApiRoute api_route) {
    return *protected_.emplace_back(std::make_unique<http::Route>(gate_.protect(std::move(api_route))));
  }

  testing::ManualClock clock_;
  testing::FakePrincipalSource principals_;
  testing::FixedRandom random_;
  RateLimiter rate_limiter_{RateLimitPolicy{1, 2}, clock_};
  AuthFailureThrottle auth_failures_{60, 2, clock_};
  db::ConnectionPool unused_pool_{"postgresql://unused.invalid/none", 1, 10ms};
  SecretKeyRing no_keys_;
  Idempotency idempotency_{unused_pool_, no_keys_, random_};
  std::vector<GateOutcome> seen_;
  CatalogueStore catalogue_{things_catalogue()};
  Gate gate_{principals_, catalogue_, rate_limiter_, idempotency_, auth_failures_, "",
             [this](const GateOutcome& outcome) { seen_.push_back(outcome); }};
  std::vector<std::string> handled_by_;
  std::vector<std::unique_ptr<http::Route>> protected_;
};

TEST_F(GateTest, AKeyWithTheRoutesScopeIsAdmittedAndRunsTheHandler) {
  auto response = pass(request(kReader));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(handled_by_, std::vector<std::string>{"key_reader"});
  EXPECT_EQ(response_header(response, "RateLimit-Limit"), "2");
  EXPECT_EQ(response_header(response, "RateLimit-Remaining"), "1");
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_TRUE(seen_[0].admitted());
  EXPECT_EQ(seen_[0].principal->key_id.str(), "key_reader");
  EXPECT_EQ(seen_[0].required_scope, "things:read");
}

TEST_F(GateTest, ARequestWithoutAKeyIsRefusedAsMissingKey) {
  auto outcome = gate_.admit(route("GET"), request(std::nullopt));
  EXPECT_EQ(outcome.refusal, GateRefusal::missing_key);
  EXPECT_EQ(outcome.principal, nullptr);
  EXPECT_EQ(auth_failures_.failures(), 0u) << "sending no key is not guessing one";
}

TEST_F(GateTest, AnUnknownKeyIsRefusedAndItsFailureCountedForTheAddress) {
  auto outcome = gate_.admit(route("GET"), request("Bearer guess"));
  EXPECT_EQ(outcome.refusal, GateRefusal::invalid_key);
  EXPECT_EQ(auth_failures_.failures(), 1u);
  // Through the route the refusal is thrown for the router to answer (401).
  EXPECT_THROW(pass(request("Bearer guess")), ApiError);
  ASSERT_EQ(seen_.size(), 1u) << "the observer hears refusals before they are thrown";
  EXPECT_EQ(seen_[0].refusal, GateRefusal::invalid_key);
  EXPECT_TRUE(handled_by_.empty());
}

TEST_F(GateTest, AThrottledAddressIsAnswered429WithoutALookupUnlessTheKeyIsKnownGood) {
  gate_.admit(route("GET"), request("Bearer guess-1"));
  gate_.admit(route("GET"), request("Bearer guess-2"));
  int lookups = principals_.lookups;

  auto response = pass(request("Bearer guess-3"));
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(error_code_of(response), "RATE_LIMITED");
  EXPECT_TRUE(response_header(response, "Retry-After").has_value());
  EXPECT_EQ(principals_.lookups, lookups) << "a throttled address costs no key lookup";
  EXPECT_EQ(seen_.back().refusal, GateRefusal::throttled);
  EXPECT_EQ(auth_failures_.throttled(), 1u);

  EXPECT_EQ(pass(request(kWriter)).status, 200) << "a cached key is still served";
}

TEST_F(GateTest, AKeyLackingTheMethodsScopeIs403NamingIt) {
  auto response = pass(request(kReader, "POST"), "POST");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(error_code_of(response), "SCOPE_REQUIRED");
  EXPECT_EQ(nlohmann::json::parse(response.body)["error"]["required_scopes"],
            nlohmann::json::array({"things:write"}));
  EXPECT_EQ(response_header(response, "RateLimit-Remaining"), "1") << "the refusal still spent a token";
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].refusal, GateRefusal::scope_required);
  EXPECT_EQ(seen_[0].required_scope, "things:write");
  EXPECT_EQ(seen_[0].missing_scopes, std::vector<std::string>{"things:write"});
  EXPECT_TRUE(handled_by_.empty());
}

TEST_F(GateTest, APublishableKeyIsToldThatOnlySecretKeysMayHoldTheScope) {
  auto pk = nlohmann::json::parse(pass(request(kPublishable, "POST"), "POST").body)["error"];
  EXPECT_EQ(pk["code"], "SCOPE_REQUIRED");
  EXPECT_EQ(pk["required_scopes"], nlohmann::json::array({"things:write"}));
  EXPECT_NE(pk["message"].get<std::string>().find("pk_ (publishable) keys cannot hold things:write"),
            std::string::npos)
      << pk;
  // An sk_ key lacking the same scope could be granted it: no such sentence.
  auto sk = nlohmann::json::parse(pass(request(kReader, "POST"), "POST").body)["error"];
  EXPECT_EQ(sk["message"].get<std::string>().find("pk_"), std::string::npos) << sk;
}

TEST_F(GateTest, AScopeRefusalFromTheHandlerIsCountedAsTheGatesOwn) {
  // Rules 1-2 refuse in the service, after the gate admitted the key.
  ApiRoute refusing{"GET", "/v1/things", "things", {"things:read", "things:write"},
                    [](http::Request&, const Principal&) -> http::Response {
                      throw ApiError(Errc::scope_required, "needs more", {{"required_scopes", {"orders:read"}}});
                    }};
  auto req = request(kReader);
  auto response = protect(refusing).handler(req);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(error_code_of(response), "SCOPE_REQUIRED");
  ASSERT_EQ(seen_.size(), 1u) << "one decision per request, heard after the handler";
  EXPECT_EQ(seen_[0].refusal, GateRefusal::scope_required);
  EXPECT_EQ(seen_[0].required_scope, "things:read");
}

TEST_F(GateTest, ASpentRateLimitIs429UntilTheBucketRefills) {
  EXPECT_EQ(pass(request(kReader)).status, 200);
  EXPECT_EQ(pass(request(kReader)).status, 200);
  auto refused = pass(request(kReader));
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(response_header(refused, "Retry-After"), "1");
  EXPECT_EQ(seen_.back().refusal, GateRefusal::rate_limited);
  // A key lacking the scope on top is still told about the rate limit first.
  EXPECT_EQ(gate_.admit(route("POST"), request(kReader, "POST")).refusal, GateRefusal::rate_limited);

  clock_.advance(1s);
  EXPECT_EQ(pass(request(kReader)).status, 200);
  EXPECT_EQ(handled_by_.size(), 3u);
}

TEST_F(GateTest, AKeyThatCannotBeCheckedIsRefusedWithWhatWentWrong) {
  principals_.fail_with(std::make_exception_ptr(pqxx::broken_connection("connection lost")));
  auto outcome = gate_.admit(route("GET"), request(kReader));
  EXPECT_EQ(outcome.refusal, GateRefusal::key_unchecked);
  EXPECT_THROW(std::rethrow_exception(outcome.failure), pqxx::broken_connection);
  EXPECT_EQ(auth_failures_.failures(), 0u) << "a lost database is not the client's failure";
}

TEST_F(GateTest, TheCallersAccountAndKeyIdGoToTheLogLine) {
  http::Request sent = request(kReader);
  protect(route("GET")).handler(sent);
  std::vector<std::pair<std::string, std::string>> expected = {{"account", "acct_gate"}, {"key_id", "key_reader"}};
  EXPECT_EQ(sent.log_fields, expected);
}

}  // namespace
}  // namespace hookgate

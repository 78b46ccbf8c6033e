// Idempotency-Key on POST /v1/webhook_endpoints, end to end over HTTP.

#include "support/api_fixture.h"
#include "support/http_client.h"
#include "support/test_server.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <future>

namespace hookgate::testing {
namespace {


nlohmann::json endpoint_body(const std::string& url) {
  return {{"url", url}, {"enabled_events", {"order.accepted"}}};
}

long endpoint_count(const TestServer& server) {
  pqxx::connection conn(server.config().database_url);
  pqxx::read_transaction tx(conn);
  return tx.exec1("SELECT count(*) FROM webhook_endpoints")[0].as<long>();
}

class EndpointIdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::start();
    key_ = ApiFixture(*server_).create_account_and_key("sk", {}, "store");
  }
  HttpResponse create(const nlohmann::json& body, const std::string& idempotency_key) {
    return post(server_->port(), kEndpointsPath, key_.secret, body, {{"Idempotency-Key", idempotency_key}});
  }
  std::unique_ptr<TestServer> server_;
  CreatedKey key_;
};

TEST_F(EndpointIdempotencyTest, RetryReturnsTheFirstResponseAndCreatesNothingNew) {
  auto first = create(endpoint_body("https://example.com/a"), "create-a");
  ASSERT_EQ(first.status, 200) << first.body;
  auto again = create(endpoint_body("https://example.com/a"), "create-a");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);  // same id and the same secret, shown again only to this retry
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(endpoint_count(*server_), 1);
}

TEST_F(EndpointIdempotencyTest, SameKeyWithADifferentBodyIsAConflict) {
  ASSERT_EQ(create(endpoint_body("https://example.com/a"), "k1").status, 200);
  auto other = create(endpoint_body("https://example.com/b"), "k1");
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(other.json()["error"]["code"], "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(endpoint_count(*server_), 1);
}

TEST_F(EndpointIdempotencyTest, ScopeRefusalsDoNotConsumeTheKey) {
  // A key without the event's scope is refused by the gate rules; the same
  // Idempotency-Key then still works for an allowed request.
  nlohmann::json pay_body = {{"url", "https://example.com/p"}, {"enabled_events", {"payment_intent.created"}}};
  auto refused = create(pay_body, "k2");
  ASSERT_EQ(refused.status, 403);
  auto replay = create(pay_body, "k2");
  EXPECT_EQ(replay.status, 403);
  EXPECT_EQ(endpoint_count(*server_), 0);
}

TEST_F(EndpointIdempotencyTest, ConcurrentDuplicatesCreateOneEndpoint) {
  constexpr int kRequests = 8;
  std::vector<std::future<HttpResponse>> responses;
  for (int i = 0; i < kRequests; ++i) {
    responses.push_back(std::async(std::launch::async, [&] {
      return create(endpoint_body("https://example.com/c"), "concurrent");
    }));
  }
  int created = 0;
  for (auto& future : responses) {
    auto response = future.get();
    if (response.status == 200) {
      ++created;
    } else {
      EXPECT_EQ(response.status, 409) << response.body;
      EXPECT_EQ(response.json()["error"]["code"], "IDEMPOTENCY_REQUEST_IN_PROGRESS");
    }
  }
  EXPECT_GE(created, 1);
  EXPECT_EQ(endpoint_count(*server_), 1);
}

}  // namespace
}  // namespace hookgate::testing

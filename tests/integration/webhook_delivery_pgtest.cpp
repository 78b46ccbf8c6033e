// End to end over real sockets: events published through the operator API
// reach a Node receiver that verifies every request with the official
// Standard Webhooks library (npm `standardwebhooks`) — an implementation
// that is not hookgate's.

#include "support/api_fixture.h"
#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class WebhookDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override { start_server(); }

  void start_server(const std::function<void(Config&)>& adjust = {}) {
    server_ = TestServer::start([&](Config& config) {
      config.role = Config::Role::all;
      config.retry_schedule = {0ms, 100ms, 100ms};
      config.delivery_poll_interval = 200ms;
      if (adjust) adjust(config);
    });
    api_ = std::make_unique<ApiFixture>(*server_);
    account_ = api_->create_account("deliveries");
    key_ = api_->create_key(account_, "sk", {}, "full");
  }

  // Registers an endpoint on the receiver's `path`; returns its object (with the secret).
  json register_endpoint(const std::string& path, const std::vector<std::string>& events) {
    auto created = post(server_->port(), "/v1/webhook_endpoints", key_.secret,
                        {{"url", receiver_.url(path)}, {"enabled_events", events}});
    EXPECT_EQ(created.status, 200) << created.body;
    return created.json();
  }

  HttpResponse publish(const json& body) {
    return api_->operator_request("POST", "/internal/v1/events", body);
  }

  json publish_ok(const std::string& type, const json& data = {{"order", "ord_1"}}) {
    auto response = publish({{"account", account_}, {"type", type}, {"data", data}});
    EXPECT_EQ(response.status, 200) << response.body;
    return response.json();
  }

  WebhookReceiver receiver_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ApiFixture> api_;
  std::string account_;
  CreatedKey key_;
};

TEST_F(WebhookDeliveryTest, DeliveriesVerifyWithTheStandardWebhooksLibrary) {
  auto endpoint = register_endpoint("/orders", {"order.*"});
  receiver_.set_secrets("/orders", {endpoint["secret"].get<std::string>()});
  std::set<std::string> event_ids;
  for (const auto* type : {"order.accepted", "order.created", "order.accepted"}) {
    auto published = publish_ok(type);
    EXPECT_EQ(published["deliveries"], 1);
    event_ids.insert(published["id"].get<std::string>());
  }
  publish_ok("product.created");  // not subscribed

  auto received = receiver_.wait_for("/orders", 3);
  ASSERT_EQ(received.size(), 3u) << receiver_.describe();
  std::set<std::string> webhook_ids, bodies_ids;
  for (const auto& request : received) {
    EXPECT_TRUE(request.verified) << request.verify_error;
    ASSERT_TRUE(request.webhook_id.has_value());
    EXPECT_THAT(*request.webhook_id, ::testing::StartsWith("whd_"));
    webhook_ids.insert(*request.webhook_id);
    auto body = json::parse(request.body);
    bodies_ids.insert(body["id"].get<std::string>());
    EXPECT_EQ(body["account"], account_);
    EXPECT_EQ(body["data"], json({{"order", "ord_1"}}));
    EXPECT_EQ(request.headers.at("content-type"), "application/json");
  }
  EXPECT_EQ(webhook_ids.size(), 3u);
  EXPECT_EQ(bodies_ids, event_ids);
}

TEST_F(WebhookDeliveryTest, DuringASecretRollEitherSecretVerifies) {
  auto endpoint = register_endpoint("/rolled", {"order.accepted"});
  auto old_secret = endpoint["secret"].get<std::string>();
  auto rolled = post(server_->port(), "/v1/webhook_endpoints/" + endpoint["id"].get<std::string>() + "/secret/roll",
                     key_.secret);
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  auto new_secret = rolled.json()["secret"].get<std::string>();
  ASSERT_NE(new_secret, old_secret);

  receiver_.set_secrets("/rolled", {old_secret});
  publish_ok("order.accepted");
  auto first = receiver_.wait_for("/rolled", 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].verified) << "a receiver still holding the old secret accepts: " << first[0].verify_error;
  ASSERT_TRUE(first[0].signature_header.has_value());
  EXPECT_EQ(std::count(first[0].signature_header->begin(), first[0].signature_header->end(), ' '), 1)
      << "two signatures: " << *first[0].signature_header;

  receiver_.set_secrets("/rolled", {new_secret});
  publish_ok("order.accepted");
  auto second = receiver_.wait_for("/rolled", 2);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_TRUE(second[1].verified) << second[1].verify_error;

  receiver_.set_secrets("/rolled", {"whsec_" + std::string(32, 'A')});
  publish_ok("order.accepted");
  auto third = receiver_.wait_for("/rolled", 3);
  ASSERT_EQ(third.size(), 3u);
  EXPECT_FALSE(third[2].verified) << "a wrong secret must not verify: the check is real";
}

TEST_F(WebhookDeliveryTest, FailedAttemptsAreRetriedWithTheSameWebhookId) {
  auto endpoint = register_endpoint("/flaky", {"order.accepted"});
  receiver_.set_secrets("/flaky", {endpoint["secret"].get<std::string>()});
  receiver_.script("/flaky", json::array({{{"status", 500}}, {{"status", 503}, {"headers", {{"retry-after", "0"}}}}}));
  publish_ok("order.accepted");
  auto received = receiver_.wait_for("/flaky", 3);
  ASSERT_EQ(received.size(), 3u) << receiver_.describe();
  EXPECT_EQ(received[0].status_returned, 500);
  EXPECT_EQ(received[1].status_returned, 503);
  EXPECT_EQ(received[2].status_returned, 200);
  for (const auto& request : received) {
    EXPECT_EQ(request.webhook_id, received[0].webhook_id);
    EXPECT_TRUE(request.verified) << request.verify_error;
  }
  EXPECT_NE(received[0].webhook_timestamp, std::nullopt);
}

TEST_F(WebhookDeliveryTest, PublishingValidatesItsInput) {
  auto expect_error = [&](const json& body, int status, const std::string& code, const std::string& param) {
    auto response = publish(body);
    EXPECT_EQ(response.status, status) << body.dump() << " → " << response.body;
    EXPECT_EQ(response.json()["error"]["code"], code) << response.body;
    if (!param.empty()) {
      EXPECT_EQ(response.json()["error"]["param"], param) << response.body;
    }
  };
  json data = {{"x", 1}};
  expect_error({{"account", account_}, {"type", "order.nope"}, {"data", data}}, 400, "INVALID_PARAMETER", "type");
  expect_error({{"account", "acct_nobody"}, {"type", "order.accepted"}, {"data", data}}, 404, "RESOURCE_MISSING",
               "account");
  expect_error({{"account", "nope"}, {"type", "order.accepted"}, {"data", data}}, 400, "INVALID_PARAMETER", "account");
  expect_error({{"account", account_}, {"type", "order.accepted"}, {"data", "text"}}, 400, "INVALID_PARAMETER", "data");
  expect_error({{"account", account_}, {"type", "order.accepted"}}, 400, "MISSING_PARAMETER", "data");
  expect_error({{"account", account_}, {"type", "order.accepted"}, {"data", data}, {"colour", "blue"}}, 400,
               "UNKNOWN_PARAMETER", "colour");
  expect_error({{"account", account_}, {"type", "order.accepted"}, {"data", data}, {"id", "evt_has space"}}, 400,
               "INVALID_PARAMETER", "id");
  expect_error({{"account", account_}, {"type", 5}, {"data", data}}, 400, "INVALID_PARAMETER", "type");
  expect_error({{"account", account_}, {"type", "order.accepted"}, {"data", data}, {"occurred_at", "yesterday"}}, 400,
               "INVALID_PARAMETER", "occurred_at");
  expect_error({{"account", account_}, {"type", "order.accepted"}, {"data", {{"blob", std::string(300 * 1024, 'x')}}}},
               413, "BODY_TOO_LARGE", "data");

  auto unauthenticated = post(server_->port(), "/internal/v1/events", "not-the-operator-token",
                              {{"account", account_}, {"type", "order.accepted"}, {"data", data}});
  EXPECT_EQ(unauthenticated.status, 401) << unauthenticated.body;
}

TEST_F(WebhookDeliveryTest, RepublishingAnIdReturnsTheOriginal) {
  register_endpoint("/once", {"order.accepted"});
  json body = {{"id", "evt_replay1"}, {"account", account_}, {"type", "order.accepted"}, {"data", {{"n", 1}}}};
  auto first = publish(body);
  auto second = publish(body);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(first.json()["duplicate"], false);
  EXPECT_EQ(second.json()["duplicate"], true);
  EXPECT_EQ(second.json()["id"], "evt_replay1");
  auto other_type = body;
  other_type["type"] = "order.created";
  auto conflict = publish(other_type);
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  auto received = receiver_.wait_for("/once", 1);
  ASSERT_EQ(received.size(), 1u);
}

TEST_F(WebhookDeliveryTest, TheEventsPublishCommandPublishesLikeTheRoute) {
  auto endpoint = register_endpoint("/cli", {"order.accepted"});
  receiver_.set_secrets("/cli", {endpoint["secret"].get<std::string>()});
  Process cli({hookgate_binary(), "events", "publish", "--account", account_, "--type", "order.accepted", "--data",
               R"({"from": "terminal"})", "--id", "evt_fromcli1"},
              {.env = {{"HOOKGATE_DATABASE_URL", server_->config().database_url}}});
  ASSERT_TRUE(cli.wait().exited(0)) << cli.describe();
  auto printed = json::parse(cli.stdout_text());
  EXPECT_EQ(printed["id"], "evt_fromcli1");
  EXPECT_EQ(printed["deliveries"], 1);
  auto received = receiver_.wait_for("/cli", 1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0].verified) << received[0].verify_error;
  EXPECT_EQ(json::parse(received[0].body)["data"], json({{"from", "terminal"}}));

  Process bad({hookgate_binary(), "events", "publish", "--account", account_, "--type", "order.accepted", "--data",
               "{not json"},
              {.env = {{"HOOKGATE_DATABASE_URL", server_->config().database_url}}});
  auto status = bad.wait();
  EXPECT_FALSE(status.exited(0));
  EXPECT_THAT(bad.stderr_text(), ::testing::HasSubstr("--data"));
}

}  // namespace
}  // namespace hookgate::testing

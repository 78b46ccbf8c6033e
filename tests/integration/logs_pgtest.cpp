// The log of a real hookgate process over a whole scenario: one JSON line per
// request (request id, route, status, duration, account and key id) and per
// delivery attempt, and not one secret — API keys, rolled keys, signing
// secrets, the operator token, a wrong key that was tried — anywhere in it.

#include "support/api_fixture.h"
#include "support/hookgate_process.h"
#include "support/process.h"
#include "support/test_database.h"
#include "support/webhook_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

TEST(Logs, OneJsonLinePerRequestAndAttemptAndNoSecretAnywhere) {
  WebhookReceiver receiver;
  const std::string operator_token = "logs-test-operator-token-5f2a9c";
  Process hookgate({hookgate_binary(), "serve", "--no-migrate"},
                   {.env = {{"HOOKGATE_DATABASE_URL", fresh_database()},
                            {"HOOKGATE_SECRETS_KEYS", kTestSecretsKeys},
                            {"HOOKGATE_LISTEN", "127.0.0.1:0"},
                            {"HOOKGATE_OPERATOR_TOKEN", operator_token},
                            {"HOOKGATE_ALLOW_PRIVATE_TARGETS", "1"},
                            {"HOOKGATE_RETRY_SCHEDULE", "0,100ms"},
                            {"HOOKGATE_LOG_LEVEL", "debug"}},
                    .unset_env = {"HOOKGATE_ROLE"}});
  auto port = wait_until_ready(hookgate);

  // The operator token is the fixture's; this process has its own, so requests go by hand.
  auto operator_post = [&](const std::string& target, const json& body) {
    auto response = request(port, "POST", target, body.dump(),
                            {{"Authorization", "Bearer " + operator_token}, {"Content-Type", "application/json"}});
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    return response.json();
  };
  std::vector<std::string> secrets = {operator_token};
  auto account = operator_post("/internal/v1/accounts", {{"name", "logs"}})["id"].get<std::string>();
  auto sk = operator_post("/internal/v1/accounts/" + account + "/api_keys", {{"kind", "sk"}, {"bundle", "full"}});
  auto pk = operator_post("/internal/v1/accounts/" + account + "/api_keys",
                          {{"kind", "pk"}, {"scopes", {"webhooks.deliveries:read"}}});
  auto key = sk["secret"].get<std::string>();
  secrets.push_back(key);
  secrets.push_back(pk["secret"].get<std::string>());
  auto rolled = operator_post("/internal/v1/api_keys/" + sk["id"].get<std::string>() + "/roll",
                              {{"grace_period_seconds", 3600}});
  secrets.push_back(rolled["secret"].get<std::string>());

  auto endpoint = post(port, "/v1/webhook_endpoints", key,
                       {{"url", receiver.url("/logs")}, {"enabled_events", {"order.accepted"}}});
  ASSERT_EQ(endpoint.status, 200) << endpoint.body;
  auto endpoint_id = endpoint.json()["id"].get<std::string>();
  secrets.push_back(endpoint.json()["secret"].get<std::string>());
  auto rolled_secret = post(port, "/v1/webhook_endpoints/" + endpoint_id + "/secret/roll", key);
  ASSERT_EQ(rolled_secret.status, 200) << rolled_secret.body;
  secrets.push_back(rolled_secret.json()["secret"].get<std::string>());
  receiver.set_secrets("/logs", {rolled_secret.json()["secret"].get<std::string>()});
  receiver.script("/logs", json::array({{{"status", 500}}}));

  operator_post("/internal/v1/events", {{"account", account}, {"type", "order.accepted"}, {"data", {{"n", 1}}}});
  ASSERT_EQ(receiver.wait_for("/logs", 2).size(), 2u) << receiver.describe();
  const std::string wrong_key = "sk_" + std::string(43, 'Q');
  secrets.push_back(wrong_key);
  EXPECT_EQ(get(port, "/v1/event_types", wrong_key).status, 401);
  EXPECT_EQ(get(port, "/v1/webhook_endpoints", pk["secret"].get<std::string>()).status, 403);
  // The receiver has the second request; a retry is refused until its result is recorded.
  std::string delivery;
  ASSERT_TRUE(eventually(
      [&] {
        auto listed = get(port, "/v1/webhook_deliveries", key).json()["data"];
        if (listed.empty() || listed[0]["status"] != "succeeded") return false;
        delivery = listed[0]["id"].get<std::string>();
        return true;
      },
      10s));
  EXPECT_EQ(post(port, "/v1/webhook_deliveries/" + delivery + "/retry", key).status, 200);
  ASSERT_EQ(receiver.wait_for("/logs", 3).size(), 3u);
  ASSERT_TRUE(eventually(
      [&] {
        auto attempts = get(port, "/v1/webhook_deliveries/" + delivery, key).json()["attempts"];
        return attempts.size() == 3 && attempts[2]["outcome"] == "succeeded";
      },
      10s));

  hookgate.kill(SIGTERM);
  ASSERT_TRUE(hookgate.wait_for(20s).has_value());
  auto log = hookgate.stderr_text() + hookgate.stdout_text();

  std::vector<json> requests, attempts;
  for (const auto& line : json_lines(hookgate.stderr_text())) {
    EXPECT_TRUE(line.contains("ts") && line.contains("level") && line.contains("msg")) << line.dump();
    if (line["msg"] == "request") requests.push_back(line);
    if (line["msg"] == "delivery attempt") attempts.push_back(line);
  }
  ASSERT_GE(requests.size(), 12u);
  std::set<std::string> request_ids;
  bool saw_forbidden = false;
  for (const auto& line : requests) {
    request_ids.insert(line["request_id"].get<std::string>());
    EXPECT_TRUE(line["status"].is_number() && line["duration_ms"].is_number() && line["route"].is_string())
        << line.dump();
    if (line["route"] == "endpoints.list" && line["status"] == 403) {
      saw_forbidden = true;
      EXPECT_EQ(line["key_id"], pk["id"]) << "the key is named by its id";
      EXPECT_EQ(line["account"], account);
    }
  }
  EXPECT_TRUE(saw_forbidden);
  EXPECT_EQ(request_ids.size(), requests.size()) << "one line per request";
  ASSERT_EQ(attempts.size(), 3u) << log;
  EXPECT_EQ(attempts[0]["delivery"], delivery);
  EXPECT_EQ(attempts[0]["status_code"], 500);
  EXPECT_EQ(attempts[2]["outcome"], "succeeded");

  for (const auto& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "a secret is in the log: " << secret.substr(0, 8) << "…";
    // Not even the random part on its own (e.g. logged without its prefix).
    auto body = secret.substr(secret.find('_') + 1);
    EXPECT_EQ(log.find(body), std::string::npos) << "part of a secret is in the log: " << secret.substr(0, 8) << "…";
  }
}

}  // namespace
}  // namespace hookgate::testing

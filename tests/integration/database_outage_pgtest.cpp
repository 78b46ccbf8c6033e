// A database that goes away and comes back (issue 15, DESIGN §9): a real
// `hookgate serve` on a PostgreSQL cluster of this test's own, stopped with
// `pg_ctl stop -m immediate` after every pooled connection was opened.
// During the outage every request gets 503 with Retry-After and a JSON error
// (never a 500, a dropped connection or a hang) and /readyz is 503; once
// PostgreSQL is back on the same port, the same process serves again, and a
// publish acknowledged before the stop is delivered, as is every publish
// acknowledged under load around the ten-second outage.

#include "support/api_fixture.h"
#include "support/concurrent_calls.h"
#include "support/hookgate_process.h"
#include "support/process.h"
#include "support/scratch_cluster.h"
#include "support/test_database.h"
#include "support/webhook_receiver.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int kPoolSize = 4;

// One attempt a second for long enough to outlast the outage.
std::string retry_every_second() {
  std::string schedule = "0";
  for (int i = 0; i < 60; ++i) schedule += ",1s";
  return schedule;
}

std::optional<std::string> delivery_status(const std::string& url, const std::string& event_id) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  auto rows = tx.exec_params("SELECT status FROM webhook_deliveries WHERE event_id = $1", event_id);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

bool received_with_200(WebhookReceiver& receiver, const std::string& path, const std::string& event_id) {
  for (const auto& webhook : receiver.received(path)) {
    if (webhook.status_returned == 200 && json::parse(webhook.body)["id"] == event_id) return true;
  }
  return false;
}

TEST(DatabaseOutage, RequestsGet503WhilePostgresIsDownAndTheSameProcessResumesAfterwards) {
  ScratchCluster cluster;
  WebhookReceiver receiver;
  Process hookgate({hookgate_binary(), "serve"},
                   {.env = {{"HOOKGATE_DATABASE_URL", cluster.url()},
                            {"HOOKGATE_LISTEN", "127.0.0.1:0"},
                            {"HOOKGATE_OPERATOR_TOKEN", kOperatorToken},
                            {"HOOKGATE_SECRETS_KEYS", kTestSecretsKeys},
                            {"HOOKGATE_ALLOW_PRIVATE_TARGETS", "1"},
                            {"HOOKGATE_DB_POOL_SIZE", std::to_string(kPoolSize)},
                            {"HOOKGATE_DB_ACQUIRE_TIMEOUT_MS", "2000"},
                            {"HOOKGATE_RATE_LIMIT_PER_SECOND", "1000000"},
                            {"HOOKGATE_RATE_LIMIT_BURST", "1000000"},
                            {"HOOKGATE_DELIVERY_POLL_MS", "200"},
                            {"HOOKGATE_RETRY_SCHEDULE", retry_every_second()},
                            {"HOOKGATE_LOG_LEVEL", "info"}},
                    .unset_env = {"HOOKGATE_ROLE"}});
  auto port = wait_until_ready(hookgate);
  ApiFixture api(port);
  auto account = api.create_account("outage");
  auto key = api.create_key(account, "sk", {}, "full");
  // Subscribed to two types; the load below publishes a third, so that only
  // the two events this test follows are delivered.
  auto created = post(port, kEndpointsPath, key.secret,
                      {{"url", receiver.url("/outage")}, {"enabled_events", {"order.accepted", "order.fulfilled"}}});
  ASSERT_EQ(created.status, 200) << created.body;
  auto endpoint = created.json()["id"].get<std::string>();
  receiver.set_secrets("/outage", {created.json()["secret"].get<std::string>()});

  // A publish acknowledged before the stop whose delivery is still pending
  // over the outage: the receiver fails it until PostgreSQL is back.
  receiver.script("/outage", json::array(), {{"status", 500}});
  auto pending_event = api.publish_event(account, "order.accepted", {{"before", "outage"}});
  ASSERT_FALSE(receiver.wait_for("/outage", 1).empty()) << hookgate.describe();

  const Headers bearer = {{"Authorization", "Bearer " + key.secret}};
  const Headers operator_auth = {{"Authorization", std::string("Bearer ") + kOperatorToken},
                                 {"Content-Type", "application/json"}};
  const std::vector<Call> calls = {
      {"GET", kEndpointsPath, "", bearer},
      {"GET", kEndpointsPath + "/" + endpoint, "", bearer},
      {"GET", "/v1/webhook_deliveries", "", bearer},
      {"POST", "/internal/v1/events",
       json{{"account", account}, {"type", "order.accepted"}, {"data", {{"load", true}}}}.dump(), operator_auth},
      {"GET", "/readyz", "", {}},
  };

  // Every publish acknowledged (200) at any point must be delivered in the end.
  std::mutex acknowledged_mutex;
  std::set<std::string> acknowledged;
  auto note_acknowledged = [&](const Call& call, const HttpResponse& response) {
    if (call.target != "/internal/v1/events" || response.status != 200) return;
    std::lock_guard lock(acknowledged_mutex);
    acknowledged.insert(response.json()["id"].get<std::string>());
  };

  // Every pooled connection (and the worker's two) is open before the stop.
  Check succeeded = [&](const Call& call, const HttpResponse& response) {
    note_acknowledged(call, response);
    return response.status == 200 ? "" : "status " + std::to_string(response.status) + " " + response.body;
  };
  bool all_open = eventually(
      [&] {
        EXPECT_EQ(summary(run_concurrently(calls, {port}, succeeded)), "");
        return hookgate_connections(cluster.url()) >= kPoolSize + 2;
      },
      20s, 10ms);
  ASSERT_TRUE(all_open) << hookgate_connections(cluster.url()) << " connections\n" << hookgate.describe();

  // Load that runs across the stop: requests caught mid-transaction by it
  // get 503 too, never a 500 or a dropped connection.
  Check succeeded_or_unavailable = [&](const Call& call, const HttpResponse& response) {
    note_acknowledged(call, response);
    return response.status == 200 ? std::string() : unless_unavailable(call, response);
  };
  std::atomic<int> load_rounds{0};
  std::vector<std::string> load_failures;
  std::jthread load([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      auto failures = run_concurrently(calls, {port}, succeeded_or_unavailable);
      load_failures.insert(load_failures.end(), failures.begin(), failures.end());
      ++load_rounds;
    }
  });
  ASSERT_TRUE(eventually([&] { return load_rounds >= 1; }, 10s, 1ms));  // the load is under way
  cluster.crash();
  // About ten seconds of outage under load (at least three rounds).
  std::vector<std::string> outage_failures;
  auto outage_until = std::chrono::steady_clock::now() + 10s;
  for (int round = 0; round < 3 || std::chrono::steady_clock::now() < outage_until; ++round) {
    for (const auto& failure : run_concurrently(calls, {port}, unless_unavailable)) outage_failures.push_back(failure);
  }
  EXPECT_EQ(summary(outage_failures), "");
  load.request_stop();
  load.join();
  EXPECT_EQ(summary(load_failures), "");

  cluster.resume();
  receiver.script("/outage", json::array());  // deliveries succeed from now on
  bool serving = eventually([&] { return get(port, kEndpointsPath, key.secret).status == 200; }, 30s, 100ms);
  ASSERT_TRUE(serving) << hookgate.describe();
  EXPECT_TRUE(eventually([&] { return request(port, "GET", "/readyz").status == 200; }, 30s, 100ms));
  EXPECT_EQ(summary(run_concurrently(calls, {port}, succeeded)), "");
  EXPECT_FALSE(hookgate.poll().has_value()) << "hookgate exited: " << hookgate.describe();

  // The pending delivery is claimed again and succeeds; a new publish is delivered.
  EXPECT_TRUE(eventually([&] { return received_with_200(receiver, "/outage", pending_event); }, 30s, 100ms))
      << receiver.describe();
  EXPECT_TRUE(eventually([&] { return delivery_status(cluster.url(), pending_event) == "succeeded"; }, 10s, 50ms));
  auto after_event = api.publish_event(account, "order.fulfilled", {{"after", "outage"}});
  EXPECT_TRUE(eventually([&] { return received_with_200(receiver, "/outage", after_event); }, 30s, 100ms));

  // No acknowledged publish was lost: each has its delivery, and it succeeds.
  ASSERT_FALSE(acknowledged.empty());
  EXPECT_TRUE(eventually([&] { return undelivered(cluster.url(), acknowledged) == 0; }, 60s, 200ms))
      << undelivered(cluster.url(), acknowledged) << " of " << acknowledged.size()
      << " acknowledged publishes not delivered";

  // The LISTEN connection came back by itself (the key cache trusts itself again).
  EXPECT_TRUE(eventually(
      [&] {
        int lost = 0, active = 0;
        for (const auto& line : json_lines(hookgate.stderr_text())) {
          auto msg = line.value("msg", "");
          if (msg.starts_with("notification connection lost")) ++lost;
          if (msg.starts_with("change notifications active")) ++active;
        }
        return lost >= 1 && active >= 2;
      },
      10s, 50ms))
      << hookgate.describe();

  hookgate.kill(SIGTERM);
  EXPECT_TRUE(hookgate.wait().exited(0)) << hookgate.describe();
}

}  // namespace
}  // namespace hookgate::testing

// GET /metrics after real traffic: the counters read back equal what the test
// did (a fresh server starts every series at zero).

#include "support/api_fixture.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Every sample line of the exposition, by its full series name.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

TEST(MetricsTest, CountersFollowTheTrafficTheyMeasure) {
  WebhookReceiver receiver;
  auto server = TestServer::start([](Config& config) {
    config.role = Config::Role::all;
    config.delivery_poll_interval = 200ms;
  });
  ApiFixture api(*server);
  auto account = api.create_account("metrics");
  auto owner = api.create_key(account, "sk", {}, "full");
  auto dashboard = api.create_key(account, "pk", {"webhooks.deliveries:read"});

  for (int i = 0; i < 3; ++i) ASSERT_EQ(get(server->port(), "/v1/event_types", owner.secret).status, 200);
  EXPECT_EQ(get(server->port(), "/v1/event_types", "").status, 401);
  EXPECT_EQ(get(server->port(), "/v1/webhook_endpoints", dashboard.secret).status, 403);
  EXPECT_EQ(get(server->port(), "/v1/webhook_endpoints", dashboard.secret).status, 403);
  auto created = post(server->port(), "/v1/webhook_endpoints", owner.secret,
                      {{"url", receiver.url("/metrics")}, {"enabled_events", {"order.accepted"}}});
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_EQ(api.operator_request("POST", "/internal/v1/events",
                                 json{{"account", account}, {"type", "order.accepted"}, {"data", json::object()}})
                .status,
            200);
  ASSERT_EQ(receiver.wait_for("/metrics", 1).size(), 1u);

  std::map<std::string, double> values;
  ASSERT_TRUE(eventually(
      [&] {
        auto response = get(server->port(), "/metrics", "");
        if (response.status != 200) return false;
        values = samples(response.body);
        return values["hookgate_delivery_attempts_total{outcome=\"succeeded\"}"] == 1;
      },
      10s))
      << "the attempt's result is recorded, then counted";

  auto response = get(server->port(), "/metrics", "");
  EXPECT_THAT(response.header("content-type"), ::testing::StartsWith("text/plain; version=0.0.4"));
  EXPECT_EQ(values["hookgate_http_requests_total{route=\"event_types.list\",method=\"GET\",status=\"200\"}"], 3);
  EXPECT_EQ(values["hookgate_http_requests_total{route=\"event_types.list\",method=\"GET\",status=\"401\"}"], 1);
  EXPECT_EQ(values["hookgate_http_requests_total{route=\"endpoints.list\",method=\"GET\",status=\"403\"}"], 2);
  EXPECT_EQ(values["hookgate_http_request_duration_seconds_count{route=\"event_types.list\"}"], 4);
  EXPECT_EQ(values["hookgate_http_request_duration_seconds_bucket{route=\"event_types.list\",le=\"+Inf\"}"], 4);
  EXPECT_EQ(values["hookgate_auth_outcomes_total{outcome=\"unauthenticated\",scope=\"\"}"], 1);
  EXPECT_EQ(values["hookgate_auth_outcomes_total{outcome=\"forbidden\",scope=\"webhooks.endpoints:read\"}"], 2);
  EXPECT_GE(values["hookgate_auth_outcomes_total{outcome=\"allowed\",scope=\"\"}"], 4);
  EXPECT_EQ(values["hookgate_delivery_attempt_duration_seconds_count"], 1);
  EXPECT_EQ(values.count("hookgate_delivery_queue_depth"), 1u);
  EXPECT_EQ(values.count("hookgate_delivery_oldest_due_age_seconds"), 1u);
  EXPECT_EQ(values["hookgate_db_pool_connections_api{state=\"size\"}"] >= 1, true);
  EXPECT_EQ(values.count("hookgate_db_pool_connections_api{state=\"waiting\"}"), 1u);
  double ratio = values["hookgate_key_cache_hit_ratio"];
  EXPECT_GT(ratio, 0) << "repeated requests with one key hit the cache";
  EXPECT_LE(ratio, 1);
  EXPECT_GE(values["hookgate_key_cache_lookups{result=\"hit\"}"], 1);
  EXPECT_THAT(response.body, ::testing::HasSubstr("# TYPE hookgate_http_request_duration_seconds histogram"));
}

TEST(MetricsTest, QueueDepthCountsDueDeliveries) {
  auto server = TestServer::start();  // API only: nothing drains the queue
  ApiFixture api(*server);
  auto account = api.create_account("queue");
  auto owner = api.create_key(account, "sk", {}, "full");
  ASSERT_EQ(post(server->port(), "/v1/webhook_endpoints", owner.secret,
                 {{"url", "http://127.0.0.1:9/q"}, {"enabled_events", {"order.accepted"}}})
                .status,
            200);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(api.operator_request("POST", "/internal/v1/events",
                                   json{{"account", account}, {"type", "order.accepted"}, {"data", json::object()}})
                  .status,
              200);
  }
  // Read in the background (every 100 ms in tests): the depth shows at the next reading.
  std::map<std::string, double> values;
  EXPECT_TRUE(eventually([&] {
    values = samples(get(server->port(), "/metrics", "").body);
    return values["hookgate_delivery_queue_depth"] == 3;
  }, 10s)) << values["hookgate_delivery_queue_depth"];
  EXPECT_GE(values["hookgate_delivery_oldest_due_age_seconds"], 0);
}

// A scrape answers from memory: with every database connection taken, the
// database's gauges still show their last reading, at once.
TEST(MetricsTest, AScrapeNeedsNoDatabaseConnection) {
  auto server = TestServer::start([](Config& config) {
    config.db_pool_size = 1;
    config.db_acquire_timeout = 60s;  // a scrape that waited for it would hang the test
    config.key_use_flush_interval = std::chrono::hours(1);
    config.maintenance_interval = 0s;
  });
  ASSERT_TRUE(eventually([&] {
    return samples(get(server->port(), "/metrics", "").body).count("hookgate_delivery_queue_depth") == 1;
  }, 10s));
  auto held = server->app().pool().acquire();
  auto response = get(server->port(), "/metrics", "");
  EXPECT_EQ(response.status, 200);
  auto values = samples(response.body);
  EXPECT_EQ(values.count("hookgate_delivery_queue_depth"), 1u) << "the last reading, kept";
  EXPECT_EQ(values["hookgate_db_pool_connections_api{state=\"in_use\"}"], 1);
}

}  // namespace
}  // namespace hookgate::testing

// The deliveries dashboard (GET /dashboard) in a real browser: Debian's
// chromium driven by tests/dashboard/dashboard.test.mjs (npm playwright-core)
// against a TestServer with seeded endpoints, deliveries and attempts. The
// browser's screenshot is kept as <build>/tests/artifacts/dashboard.png.

#include "support/api_fixture.h"
#include "support/process.h"
#include "support/scope_reference.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <csignal>
#include <filesystem>
#include <map>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // No delivery workers: the deliveries keep exactly the states seeded here.
    server_ = TestServer::start([](Config& config) { config.role = Config::Role::api; });
    api_ = std::make_unique<ApiFixture>(*server_);
    account_ = api_->create_account("dashboard");
    sk_ = api_->create_key(account_, "sk", {}, "full");
    pk_ = api_->create_key(account_, "pk", {"webhooks.deliveries:read"});
  }

  std::string endpoint(const CreatedKey& key, const std::string& path, const std::vector<std::string>& events) {
    auto created = post(server_->port(), "/v1/webhook_endpoints", key.secret,
                        {{"url", "http://127.0.0.1:9" + path}, {"enabled_events", events}});
    EXPECT_EQ(created.status, 200) << created.body;
    return created.json().value("id", "");
  }

  // Publishes one event; returns its deliveries by endpoint.
  std::map<std::string, std::string> publish(const std::string& type) {
    return deliveries_by_endpoint(server_->config().database_url,
                                  api_->publish_event(account_, type, {{"order", "ord_1"}}));
  }

  // Records one finished attempt and gives the delivery its outcome.
  void finish(const std::string& delivery, const std::string& outcome, int status_code) {
    query("INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, "
          "duration_us, outcome, status_code, error, response_snippet) VALUES ('wha_" + delivery.substr(4) + "', '" +
          delivery + "', '" + account_ + "', 1, now() - interval '2 seconds', now() - interval '1 second', 84000, '" +
          outcome + "', " + std::to_string(status_code) + ", " +
          (outcome == "failed" ? "'HTTP " + std::to_string(status_code) + "'" : "NULL") + ", '<b>receiver said</b>')");
    // A finished delivery leaves the queue; a failed one carries failed_at.
    query("DELETE FROM webhook_delivery_queue WHERE delivery_id = '" + delivery + "'");
    query("UPDATE webhook_deliveries SET status = '" + outcome + "', failed_at = " +
          (outcome == "failed" ? "now()" : "NULL") + ", attempt_count = 1, "
          "last_attempt_at = now() - interval '1 second', last_status_code = " + std::to_string(status_code) +
          " WHERE id = '" + delivery + "'");
  }

  // Newest first, as the API lists them.
  std::vector<std::string> ids(const std::string& where = "TRUE") {
    std::vector<std::string> out;
    for (const auto& row : query("SELECT id FROM webhook_deliveries WHERE account_id = '" + account_ + "' AND " +
                                 where + " ORDER BY created_at DESC, seq DESC")) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  }

  pqxx::result query(const std::string& sql) { return run_sql(server_->config().database_url, sql); }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ApiFixture> api_;
  std::string account_;
  CreatedKey sk_;
  CreatedKey pk_;
};

TEST_F(DashboardTest, ServesThePageWithAStrictContentSecurityPolicy) {
  for (const auto& [path, type] : std::vector<std::pair<std::string, std::string>>{
           {"/dashboard", "text/html"}, {"/dashboard/app.js", "text/javascript"}, {"/dashboard/style.css", "text/css"}}) {
    auto response = request(server_->port(), "GET", path);
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.header("content-type").rfind(type, 0), 0u) << path << ": " << response.header("content-type");
    EXPECT_NE(response.header("content-security-policy").find("default-src 'none'"), std::string::npos) << path;
    EXPECT_EQ(response.header("x-content-type-options"), "nosniff") << path;
  }
  auto page = request(server_->port(), "GET", "/dashboard").body;
  EXPECT_NE(page.find("/dashboard/app.js"), std::string::npos);
  EXPECT_EQ(page.find("<script>"), std::string::npos) << "no inline scripts: the policy would block them";
  EXPECT_EQ(read_file_bytes(source_dir() + "/dashboard/index.html"), page) << "the build embeds dashboard/ as it is";
}

TEST_F(DashboardTest, TheRootAndATrailingSlashLeadToIt) {
  auto root = request(server_->port(), "GET", "/");
  EXPECT_EQ(root.status, 302) << root.body;
  EXPECT_EQ(root.header("location"), "/dashboard");
  auto slash = request(server_->port(), "GET", "/dashboard/");
  EXPECT_EQ(slash.status, 308) << slash.body;
  EXPECT_EQ(slash.header("location"), "/dashboard");
  EXPECT_EQ(request(server_->port(), "POST", "/").status, 405);
}

TEST_F(DashboardTest, APersonSeesFiltersAndRetriesDeliveriesInARealBrowser) {
  const std::string dashboard_dir = source_dir() + "/tests/dashboard";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium") &&
              std::filesystem::exists(dashboard_dir + "/node_modules/playwright-core/package.json"))
      << "the browser test needs chromium and playwright-core; run `bash scripts/dashboard-deps.sh`";

  auto accepted = endpoint(sk_, "/accepted", {"order.accepted"});
  auto orders = endpoint(sk_, "/orders", {"order.*"});
  // A subscription whose key is then revoked shows as not authorized.
  auto other_key = api_->create_key(account_, "sk", {}, "full");
  auto orphan = endpoint(other_key, "/orphan", {"order.created"});
  api_->revoke_key(other_key.id);

  std::vector<std::map<std::string, std::string>> events;
  for (int i = 0; i < 3; ++i) events.push_back(publish("order.accepted"));
  events.push_back(publish("order.created"));
  ASSERT_EQ(ids().size(), 7u) << "3 x 2 order.accepted deliveries, 1 order.created to the authorized endpoint";
  finish(events[0][accepted], "failed", 500);
  finish(events[1][accepted], "failed", 500);
  finish(events[0][orders], "succeeded", 200);
  auto failed = ids("status = 'failed'");
  ASSERT_EQ(failed.size(), 2u);
  const std::string retried = failed.front();

  json expect = {
      {"sk_key", sk_.secret},
      {"pk_key", pk_.secret},
      {"endpoints", {accepted, orders, orphan}},
      {"unauthorized_endpoint", orphan},
      {"deliveries", ids()},
      {"failed", failed},
      {"endpoint_filter", {{"endpoint", orders}, {"deliveries", ids("endpoint_id = '" + orders + "'")}}},
      {"event_type_filter", {{"event_type", "order.created"}, {"deliveries", ids("event_type = 'order.created'")}}},
      {"retry", retried},
  };
  auto artifacts = std::filesystem::path(HOOKGATE_TEST_STATE_DIR).parent_path() / "artifacts";
  std::filesystem::create_directories(artifacts);
  auto screenshot = artifacts / "dashboard.png";
  std::filesystem::remove(screenshot);

  Process browser({"node", dashboard_dir + "/dashboard.test.mjs", "--url",
                   "http://127.0.0.1:" + std::to_string(server_->port()), "--screenshot", screenshot.string()},
                  {.env = {{"HOOKGATE_DASHBOARD_EXPECT", expect.dump()}}});
  auto status = browser.wait_for(120s);
  if (!status) browser.kill(SIGKILL);
  ASSERT_TRUE(status && status->exited(0)) << browser.describe();

  ASSERT_TRUE(std::filesystem::exists(screenshot)) << browser.describe();
  auto png = read_file_bytes(screenshot.string());
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << "the screenshot is a PNG";

  // The Retry button really asked for a retry, on behalf of the sk_ key.
  auto retries = query("SELECT requested_by FROM webhook_delivery_retries WHERE delivery_id = '" + retried + "'");
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0][0].as<std::string>(), sk_.id);
  EXPECT_EQ(query("SELECT status FROM webhook_deliveries WHERE id = '" + retried + "'")[0][0].as<std::string>(),
            "pending");
  EXPECT_EQ(query("SELECT count(*) FROM webhook_delivery_retries")[0][0].as<int>(), 1) << "only that one";
}

}  // namespace
}  // namespace hookgate::testing

// Sending deliveries again: POST /v1/webhook_deliveries/{id}/retry and retry
// jobs (POST /v1/webhook_endpoints/{id}/recover), end to end into the Node
// receiver that verifies signatures with npm `standardwebhooks`, across a
// restart of hookgate, and the jobs' rate limit step by step.

#include "core/timefmt.h"
#include "delivery/retry_job_runner.h"
#include "support/api_fixture.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <set>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string ago(std::chrono::hours hours) { return format_rfc3339(std::chrono::system_clock::now() - hours); }

class RetryTest : public ::testing::Test {
 protected:
  void start(Config::Role role, const std::function<void(Config&)>& adjust = {}) {
    server_ = TestServer::start([&](Config& config) {
      config.role = role;
      config.retry_schedule = {0ms};  // one attempt, then failed
      config.delivery_poll_interval = 200ms;
      if (adjust) adjust(config);
    });
    api_ = std::make_unique<ApiFixture>(*server_);
    account_ = api_->create_account("retries");
    key_ = api_->create_key(account_, "sk", {}, "full");
  }

  unsigned short port() const { return server_->port(); }

  std::string endpoint(const std::string& path) {
    auto created = post(port(), "/v1/webhook_endpoints", key_.secret,
                        {{"url", receiver_.url(path)}, {"enabled_events", {"order.accepted"}}});
    EXPECT_EQ(created.status, 200) << created.body;
    receiver_.set_secrets(path, {created.json()["secret"].get<std::string>()});
    return created.json()["id"].get<std::string>();
  }

  std::string publish(const std::string& hook) {
    auto response = api_->operator_request("POST", "/internal/v1/events",
                                           json{{"account", account_}, {"type", "order.accepted"}, {"data", json::object()}});
    EXPECT_EQ(response.status, 200) << response.body;
    auto rows = query("SELECT id FROM webhook_deliveries WHERE endpoint_id = '" + hook + "' AND event_id = '" +
                      response.json()["id"].get<std::string>() + "'");
    return rows.empty() ? std::string() : rows[0][0].as<std::string>();
  }

  pqxx::result query(const std::string& sql) { return run_sql(server_->config().database_url, sql); }

  json delivery(const std::string& id) { return get(port(), "/v1/webhook_deliveries/" + id, key_.secret).json(); }

  bool all_have_status(const std::vector<std::string>& ids, const std::string& status) {
    for (const auto& id : ids) {
      if (delivery(id)["status"] != status) return false;
    }
    return true;
  }

  json job(const std::string& id) { return get(port(), "/v1/retry_jobs/" + id, key_.secret).json(); }

  WebhookReceiver receiver_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ApiFixture> api_;
  std::string account_;
  CreatedKey key_;
};

TEST_F(RetryTest, ARetryResendsTheSameDeliveryAndRecordsWhoAskedForIt) {
  start(Config::Role::all);
  auto hook = endpoint("/retry");
  receiver_.script("/retry", json::array(), {{"status", 500}});
  auto id = publish(hook);
  ASSERT_TRUE(eventually([&] { return delivery(id)["status"] == "failed"; }, 15s)) << delivery(id).dump();

  receiver_.script("/retry", json::array(), nullptr);  // 200 from now on
  Headers idempotent = {{"Idempotency-Key", "retry-once"}};
  auto first = post(port(), "/v1/webhook_deliveries/" + id + "/retry", key_.secret, json::object(), idempotent);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["id"], id);
  EXPECT_EQ(first.json()["status"], "pending");
  auto again = post(port(), "/v1/webhook_deliveries/" + id + "/retry", key_.secret, json::object(), idempotent);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body) << "the same Idempotency-Key answers the first response again";

  auto received = receiver_.wait_for("/retry", 2);
  ASSERT_EQ(received.size(), 2u) << receiver_.describe();
  EXPECT_EQ(received[0].status_returned, 500);
  EXPECT_EQ(received[1].status_returned, 200);
  EXPECT_EQ(received[1].webhook_id, received[0].webhook_id);
  EXPECT_EQ(received[1].webhook_id, id);
  EXPECT_TRUE(received[1].verified) << received[1].verify_error;

  ASSERT_TRUE(eventually([&] { return delivery(id)["status"] == "succeeded"; }, 15s)) << delivery(id).dump();
  auto detail = delivery(id);
  ASSERT_EQ(detail["attempts"].size(), 2u) << detail.dump();
  EXPECT_EQ(detail["attempts"][0]["status_code"], 500);
  EXPECT_EQ(detail["attempts"][1]["status_code"], 200);
  ASSERT_EQ(detail["retries"].size(), 1u) << "the replayed request did not retry twice";
  EXPECT_EQ(detail["retries"][0]["requested_by"], key_.id);

  // Succeeded deliveries can be sent again too.
  auto resend = post(port(), "/v1/webhook_deliveries/" + id + "/retry", key_.secret);
  ASSERT_EQ(resend.status, 200) << resend.body;
  EXPECT_EQ(receiver_.wait_for("/retry", 3).size(), 3u);
}

TEST_F(RetryTest, RecoverResendsExactlyTheFailedDeliveriesOfTheWindow) {
  start(Config::Role::all);
  auto hook = endpoint("/recover");
  receiver_.script("/recover", json::array(), {{"status", 500}});
  std::vector<std::string> failed;
  for (int i = 0; i < 4; ++i) failed.push_back(publish(hook));
  ASSERT_TRUE(eventually([&] { return all_have_status(failed, "failed"); }, 20s));
  receiver_.script("/recover", json::array(), nullptr);
  auto succeeded = publish(hook);
  ASSERT_TRUE(eventually([&] { return all_have_status({succeeded}, "succeeded"); }, 15s));
  // One failure from before the window.
  auto old = failed.back();
  failed.pop_back();
  query("UPDATE webhook_deliveries SET created_at = now() - interval '3 days' WHERE id = '" + old + "'");
  receiver_.clear();

  auto created = post(port(), "/v1/webhook_endpoints/" + hook + "/recover", key_.secret, {{"since", ago(48h)}});
  ASSERT_EQ(created.status, 200) << created.body;
  auto job_id = created.json()["id"].get<std::string>();
  EXPECT_THAT(job_id, ::testing::StartsWith("whr_"));
  EXPECT_EQ(created.json()["object"], "retry_job");
  EXPECT_EQ(created.json()["endpoint"], hook);
  EXPECT_EQ(created.json()["total"], 3);

  ASSERT_TRUE(eventually([&] { return job(job_id)["status"] == "completed"; }, 20s)) << job(job_id).dump();
  auto finished = job(job_id);
  EXPECT_EQ(finished["done"], 3);
  EXPECT_EQ(finished["failed"], 0);
  EXPECT_EQ(finished["skipped"], 0);
  EXPECT_TRUE(finished["completed_at"].is_string());
  ASSERT_TRUE(eventually([&] { return all_have_status(failed, "succeeded"); }, 20s));

  std::set<std::string> resent;
  for (const auto& request : receiver_.received("/recover")) {
    EXPECT_TRUE(request.verified) << request.verify_error;
    resent.insert(request.webhook_id.value_or(""));
  }
  EXPECT_EQ(resent, std::set<std::string>(failed.begin(), failed.end()));
  EXPECT_EQ(receiver_.received("/recover").size(), 3u);
  EXPECT_EQ(delivery(old)["status"], "failed");
  auto retries = delivery(failed[0])["retries"];
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0]["retry_job"], job_id);
  EXPECT_EQ(retries[0]["requested_by"], key_.id);
}

TEST_F(RetryTest, ARetryJobFinishesAfterHookgateRestartsMidJob) {
  auto slow = [](Config& config) { config.recover_rate = 1; };  // one delivery per second
  start(Config::Role::all, slow);
  auto hook = endpoint("/restart");
  receiver_.script("/restart", json::array(), {{"status", 500}});
  std::vector<std::string> failed;
  for (int i = 0; i < 4; ++i) failed.push_back(publish(hook));
  ASSERT_TRUE(eventually([&] { return all_have_status(failed, "failed"); }, 20s));
  receiver_.script("/restart", json::array(), nullptr);
  receiver_.clear();

  auto created = post(port(), "/v1/webhook_endpoints/" + hook + "/recover", key_.secret, {{"since", ago(1h)}});
  ASSERT_EQ(created.status, 200) << created.body;
  auto job_id = created.json()["id"].get<std::string>();
  ASSERT_TRUE(eventually([&] { return job(job_id)["done"].get<int>() >= 1; }, 15s)) << job(job_id).dump();

  auto url = server_->config().database_url;
  auto config = server_->config();
  server_.reset();  // a process that stops mid-job
  auto row = run_sql(url, "SELECT status, done, total FROM webhook_retry_jobs WHERE id = '" + job_id + "'")[0];
  ASSERT_EQ(row[0].as<std::string>(), "running");
  ASSERT_LT(row[1].as<int>(), row[2].as<int>());

  server_ = std::make_unique<TestServer>(config);
  ASSERT_TRUE(eventually([&] { return job(job_id)["status"] == "completed"; }, 30s)) << job(job_id).dump();
  EXPECT_EQ(job(job_id)["done"], 4);
  std::set<std::string> resent;
  for (const auto& request : receiver_.wait_for("/restart", 4)) resent.insert(request.webhook_id.value_or(""));
  EXPECT_EQ(resent, std::set<std::string>(failed.begin(), failed.end()));
}

// With no worker in the server, the test advances the job itself: each slice
// sends at most rate × tick deliveries and the job then rests for the tick,
// whichever process asks.
TEST_F(RetryTest, RetryJobsSendAtMostTheirRatePerTick) {
  start(Config::Role::api);
  auto hook = endpoint("/stepped");
  std::vector<std::string> failed;
  for (int i = 0; i < 6; ++i) failed.push_back(publish(hook));
  query("DELETE FROM webhook_delivery_queue");
  query("UPDATE webhook_deliveries SET status = 'failed', failed_at = now()");

  auto created = post(port(), "/v1/webhook_endpoints/" + hook + "/recover", key_.secret, {{"since", ago(1h)}});
  ASSERT_EQ(created.status, 200) << created.body;
  auto job_id = created.json()["id"].get<std::string>();
  EXPECT_EQ(created.json()["status"], "running");
  EXPECT_EQ(created.json()["total"], 6);
  auto second = post(port(), "/v1/webhook_endpoints/" + hook + "/recover", key_.secret, {{"since", ago(1h)}});
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(second.json()["error"]["code"], "RETRY_JOB_RUNNING");
  EXPECT_EQ(second.json()["error"]["retry_job"], job_id);

  // Two per minute: 2 per slice, one slice per minute.
  delivery::RetryJobRunner runner(server_->app().pool(), {2.0 / 60, 60s, 32});
  auto tick_passes = [&] { query("UPDATE webhook_retry_jobs SET next_slice_at = now()"); };
  EXPECT_EQ(runner.run_once(), 1);
  EXPECT_EQ(job(job_id)["done"], 2);
  EXPECT_EQ(runner.run_once(), 0) << "not due again within the tick";
  EXPECT_EQ(job(job_id)["done"], 2);
  EXPECT_EQ(query("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")[0][0].as<int>(), 2);

  // Someone retried one of the queued deliveries meanwhile: the job skips it.
  ASSERT_EQ(post(port(), "/v1/webhook_deliveries/" + failed[2] + "/retry", key_.secret).status, 200);
  tick_passes();
  EXPECT_EQ(runner.run_once(), 1);
  auto progress = job(job_id);
  EXPECT_EQ(progress["done"], 3);
  EXPECT_EQ(progress["skipped"], 1);
  EXPECT_EQ(progress["status"], "running");

  // The endpoint is disabled before the rest: they cannot be sent again.
  ASSERT_EQ(patch(port(), "/v1/webhook_endpoints/" + hook, key_.secret, {{"disabled", true}}).status, 200);
  tick_passes();
  EXPECT_EQ(runner.run_once(), 1);  // the last two
  auto finished = job(job_id);
  EXPECT_EQ(finished["status"], "completed") << finished.dump();
  EXPECT_EQ(finished["done"], 3);
  EXPECT_EQ(finished["skipped"], 1);
  EXPECT_EQ(finished["failed"], 2);
  tick_passes();
  EXPECT_EQ(runner.run_once(), 0) << "a completed job is never run again";
}

TEST_F(RetryTest, RecoverValidatesItsWindowAndTheEndpoint) {
  start(Config::Role::api);
  auto hook = endpoint("/validate");
  auto path = "/v1/webhook_endpoints/" + hook + "/recover";
  const std::vector<std::pair<json, std::string>> cases = {
      {json::object(), "since"},
      {{{"since", "yesterday"}}, "since"},
      {{{"since", 1764000000}}, "since"},
      {{{"since", ago(24 * 30h)}}, "since"},
      {{{"since", ago(1h)}, {"until", ago(2h)}}, "since"},
      {{{"since", ago(1h)}, {"until", format_rfc3339(std::chrono::system_clock::now() + 1h)}}, "until"},
      {{{"since", ago(1h)}, {"everything", true}}, "everything"},
  };
  for (const auto& [body, param] : cases) {
    auto response = post(port(), path, key_.secret, body);
    EXPECT_EQ(response.status, 400) << body.dump() << ": " << response.body;
    EXPECT_EQ(response.json()["error"]["param"], param) << body.dump() << ": " << response.body;
  }
  EXPECT_EQ(post(port(), "/v1/webhook_endpoints/we_missing00000000000000/recover", key_.secret, {{"since", ago(1h)}})
                .status,
            404);

  auto empty = post(port(), path, key_.secret, {{"since", ago(1h)}});
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.json()["total"], 0);
  EXPECT_EQ(empty.json()["status"], "completed") << "nothing failed: nothing to do";

  ASSERT_EQ(patch(port(), "/v1/webhook_endpoints/" + hook, key_.secret, {{"disabled", true}}).status, 200);
  auto disabled = post(port(), path, key_.secret, {{"since", ago(1h)}});
  EXPECT_EQ(disabled.status, 409) << disabled.body;
  EXPECT_EQ(disabled.json()["error"]["code"], "ENDPOINT_DISABLED");
  EXPECT_EQ(get(port(), "/v1/retry_jobs/whr_missing00000000000000", key_.secret).status, 404);
}

}  // namespace
}  // namespace hookgate::testing

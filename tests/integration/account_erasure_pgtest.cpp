// Account erasure: DELETE /internal/v1/accounts/{id} over real sockets, what
// stops at once (keys in every process, deliveries, publishing, new keys),
// the background batches until no row of the account is left in any table
// (walked from the catalogue, so a new table cannot be forgotten), other
// accounts untouched, a restart mid-erasure, and `hookgate accounts delete`.

#include "core/timefmt.h"
#include "support/api_fixture.h"
#include "support/hookgate_process.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <map>
#include <thread>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Nothing listens on port 1: every attempt fails at once.
constexpr const char* kRefusingUrl = "http://127.0.0.1:1/hook";

void quick_erasure(Config& config) {
  config.role = Config::Role::all;          // test servers run no workers unless told to
  config.retry_schedule = {0ms};            // one attempt, then failed
  config.delivery_timeout = 300ms;          // so the erasure's settle (one lease) is 1.3 s
  config.delivery_poll_interval = 200ms;
  config.erasure_batch = 3;                 // many batches of every kind
  config.erasure_pause = 10ms;
}

// Batches of one row each, `pause` apart: many batches, each one small.
std::function<void(Config&)> one_row_batches(std::chrono::milliseconds pause) {
  return [pause](Config& config) {
    quick_erasure(config);
    config.erasure_batch = 1;
    config.erasure_pause = pause;
  };
}

struct Account {
  std::string id;
  CreatedKey key;
};

class AccountErasureTest : public ::testing::Test {
 protected:
  void start(const std::function<void(Config&)>& adjust = quick_erasure) {
    server_ = TestServer::start(adjust);
    api_.emplace(*server_);
  }

  unsigned short port() const { return server_->port(); }
  const std::string& url() const { return server_->config().database_url; }
  pqxx::result query(const std::string& sql) { return run_sql(url(), sql); }
  std::int64_t count(const std::string& sql) { return query(sql)[0][0].as<std::int64_t>(); }

  Account account(const std::string& name) {
    auto id = api_->create_account(name);
    return {id, api_->create_key(id, "sk", {}, "full")};
  }

  HttpResponse erase(const std::string& account) {
    return api_->operator_request("DELETE", "/internal/v1/accounts/" + account);
  }
  // The job id of a DELETE that began the erasure (empty, failing the test, otherwise).
  std::string started_job(const std::string& account) {
    auto started = erase(account);
    EXPECT_EQ(started.status, 202) << started.body;
    return started.status == 202 ? started.json()["id"].get<std::string>() : std::string();
  }
  json job(const std::string& id) {
    return api_->operator_request("GET", "/internal/v1/account_erasures/" + id).json();
  }
  HttpResponse publish(const std::string& account) {
    return api_->operator_request("POST", "/internal/v1/events",
                                  json{{"account", account}, {"type", "order.accepted"}, {"data", json::object()}});
  }

  std::string endpoint(const Account& owner, const std::string& target, const Headers& extra = {}) {
    auto created = post(port(), kEndpointsPath, owner.key.secret,
                        {{"url", target}, {"enabled_events", {"order.*", "product.created"}}}, extra);
    EXPECT_EQ(created.status, 200) << created.body;
    return created.json()["id"].get<std::string>();
  }

  // Endpoints with subscriptions and secrets, events, failed deliveries with
  // attempts, a manual retry, a retry job with items, an idempotency record.
  void populate(const Account& owner) {
    std::vector<std::string> hooks;
    for (int i = 0; i < 3; ++i) hooks.push_back(endpoint(owner, kRefusingUrl));
    endpoint(owner, kRefusingUrl, {{"Idempotency-Key", "create-" + owner.id}});
    for (int i = 0; i < 4; ++i) ASSERT_EQ(publish(owner.id).status, 200);
    auto failed = [&] {
      return count("SELECT count(*) FROM webhook_deliveries WHERE account_id = '" + owner.id +
                   "' AND status = 'failed'") == 16;
    };
    ASSERT_TRUE(eventually(failed, 20s));
    auto delivery = query("SELECT id FROM webhook_deliveries WHERE account_id = '" + owner.id + "' LIMIT 1")[0][0];
    auto retried = post(port(), "/v1/webhook_deliveries/" + delivery.as<std::string>() + "/retry", owner.key.secret);
    ASSERT_EQ(retried.status, 200) << retried.body;
    auto since = format_rfc3339(std::chrono::system_clock::now() - 1h);
    auto recover = post(port(), kEndpointsPath + "/" + hooks[1] + "/recover", owner.key.secret, {{"since", since}});
    ASSERT_EQ(recover.status, 200) << recover.body;
    // Settled: nothing queued or being sent again, so its rows stay as they are.
    ASSERT_TRUE(eventually(
        [&] {
          return count("SELECT (SELECT count(*) FROM webhook_delivery_queue WHERE account_id = '" + owner.id +
                       "') + (SELECT count(*) FROM webhook_retry_jobs WHERE account_id = '" + owner.id +
                       "' AND status = 'running')") == 0;
        },
        20s));
  }

  // Every text column of every table, but the erasure jobs' own: how many
  // values name `ids`. Read from information_schema, so a table added later
  // is walked too.
  std::map<std::string, std::int64_t> rows_naming(const std::vector<std::string>& ids) {
    std::string list = "ARRAY[";
    for (std::size_t i = 0; i < ids.size(); ++i) list += (i ? ",'" : "'") + ids[i] + "'";
    list += "]::text[]";
    std::map<std::string, std::int64_t> out;
    auto columns = query(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.data_type = 'text' "
        "AND c.table_name <> 'account_erasures'");
    for (const auto& column : columns) {
      auto table = column[0].as<std::string>(), name = column[1].as<std::string>();
      out[table + "." + name] = count("SELECT count(*) FROM \"" + table + "\" WHERE \"" + name + "\" = ANY (" + list + ")");
    }
    return out;
  }

  // The account's id and the ids of everything it owns.
  std::vector<std::string> ids_of(const std::string& account) {
    std::vector<std::string> ids{account};
    for (const auto& row : query(
             "SELECT id FROM api_keys WHERE account_id = '" + account + "' UNION ALL "
             "SELECT id FROM webhook_endpoints WHERE account_id = '" + account + "' UNION ALL "
             "SELECT id FROM events WHERE account_id = '" + account + "' UNION ALL "
             "SELECT id FROM webhook_deliveries WHERE account_id = '" + account + "' UNION ALL "
             "SELECT id FROM webhook_attempts WHERE account_id = '" + account + "' UNION ALL "
             "SELECT id FROM webhook_retry_jobs WHERE account_id = '" + account + "'")) {
      ids.push_back(row[0].as<std::string>());
    }
    return ids;
  }

  bool completed(const std::string& job_id) { return job(job_id)["status"] == "completed"; }

  std::unique_ptr<TestServer> server_;
  std::optional<ApiFixture> api_;
};

TEST_F(AccountErasureTest, DeleteReturnsAJobAndRepeatingItReturnsTheSameJob) {
  start();
  auto owner = account("erased");
  auto first = erase(owner.id);
  ASSERT_EQ(first.status, 202) << first.body;
  const auto& body = first.json();
  auto id = body["id"].get<std::string>();
  EXPECT_EQ(id.rfind("acer_", 0), 0u) << id;
  EXPECT_EQ(body["object"], "account_erasure");
  EXPECT_EQ(body["account"], owner.id);
  EXPECT_EQ(body["status"], "running");
  EXPECT_TRUE(body["completed_at"].is_null());
  EXPECT_TRUE(parse_rfc3339(body["created"].get<std::string>()).has_value());
  for (const char* kind : {"endpoints", "subscriptions", "events", "deliveries", "attempts", "retries", "retry_jobs",
                           "idempotency_keys", "api_keys"}) {
    EXPECT_EQ(body["erased"][kind], 0) << kind;
  }
  EXPECT_EQ(body["erased_total"], 0);

  auto again = erase(owner.id);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["id"], id);

  auto read = api_->operator_request("GET", "/internal/v1/account_erasures/" + id);
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["account"], owner.id);

  ASSERT_TRUE(eventually([&] { return completed(id); }, 20s)) << job(id).dump();
  EXPECT_EQ(job(id)["erased"]["api_keys"], 1);
  EXPECT_EQ(job(id)["erased"]["accounts"], 1);
  EXPECT_FALSE(job(id)["completed_at"].is_null());
  // Once the account row is gone the same job still answers.
  auto after = erase(owner.id);
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json()["id"], id);
}

TEST_F(AccountErasureTest, UnknownOrMalformedIdsAre404) {
  start();
  for (const char* bad : {"acct_doesnotexist", "not-an-account", "key_abc"}) {
    auto response = erase(bad);
    EXPECT_EQ(response.status, 404) << bad;
    EXPECT_EQ(response.json()["error"]["code"], "RESOURCE_MISSING") << bad;
  }
  auto missing = api_->operator_request("GET", "/internal/v1/account_erasures/acer_nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"]["code"], "RESOURCE_MISSING");
  auto unauthenticated = request(port(), "DELETE", "/internal/v1/accounts/acct_x");
  EXPECT_EQ(unauthenticated.status, 401);
}

TEST_F(AccountErasureTest, KeysStopInEveryProcessAndWritesGet409) {
  start();
  auto other = std::make_unique<TestServer>(server_->config());  // a second process on the same database
  auto owner = account("erased");
  for (auto p : {port(), other->port()}) ASSERT_EQ(get(p, kEndpointsPath, owner.key.secret).status, 200);

  ASSERT_EQ(erase(owner.id).status, 202);
  for (auto p : {port(), other->port()}) {
    EXPECT_TRUE(eventually([&] { return get(p, kEndpointsPath, owner.key.secret).status == 401; }, 1s)) << p;
  }
  auto published = publish(owner.id);
  EXPECT_EQ(published.status, 409) << published.body;
  EXPECT_EQ(published.json()["error"]["code"], "ACCOUNT_ERASED");
  auto key = api_->operator_request("POST", "/internal/v1/accounts/" + owner.id + "/api_keys",
                                    json{{"kind", "sk"}, {"bundle", "full"}});
  EXPECT_EQ(key.status, 409) << key.body;
  EXPECT_EQ(key.json()["error"]["code"], "ACCOUNT_ERASED");
}

TEST_F(AccountErasureTest, DeliveriesStopAtTheDelete) {
  WebhookReceiver receiver;
  start([](Config& config) {
    quick_erasure(config);
    config.retry_schedule = {0ms, 300ms, 300ms, 300ms, 300ms, 300ms, 300ms, 300ms};
  });
  auto owner = account("erased");
  auto hook = post(port(), kEndpointsPath, owner.key.secret,
                   {{"url", receiver.url("/erased")}, {"enabled_events", {"order.accepted"}}});
  ASSERT_EQ(hook.status, 200) << hook.body;
  receiver.script("/erased", json::array(), {{"status", 500}});
  ASSERT_EQ(publish(owner.id).status, 200);
  ASSERT_EQ(receiver.wait_for("/erased", 2, 10s).size(), 2u);

  ASSERT_EQ(erase(owner.id).status, 202);
  auto at_delete = receiver.received("/erased").size();
  EXPECT_EQ(count("SELECT count(*) FROM webhook_delivery_queue WHERE account_id = '" + owner.id + "'"), 0);
  std::this_thread::sleep_for(2s);  // several retry delays
  // One attempt may have been on its way when the DELETE ran; none after it.
  EXPECT_LE(receiver.received("/erased").size(), at_delete + 1);
}

TEST_F(AccountErasureTest, NoRowOfTheAccountIsLeftInAnyTableAndOtherAccountsKeepTheirs) {
  start();
  auto erased = account("erased");
  auto kept = account("kept");
  ASSERT_NO_FATAL_FAILURE(populate(erased));
  ASSERT_NO_FATAL_FAILURE(populate(kept));
  auto erased_ids = ids_of(erased.id);
  auto kept_ids = ids_of(kept.id);
  auto kept_before = rows_naming(kept_ids);
  auto erased_before = rows_naming(erased_ids);
  for (const char* column : {"webhook_attempts.delivery_id", "webhook_delivery_retries.delivery_id",
                             "webhook_retry_job_items.delivery_id", "endpoint_subscriptions.endpoint_id",
                             "endpoint_secrets.endpoint_id", "idempotency_keys.account_id", "api_key_scopes.key_id"}) {
    EXPECT_GT(erased_before[column], 0) << column << ": the test should give the erasure something to do";
  }

  auto started = erase(erased.id);
  ASSERT_EQ(started.status, 202) << started.body;
  auto id = started.json()["id"].get<std::string>();
  ASSERT_TRUE(eventually([&] { return completed(id); }, 60s, 100ms)) << job(id).dump();

  for (const auto& [column, rows] : rows_naming(erased_ids)) EXPECT_EQ(rows, 0) << column;
  EXPECT_EQ(rows_naming(kept_ids), kept_before);
  auto done = job(id);
  EXPECT_EQ(done["erased"]["deliveries"], 16);
  EXPECT_EQ(done["erased"]["endpoints"], 4);
  EXPECT_EQ(done["erased"]["events"], 4);
  EXPECT_EQ(done["erased"]["idempotency_keys"], 1);
  EXPECT_GT(done["erased"]["attempts"].get<int>(), 0);
  EXPECT_GT(done["erased"]["retries"].get<int>(), 0);
  EXPECT_EQ(done["erased"]["retry_jobs"], 1);
  std::int64_t total = 0;
  for (const auto& [kind, n] : done["erased"].items()) total += n.get<std::int64_t>();
  EXPECT_EQ(done["erased_total"], total);
  // The other account still works.
  EXPECT_EQ(get(port(), kEndpointsPath, kept.key.secret).status, 200);
  EXPECT_EQ(publish(kept.id).status, 200);
}

TEST_F(AccountErasureTest, AJobFinishesAfterARestart) {
  start(one_row_batches(300ms));
  auto owner = account("erased");
  for (int i = 0; i < 10; ++i) endpoint(owner, kRefusingUrl);
  auto id = started_job(owner.id);
  ASSERT_TRUE(eventually([&] { return job(id)["erased"]["endpoints"].get<int>() >= 1; }, 20s)) << job(id).dump();

  auto config = server_->config();
  api_.reset();
  server_.reset();  // a process that stops mid-erasure
  ASSERT_EQ(run_sql(config.database_url, "SELECT status FROM account_erasures WHERE id = '" + id + "'")[0][0]
                .as<std::string>(),
            "running");

  server_ = std::make_unique<TestServer>(config);
  api_.emplace(*server_);
  ASSERT_TRUE(eventually([&] { return completed(id); }, 30s, 100ms)) << job(id).dump();
  EXPECT_EQ(job(id)["erased"]["endpoints"], 10);
  EXPECT_EQ(count("SELECT count(*) FROM accounts WHERE id = '" + owner.id + "'"), 0);
}

// Both processes' workers take batches of the one job; each row is counted
// once, so neither deleted (or counted) what the other had.
TEST_F(AccountErasureTest, TwoProcessesShareAJobWithoutDoingAnyBatchTwice) {
  start(one_row_batches(1ms));
  auto other = std::make_unique<TestServer>(server_->config());
  auto owner = account("erased");
  for (int i = 0; i < 6; ++i) endpoint(owner, kRefusingUrl);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(publish(owner.id).status, 200);
  ASSERT_TRUE(eventually(
      [&] {
        return count("SELECT count(*) FROM webhook_deliveries WHERE account_id = '" + owner.id +
                     "' AND status = 'failed'") == 60;
      },
      20s));
  auto id = started_job(owner.id);
  ASSERT_TRUE(eventually([&] { return completed(id); }, 60s, 100ms)) << job(id).dump();
  auto done = job(id);
  EXPECT_EQ(done["erased"]["deliveries"], 60);
  EXPECT_EQ(done["erased"]["attempts"], 60);
  EXPECT_EQ(done["erased"]["events"], 10);
  EXPECT_EQ(done["erased"]["endpoints"], 6);
  EXPECT_EQ(done["erased"]["api_keys"], 1);
  EXPECT_EQ(done["erased"]["accounts"], 1);
}

TEST_F(AccountErasureTest, TheCommandErasesAndWaits) {
  start([](Config& config) {
    quick_erasure(config);
    config.role = Config::Role::api;  // no background work here: the command does it
  });
  auto owner = account("erased");
  endpoint(owner, kRefusingUrl);
  auto result = run_hookgate({"accounts", "delete", "--id", owner.id, "--wait"},
                             {{"HOOKGATE_DATABASE_URL", url()}, {"HOOKGATE_DELIVERY_TIMEOUT_MS", "200"}});
  ASSERT_TRUE(result.status.exited(0)) << result.description;
  auto printed = json::parse(result.out);
  EXPECT_EQ(printed["object"], "account_erasure");
  EXPECT_EQ(printed["status"], "completed");
  EXPECT_EQ(printed["erased"]["endpoints"], 1);
  EXPECT_EQ(count("SELECT count(*) FROM accounts WHERE id = '" + owner.id + "'"), 0);
  auto unknown = run_hookgate({"accounts", "delete", "--id", "acct_nope"}, {{"HOOKGATE_DATABASE_URL", url()}});
  EXPECT_FALSE(unknown.status.exited(0)) << unknown.description;
}

}  // namespace
}  // namespace hookgate::testing

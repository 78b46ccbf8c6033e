// Partition maintenance (DESIGN §10): days made ahead once across
// processes, expired days dropped whole as of a given time, never one that
// holds a delivery still to be sent, and what clients then see of what was
// dropped, over real sockets. The server runs API-only, so deliveries stay
// as the test puts them.

#include "core/timefmt.h"
#include "db/partition_repository.h"
#include "services/maintenance.h"
#include "support/api_fixture.h"
#include "support/hookgate_process.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <chrono>
#include <map>
#include <string>

namespace hookgate::testing {
namespace {

using namespace std::chrono_literals;
using Action = db::PartitionChange::Action;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr db::RetentionDays kRetention{30, 44};

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The server runs no maintenance of its own: the test runs each round.
    server_ = TestServer::start([](Config& config) { config.maintenance_interval = 0s; });
    api_ = std::make_unique<ApiFixture>(*server_);
    account_ = api_->create_account("maintenance");
    owner_ = api_->create_key(account_, "sk", {}, "full");
    auto created = post(port(), "/v1/webhook_endpoints", owner_.secret,
                        {{"url", "http://127.0.0.1:9/hook"}, {"enabled_events", {"order.*"}}});
    ASSERT_EQ(created.status, 200) << created.body;
    conn_ = std::make_unique<db::Connection>(url());
  }

  const std::string& url() const { return server_->config().database_url; }
  unsigned short port() const { return server_->port(); }
  pqxx::result query(const std::string& sql) { return run_sql(url(), sql); }

  // Publishes an event with one delivery and moves both back `days_ago`
  // days, as if made then (a delivery's created_at is its id's time); the
  // delivery is queued when `queued`. Returns the delivery's id.
  std::string delivery_made(int days_ago, bool queued) {
    auto event = api_->publish_event(account_, "order.accepted", {{"n", days_ago}});
    auto delivery = deliveries_by_endpoint(url(), event).begin()->second;
    std::string when = "now() - interval '" + std::to_string(days_ago) + " days'";
    query("SELECT hookgate_create_partition(table_name, ((" + when +
          ") AT TIME ZONE 'UTC')::date) FROM hookgate_partitioned_tables "
          "WHERE expires_with <> 'idempotency'");
    // Replica mode: moving rows between partitions is no deletion of them.
    auto moved = query(
        "SET session_replication_role = replica;"
        "UPDATE events SET created_at = " + when + " WHERE id = '" + event + "';"
        "UPDATE webhook_deliveries SET id = hookgate_id_at('whd_', " + when + ") || right(id, 18), "
        "  created_at = " + when + ", event_created_at = " + when + " WHERE id = '" + delivery + "' RETURNING id");
    auto id = moved[0][0].as<std::string>();
    query("UPDATE webhook_delivery_queue SET delivery_id = '" + id + "' WHERE delivery_id = '" + delivery + "'");
    if (!queued) query("DELETE FROM webhook_delivery_queue WHERE delivery_id = '" + id + "'");
    return id;
  }

  static std::string day(int days_from_today) {
    auto t = std::chrono::system_clock::now() + std::chrono::hours(24) * days_from_today;
    return format_rfc3339(t).substr(0, 10);
  }
  static std::string partition(const std::string& table, int days_from_today) {
    auto d = day(days_from_today);
    return table + "_p" + d.substr(0, 4) + d.substr(5, 2) + d.substr(8, 2);
  }
  bool exists(const std::string& relation) {
    return !query("SELECT to_regclass('" + relation + "')")[0][0].is_null();
  }

  MaintenanceReport maintain(std::chrono::hours from_now = 0h, bool dry_run = false) {
    return run_maintenance(*conn_, {.as_of = std::chrono::system_clock::now() + from_now,
                                    .retention = kRetention, .dry_run = dry_run});
  }

  static std::vector<std::string> of(const MaintenanceReport& report, Action action) {
    std::vector<std::string> out;
    for (const auto& change : report.changes) {
      if (change.action == action) out.push_back(change.partition);
    }
    return out;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ApiFixture> api_;
  std::string account_;
  CreatedKey owner_;
  std::unique_ptr<db::Connection> conn_;
};

TEST_F(MaintenanceTest, MakesTheMissingDaysAheadOnceAndThenNothing) {
  int tables = query("SELECT count(*) FROM hookgate_partitioned_tables")[0][0].as<int>();
  ASSERT_EQ(tables, 5);
  ASSERT_FALSE(exists(partition("webhook_deliveries", 7)));
  auto first = maintain();
  ASSERT_TRUE(first.ran);
  EXPECT_GT(first.created, 0);
  EXPECT_TRUE(first.analyzed);
  for (int d = 0; d <= 7; ++d) {
    for (auto table : {"events", "webhook_deliveries", "webhook_attempts", "webhook_delivery_retries",
                       "idempotency_keys"}) {
      EXPECT_TRUE(exists(partition(table, d))) << table << " +" << d;
    }
  }
  auto second = maintain();
  EXPECT_EQ(second.created, 0);
  EXPECT_EQ(second.dropped, 0);
  EXPECT_FALSE(second.analyzed);
  EXPECT_FALSE(query("SELECT finished_at FROM hookgate_maintenance_runs")[0][0].is_null());

  // A day made ahead takes that day's rows.
  query("INSERT INTO events (id, account_id, type, payload, occurred_at, created_at) VALUES "
        "('evt_ahead', '" + account_ + "', 'order.accepted', '{}', now(), now() + interval '6 days')");
  EXPECT_EQ(query("SELECT tableoid::regclass::text FROM events WHERE id = 'evt_ahead'")[0][0].as<std::string>(),
            partition("events", 6));
}

TEST_F(MaintenanceTest, StandsAsideWhileAnotherProcessMaintains) {
  pqxx::connection other(url());
  pqxx::work holding(other);
  holding.exec_params("SELECT pg_advisory_xact_lock($1)", db::kPartitionUpkeepLock);
  auto report = maintain();
  EXPECT_FALSE(report.ran);
  EXPECT_TRUE(report.changes.empty());
  EXPECT_FALSE(exists(partition("webhook_deliveries", 7)));
  holding.abort();
  EXPECT_TRUE(maintain().ran);
  EXPECT_TRUE(exists(partition("webhook_deliveries", 7)));
}

TEST_F(MaintenanceTest, DropsExpiredDaysWholeButNeverOneWithADeliveryStillToBeSent) {
  auto expired = delivery_made(40, false);
  auto waiting = delivery_made(39, true);
  auto fresh = delivery_made(0, false);

  // A dry run says what it would do and changes nothing.
  auto plan = maintain(0h, true);
  EXPECT_THAT(of(plan, Action::drop),
              ElementsAre(partition("webhook_attempts", -40), partition("webhook_deliveries", -40),
                          partition("webhook_delivery_retries", -40)));
  ASSERT_EQ(of(plan, Action::keep).size(), 3u);
  for (const auto& change : plan.changes) {
    if (change.action == Action::keep) {
      EXPECT_THAT(change.reason, HasSubstr("still to be sent"));
    }
  }
  EXPECT_TRUE(exists(partition("webhook_deliveries", -40)));

  auto done = maintain();
  EXPECT_EQ(of(done, Action::drop), of(plan, Action::drop));
  EXPECT_EQ(of(done, Action::keep), of(plan, Action::keep));
  EXPECT_FALSE(exists(partition("webhook_deliveries", -40)));
  EXPECT_FALSE(exists(partition("webhook_attempts", -40)));
  EXPECT_TRUE(exists(partition("webhook_deliveries", -39)));
  EXPECT_TRUE(exists(partition("events", -40)));  // events are kept 44 days

  // What clients see: the dropped delivery is gone like one that never was.
  EXPECT_EQ(get(port(), "/v1/webhook_deliveries/" + expired, owner_.secret).status, 404);
  EXPECT_EQ(get(port(), "/v1/webhook_deliveries/" + waiting, owner_.secret).status, 200);
  auto list = get(port(), "/v1/webhook_deliveries?limit=10", owner_.secret);
  ASSERT_EQ(list.status, 200) << list.body;
  std::vector<std::string> ids;
  for (const auto& item : list.json()["data"]) ids.push_back(item["id"].get<std::string>());
  EXPECT_THAT(ids, ElementsAre(fresh, waiting));
  auto stale_cursor = get(port(), "/v1/webhook_deliveries?starting_after=" + expired, owner_.secret);
  EXPECT_EQ(stale_cursor.status, 400);
  EXPECT_THAT(stale_cursor.body, HasSubstr("starting_after"));

  // Six days on, the first event's day expires too; the waiting
  // delivery's event is kept with it.
  auto later = maintain(24h * 6);
  EXPECT_THAT(of(later, Action::drop), ::testing::Contains(partition("events", -40)));
  EXPECT_THAT(of(later, Action::keep), ::testing::Contains(partition("events", -39)));
  EXPECT_TRUE(exists(partition("events", -39)));

  // Once it has been sent, its day goes at the next run.
  query("DELETE FROM webhook_delivery_queue WHERE delivery_id = '" + waiting + "'");
  auto last = maintain();
  EXPECT_THAT(of(last, Action::drop), ::testing::Contains(partition("webhook_deliveries", -39)));
  EXPECT_EQ(get(port(), "/v1/webhook_deliveries/" + waiting, owner_.secret).status, 404);
  EXPECT_EQ(get(port(), "/v1/webhook_deliveries/" + fresh, owner_.secret).status, 200);
}

TEST_F(MaintenanceTest, ADeliveryQueuedAfterThePlanKeepsItsDay) {
  auto old = delivery_made(40, false);
  auto plan = db::maintenance_plan(*conn_, std::chrono::system_clock::now(), 7, kRetention);
  // A retry queues it again between the plan and the drop.
  query("INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at) VALUES ('" + old + "', '" + account_ +
        "', now())");
  auto report = maintain();
  EXPECT_THAT(of(report, Action::drop), ::testing::IsEmpty());
  EXPECT_TRUE(exists(partition("webhook_deliveries", -40)));
  EXPECT_EQ(get(port(), "/v1/webhook_deliveries/" + old, owner_.secret).status, 200);
}

TEST_F(MaintenanceTest, AnInterruptedDetachIsFinishedByTheNextRun) {
  delivery_made(40, false);
  auto victim = partition("webhook_attempts", -40);
  // A detach whose session died half way leaves the partition "detach pending".
  pqxx::connection detacher(url());
  pqxx::nontransaction tx(detacher);
  pqxx::connection blocker(url());
  pqxx::work reading(blocker);
  reading.exec("SELECT count(*) FROM webhook_attempts");
  tx.exec("SET statement_timeout = 500");
  EXPECT_ANY_THROW(tx.exec("ALTER TABLE webhook_attempts DETACH PARTITION " + victim + " CONCURRENTLY"));
  reading.abort();
  ASSERT_TRUE(query("SELECT bool_or(inhdetachpending) FROM pg_inherits WHERE inhrelid = '" + victim +
                    "'::regclass")[0][0].as<bool>());
  auto report = maintain();
  EXPECT_EQ(report.finished_detaches, 1);
  EXPECT_FALSE(exists(victim));
  EXPECT_FALSE(exists(partition("webhook_deliveries", -40)));
}

TEST_F(MaintenanceTest, ADayOfIdempotencyKeysIsDroppedOnceAllOfItIsPast24Hours) {
  auto create = [&](const std::string& key) {
    return post(port(), "/v1/webhook_endpoints", owner_.secret,
                {{"url", "http://127.0.0.1:9/" + key}, {"enabled_events", {"order.*"}}}, {{"Idempotency-Key", key}});
  };
  for (auto key : {"old-request", "new-request"}) ASSERT_EQ(create(key).status, 200);
  // The old request was made two days ago; yesterday's day is not yet wholly
  // past 24 hours, so nothing of it may go.
  query("SELECT hookgate_create_partition('idempotency_keys', ((now() - interval '2 days') AT TIME ZONE 'UTC')::date)");
  query("UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE key = 'old-request'");
  ASSERT_TRUE(exists(partition("idempotency_keys", -1)));

  auto plan = maintain(0h, true);
  EXPECT_THAT(of(plan, Action::drop), ElementsAre(partition("idempotency_keys", -2)));
  EXPECT_EQ(query("SELECT count(*) FROM idempotency_keys")[0][0].as<int>(), 2);

  auto done = maintain();
  EXPECT_THAT(of(done, Action::drop), ElementsAre(partition("idempotency_keys", -2)));
  EXPECT_TRUE(exists(partition("idempotency_keys", -1)));
  auto left = query("SELECT key FROM idempotency_keys");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0][0].as<std::string>(), "new-request");
  // The dropped key is free again: the same request runs anew; the kept one replays.
  EXPECT_EQ(create("old-request").headers.count("idempotent-replayed"), 0u);
  EXPECT_EQ(create("new-request").headers.count("idempotent-replayed"), 1u);
}

TEST_F(MaintenanceTest, TheMaintainCommandPrintsWhatItDoesAndRefusesBadSettings) {
  delivery_made(40, false);
  std::map<std::string, std::string> env{{"HOOKGATE_DATABASE_URL", url()}, {"HOOKGATE_LOG_LEVEL", "warn"}};

  auto dry = run_hookgate({"maintain", "--dry-run"}, env);
  ASSERT_TRUE(dry.status.exited(0)) << dry.description;
  EXPECT_THAT(dry.out, HasSubstr("would drop " + partition("webhook_deliveries", -40)));
  EXPECT_THAT(dry.out, HasSubstr("would create " + partition("webhook_deliveries", 7)));
  EXPECT_TRUE(exists(partition("webhook_deliveries", -40)));

  auto done = run_hookgate({"maintain"}, env);
  ASSERT_TRUE(done.status.exited(0)) << done.description;
  EXPECT_THAT(done.out, HasSubstr("dropped " + partition("webhook_deliveries", -40)));
  EXPECT_THAT(done.out, HasSubstr("(detach "));
  EXPECT_FALSE(exists(partition("webhook_deliveries", -40)));
  // HOOKGATE_LOG_LEVEL=warn holds for the command's own log lines too.
  EXPECT_THAT(done.err, ::testing::Not(HasSubstr("partition dropped")));

  auto bad_time = run_hookgate({"maintain", "--as-of", "yesterday"}, env);
  EXPECT_FALSE(bad_time.status.exited(0));
  EXPECT_THAT(bad_time.err, HasSubstr("--as-of must be an RFC 3339 time"));

  env["HOOKGATE_RETENTION_DAYS"] = "3";
  auto too_short = run_hookgate({"maintain"}, env);
  EXPECT_FALSE(too_short.status.exited(0));
  EXPECT_THAT(too_short.err, HasSubstr("HOOKGATE_RETENTION_DAYS"));
  EXPECT_THAT(too_short.err, HasSubstr("HOOKGATE_RECOVER_MAX_WINDOW_SECONDS"));
}

TEST_F(MaintenanceTest, MetricsTellThePartitionsAndTheLastRun) {
  maintain();
  // The database's gauges are read in the background: the run shows at the next reading.
  HttpResponse metrics;
  EXPECT_TRUE(eventually([&] {
    metrics = get(port(), "/metrics", "");
    return metrics.body.find("hookgate_maintenance_last_run_timestamp_seconds ") != std::string::npos;
  }, 10s));
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("hookgate_partitions{table=\"webhook_deliveries\"}"));
  EXPECT_THAT(metrics.body, HasSubstr("hookgate_oldest_partition_age_seconds{table=\"events\"}"));
  EXPECT_THAT(metrics.body, HasSubstr("hookgate_table_bytes{table=\"webhook_attempts\"}"));
  EXPECT_THAT(metrics.body, HasSubstr("hookgate_maintenance_last_run_timestamp_seconds "));
}

}  // namespace
}  // namespace hookgate::testing

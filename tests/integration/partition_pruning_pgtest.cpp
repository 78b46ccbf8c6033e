// Every statement that reads one delivery reaches one partition of each
// partitioned table it reads, however many days of partitions there are:
// the plan PostgreSQL actually ran (EXPLAIN ANALYZE) is read, for a plan made
// for the parameters and for the generic plan a prepared statement ends up
// with.

#include "db/delivery_query_repository.h"
#include "db/delivery_repository.h"
#include "support/test_database.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <map>
#include <regex>
#include <string>

namespace hookgate {
namespace {

using json = nlohmann::json;
using testing::fresh_database;
using testing::run_sql;

// Partitions that ran (loops > 0), counted by their partitioned table.
void count_partitions_run(const json& node, std::map<std::string, int>& counts) {
  static const std::regex partition(R"(^(.+)_(p\d{8}|before|after)$)");
  if (node.contains("Relation Name") && node.value("Actual Loops", 0) > 0) {
    std::smatch match;
    auto name = node["Relation Name"].get<std::string>();
    if (std::regex_match(name, match, partition)) ++counts[match[1].str()];
  }
  if (node.contains("Plans")) {
    for (const auto& child : node["Plans"]) count_partitions_run(child, counts);
  }
}

class PartitionPruning : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = fresh_database();
    // Ten more days of partitions behind the ones migrating made.
    run_sql(url_,
            "SELECT hookgate_create_partition(t.table_name, (now() AT TIME ZONE 'UTC')::date - g) "
            "FROM hookgate_partitioned_tables t, generate_series(2, 11) g");
    run_sql(url_, "INSERT INTO accounts (id, name) VALUES ('acct_p', 'p')");
    run_sql(url_, "INSERT INTO webhook_endpoints (id, account_id, url) VALUES ('we_p', 'acct_p', 'https://example.com/')");
    run_sql(url_,
            "INSERT INTO events (id, account_id, type, payload, occurred_at) "
            "VALUES ('evt_p', 'acct_p', 'order.accepted', '{}', now())");
    delivery_ = run_sql(url_,
                        "INSERT INTO webhook_deliveries (id, account_id, event_id, event_created_at, endpoint_id, "
                        "event_type, created_at) SELECT x.id, 'acct_p', 'evt_p', e.created_at, 'we_p', "
                        "'order.accepted', hookgate_id_time(x.id) FROM (SELECT hookgate_random_id('whd_') AS id) x, "
                        "events e WHERE e.id = 'evt_p' RETURNING id")[0][0]
                    .as<std::string>();
    run_sql(url_,
            "INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, "
            "outcome) VALUES (hookgate_random_id('wha_'), '" + delivery_ + "', 'acct_p', 1, now(), now(), 'failed')");
    run_sql(url_, "ANALYZE");
  }

  std::map<std::string, int> partitions_run(const db::Statement& statement, bool generic) {
    pqxx::connection conn(url_);
    pqxx::work tx(conn);
    tx.exec(std::string("SET LOCAL plan_cache_mode = ") + (generic ? "force_generic_plan" : "force_custom_plan"));
    tx.exec("PREPARE probe AS " + std::string(statement.sql));
    auto plan = json::parse(
        tx.exec1("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE probe('acct_p', '" + delivery_ + "')")[0].as<std::string>());
    std::map<std::string, int> counts;
    count_partitions_run(plan[0]["Plan"], counts);
    return counts;
  }

  std::string url_;
  std::string delivery_;
};

TEST_F(PartitionPruning, EachByIdStatementReadsOnePartitionOfEachTable) {
  ASSERT_GE(run_sql(url_, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'webhook_deliveries'::regclass")[0][0]
                .as<int>(),
            14);
  for (bool generic : {false, true}) {
    for (const auto& statement : db::delivery_by_id_statements()) {
      SCOPED_TRACE(std::string(statement.name) + (generic ? " (generic plan)" : " (custom plan)"));
      auto counts = partitions_run(statement, generic);
      ASSERT_FALSE(counts.empty()) << "reads no partitioned table";
      for (const auto& [table, partitions] : counts) EXPECT_EQ(partitions, 1) << table;
    }
  }
}

TEST_F(PartitionPruning, ADeliveryReadsItsEventFromOnePartition) {
  for (bool generic : {false, true}) {
    auto counts = partitions_run(db::delivery_by_id_statements().front(), generic);
    EXPECT_EQ(counts["webhook_deliveries"], 1);
    EXPECT_EQ(counts["events"], 1);
  }
}

// A list page's LIMIT is a parameter; left to itself PostgreSQL would plan
// each page anew over every partition. Pages of every direction and filter
// run on generic plans, which read one partition here.
TEST_F(PartitionPruning, ListPagesRunOnGenericPlans) {
  db::Connection conn(url_);
  auto account = AccountId::from_trusted("acct_p");
  DeliveryFilter by_endpoint;
  by_endpoint.endpoint = EndpointId::from_trusted("we_p");
  by_endpoint.status = "pending";
  PageRequest after_cursor;
  after_cursor.starting_after = delivery_;
  for (int i = 0; i < 8; ++i) {
    auto first = db::list_deliveries(conn, account, {}, {});
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->data.size(), 1u);
    ASSERT_TRUE(db::list_deliveries(conn, account, by_endpoint, {}).has_value());
    auto older = db::list_deliveries(conn, account, {}, after_cursor);
    ASSERT_TRUE(older.has_value());
    EXPECT_TRUE(older->data.empty());
  }
  pqxx::read_transaction tx(conn.raw());
  auto plans = tx.exec("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
                       "WHERE name LIKE 'delivery_list%' AND name <> 'delivery_list_cursor' ORDER BY name");
  ASSERT_EQ(plans.size(), 3u);
  for (const auto& row : plans) {
    SCOPED_TRACE(row[0].as<std::string>());
    EXPECT_EQ(row[1].as<int>(), 8);
    EXPECT_EQ(row[2].as<int>(), 0);
  }
}

// A delivery worker's connections run the claim and the results on generic
// plans, made once per connection; the claim's still reads one partition of
// the deliveries and of the events (run-time pruning).
TEST_F(PartitionPruning, TheWorkersStatementsRunOnGenericPlansThatReadOnePartition) {
  db::Connection conn(url_, std::string(db::kWorkerSessionSql));
  const std::string enqueue = "INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at) VALUES ('" +
                              delivery_ + "', 'acct_p', now() - interval '1 second')";
  for (int round = 0; round < 3; ++round) {
    run_sql(url_, enqueue);
    auto now = std::chrono::system_clock::now();
    auto claimed = db::claim_due_deliveries(conn, 50, now, std::chrono::seconds(30));
    ASSERT_EQ(claimed.size(), 1u);
    AttemptResult result(claimed.front(), now);
    result.outcome = "succeeded";
    result.status_code = 200;
    db::record_attempt_results(conn, {result}, now, std::chrono::hours(24));
  }
  {
    pqxx::read_transaction tx(conn.raw());
    auto plans = tx.exec("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
                         "WHERE name IN ('delivery_claim', 'delivery_record') ORDER BY name");
    ASSERT_EQ(plans.size(), 2u);
    for (const auto& row : plans) {
      SCOPED_TRACE(row[0].as<std::string>());
      EXPECT_EQ(row[1].as<int>(), 3);
      EXPECT_EQ(row[2].as<int>(), 0);
    }
  }
  run_sql(url_, enqueue);
  pqxx::work tx(conn.raw());
  auto plan = json::parse(tx.exec1("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE delivery_claim(50, "
                                   "(extract(epoch FROM now()) * 1000000)::bigint, 30000000)")[0]
                              .as<std::string>());
  std::map<std::string, int> counts;
  count_partitions_run(plan[0]["Plan"], counts);
  EXPECT_EQ(counts["webhook_deliveries"], 1);
  EXPECT_EQ(counts["events"], 1);
}

}  // namespace
}  // namespace hookgate

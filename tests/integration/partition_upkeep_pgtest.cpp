// Day partitions are made ahead by every serve process, once across
// processes at a time, and making them again changes nothing.

#include "app/partition_keeper.h"
#include "db/partition_repository.h"
#include "support/test_database.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <string>

namespace hookgate {
namespace {

using testing::fresh_database;
using testing::run_sql;

int partitions_from_today(const std::string& url, int last_day) {
  return run_sql(url,
                 "SELECT count(*) FROM hookgate_partitioned_tables t, generate_series(0, " + std::to_string(last_day) +
                     ") g WHERE to_regclass(t.table_name || '_p' || "
                     "to_char((now() AT TIME ZONE 'UTC')::date + g, 'YYYYMMDD')) IS NOT NULL")[0][0]
      .as<int>();
}

TEST(PartitionUpkeep, MakesTheMissingDaysAheadOnceAndThenNothing) {
  auto url = fresh_database();
  int tables = run_sql(url, "SELECT count(*) FROM hookgate_partitioned_tables")[0][0].as<int>();
  ASSERT_EQ(tables, 4);
  int before = partitions_from_today(url, 7);
  ASSERT_LT(before, tables * 8);

  db::ConnectionPool pool(url, 1, std::chrono::seconds(5));
  PartitionKeeper keeper(pool, PartitionKeeperOptions{std::chrono::hours(1), 7});
  EXPECT_EQ(keeper.run_once(), tables * 8 - before);
  EXPECT_EQ(partitions_from_today(url, 7), tables * 8);
  EXPECT_EQ(keeper.run_once(), 0);

  // A new day's rows land in its partition.
  run_sql(url, "INSERT INTO accounts (id, name) VALUES ('acct_u', 'u')");
  run_sql(url, "INSERT INTO events (id, account_id, type, payload, occurred_at, created_at) VALUES "
               "('evt_u', 'acct_u', 'order.accepted', '{}', now(), now() + interval '6 days')");
  EXPECT_EQ(run_sql(url, "SELECT tableoid::regclass::text FROM events WHERE id = 'evt_u'")[0][0].as<std::string>(),
            "events_p" + run_sql(url, "SELECT to_char((now() AT TIME ZONE 'UTC')::date + 6, 'YYYYMMDD')")[0][0]
                             .as<std::string>());
}

TEST(PartitionUpkeep, StandsAsideWhileAnotherProcessHoldsTheLock) {
  auto url = fresh_database();
  int before = partitions_from_today(url, 10);
  pqxx::connection other(url);
  pqxx::work holding(other);
  holding.exec_params("SELECT pg_advisory_xact_lock($1)", db::kPartitionUpkeepLock);

  db::ConnectionPool pool(url, 1, std::chrono::seconds(5));
  PartitionKeeper keeper(pool, PartitionKeeperOptions{std::chrono::hours(1), 10});
  EXPECT_EQ(keeper.run_once(), std::nullopt);
  EXPECT_EQ(partitions_from_today(url, 10), before);

  holding.commit();
  EXPECT_GT(keeper.run_once().value_or(0), 0);
}

}  // namespace
}  // namespace hookgate

#include "db/partition_repository.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr Statement kTryLock{"partitions_try_lock", "SELECT pg_try_advisory_xact_lock($1)"};
constexpr Statement kCreateAhead{
    "partitions_create_ahead",
    "SELECT count(*) FILTER (WHERE made)::int FROM ("
    "  SELECT hookgate_create_partition(t.table_name, (now() AT TIME ZONE 'UTC')::date + g) AS made"
    "  FROM hookgate_partitioned_tables t, generate_series(0, $1::int) g ORDER BY g, t.table_name) x"};

}  // namespace

std::optional<int> create_partitions_ahead(Connection& conn, int days_ahead) {
  pqxx::work tx(conn.raw());
  if (!exec(tx, conn, kTryLock, kPartitionUpkeepLock)[0][0].as<bool>()) return std::nullopt;
  int made = exec(tx, conn, kCreateAhead, days_ahead)[0][0].as<int>();
  tx.commit();
  return made;
}

}  // namespace hookgate::db

#include "db/partition_repository.h"

#include "core/timefmt.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr Statement kPlan{"maintenance_plan",
                          "SELECT action, table_name, partition_name, day::text, reason, expires_with "
                          "FROM hookgate_maintenance_plan($1::timestamptz, $2, $3, $4)"};
constexpr Statement kTryLock{"maintenance_try_lock", "SELECT pg_try_advisory_lock($1)"};
constexpr Statement kUnlock{"maintenance_unlock", "SELECT pg_advisory_unlock($1)"};
constexpr Statement kPendingDetaches{
    "maintenance_pending_detaches",
    "SELECT parent.relname::text, c.relname::text FROM pg_inherits i "
    "JOIN pg_class parent ON parent.oid = i.inhparent JOIN pg_class c ON c.oid = i.inhrelid "
    "JOIN hookgate_partitioned_tables t ON t.table_name = parent.relname::text WHERE i.inhdetachpending"};
constexpr Statement kCreate{"maintenance_create", "SELECT hookgate_create_partition($1, $2::date)"};
constexpr Statement kQueuedOfDay{
    "maintenance_queued_of_day",
    "SELECT count(*) FROM webhook_delivery_queue WHERE delivery_id >= hookgate_id_at('whd_', $1::date::timestamp "
    "AT TIME ZONE 'UTC') AND delivery_id < hookgate_id_at('whd_', ($1::date + 1)::timestamp AT TIME ZONE 'UTC')"};
constexpr Statement kForgetQueued{
    "maintenance_forget_queued",
    "WITH q AS (DELETE FROM webhook_delivery_queue WHERE delivery_id >= hookgate_id_at('whd_', $1::date::timestamp "
    "AT TIME ZONE 'UTC') AND delivery_id < hookgate_id_at('whd_', ($1::date + 1)::timestamp AT TIME ZONE 'UTC') "
    "RETURNING 1), i AS (DELETE FROM webhook_retry_job_items WHERE delivery_id >= hookgate_id_at('whd_', "
    "$1::date::timestamp AT TIME ZONE 'UTC') AND delivery_id < hookgate_id_at('whd_', ($1::date + 1)::timestamp "
    "AT TIME ZONE 'UTC') RETURNING 1) SELECT (SELECT count(*) FROM q) + (SELECT count(*) FROM i)"};
constexpr Statement kRecordRun{
    "maintenance_record_run",
    "INSERT INTO hookgate_maintenance_runs (finished_at, as_of, created, dropped, kept) "
    "VALUES (now(), $1::timestamptz, $2, $3, $4) ON CONFLICT (singleton) DO UPDATE SET "
    "finished_at = EXCLUDED.finished_at, as_of = EXCLUDED.as_of, created = EXCLUDED.created, "
    "dropped = EXCLUDED.dropped, kept = EXCLUDED.kept"};
constexpr Statement kStats{
    "maintenance_stats",
    "SELECT t.table_name, count(c.oid)::int, "
    "  coalesce(extract(epoch FROM now() - (min(to_date(substring(c.relname FROM '_p([0-9]{8})$'), 'YYYYMMDD'))"
    "    ::timestamp AT TIME ZONE 'UTC')), 0)::float8, "
    "  coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8 "
    "FROM hookgate_partitioned_tables t "
    "LEFT JOIN pg_inherits i ON i.inhparent = to_regclass(quote_ident(t.table_name)) "
    "LEFT JOIN pg_class c ON c.oid = i.inhrelid AND c.relname ~ '_p[0-9]{8}$' "
    "GROUP BY t.table_name ORDER BY t.table_name"};
constexpr Statement kLastRun{"maintenance_last_run",
                             "SELECT extract(epoch FROM finished_at)::float8 FROM hookgate_maintenance_runs"};

PartitionChange::Action parse_action(const std::string& text) {
  if (text == "create") return PartitionChange::Action::create;
  if (text == "drop") return PartitionChange::Action::drop;
  return PartitionChange::Action::keep;
}

constexpr int kAnalyzeCostDelayMs = 2;
constexpr int kAnalyzeCostLimit = 200;

std::chrono::microseconds elapsed_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
}

// One statement outside any transaction block.
void run_alone(Connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn.raw());
  tx.exec0(sql);
}

}  // namespace

std::vector<PartitionChange> maintenance_plan(Connection& conn, TimePoint as_of, int days_ahead,
                                              RetentionDays retention) {
  pqxx::read_transaction tx(conn.raw());
  std::vector<PartitionChange> plan;
  for (const auto& row :
       exec(tx, conn, kPlan, format_rfc3339(as_of), days_ahead, retention.deliveries, retention.events)) {
    plan.push_back({parse_action(row[0].as<std::string>()), row[1].as<std::string>(), row[2].as<std::string>(),
                    row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>()});
  }
  return plan;
}

bool try_lock_maintenance(Connection& conn) {
  pqxx::nontransaction tx(conn.raw());
  return exec(tx, conn, kTryLock, kPartitionUpkeepLock)[0][0].as<bool>();
}

void unlock_maintenance(Connection& conn) {
  pqxx::nontransaction tx(conn.raw());
  exec(tx, conn, kUnlock, kPartitionUpkeepLock);
}

int finish_interrupted_detaches(Connection& conn) {
  std::vector<std::pair<std::string, std::string>> pending;
  {
    pqxx::read_transaction tx(conn.raw());
    for (const auto& row : exec(tx, conn, kPendingDetaches)) {
      pending.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
    }
  }
  for (const auto& [parent, partition] : pending) {
    run_alone(conn, "ALTER TABLE " + conn.raw().quote_name(parent) + " DETACH PARTITION " +
                        conn.raw().quote_name(partition) + " FINALIZE");
    run_alone(conn, "DROP TABLE " + conn.raw().quote_name(partition));
  }
  return static_cast<int>(pending.size());
}

bool create_partition(Connection& conn, PartitionChange& change) {
  auto started = std::chrono::steady_clock::now();
  pqxx::work tx(conn.raw());
  bool made = exec(tx, conn, kCreate, change.table, change.day)[0][0].as<bool>();
  tx.commit();
  change.took = elapsed_since(started);
  return made;
}

std::int64_t queued_deliveries_of_day(Connection& conn, const PartitionChange& change) {
  pqxx::read_transaction tx(conn.raw());
  return exec(tx, conn, kQueuedOfDay, change.day)[0][0].as<std::int64_t>();
}

void detach_and_drop(Connection& conn, PartitionChange& change, int lock_timeout_ms) {
  run_alone(conn, "SET lock_timeout = " + std::to_string(lock_timeout_ms));
  try {
    auto started = std::chrono::steady_clock::now();
    run_alone(conn, "ALTER TABLE " + conn.raw().quote_name(change.table) + " DETACH PARTITION " +
                        conn.raw().quote_name(change.partition) + " CONCURRENTLY");
    change.detach_took = elapsed_since(started);
    run_alone(conn, "DROP TABLE " + conn.raw().quote_name(change.partition));
    change.took = elapsed_since(started);
  } catch (...) {
    run_alone(conn, "RESET lock_timeout");
    throw;
  }
  run_alone(conn, "RESET lock_timeout");
}

std::int64_t forget_dropped_deliveries(Connection& conn, const PartitionChange& change) {
  pqxx::work tx(conn.raw());
  auto forgotten = exec(tx, conn, kForgetQueued, change.day)[0][0].as<std::int64_t>();
  tx.commit();
  return forgotten;
}

void analyze_partitioned_tables(Connection& conn) {
  std::vector<std::string> tables;
  {
    pqxx::read_transaction tx(conn.raw());
    for (const auto& row : tx.exec("SELECT table_name FROM hookgate_partitioned_tables ORDER BY table_name")) {
      tables.push_back(row[0].as<std::string>());
    }
  }
  // ANALYZE of a parent also analyzes every partition (PostgreSQL 15 has no
  // ANALYZE ONLY): about a second of one core per million rows sampled. It
  // is throttled as autovacuum is, so other work keeps its CPU and disk; the
  // settings are the transaction's own, so the pooled session keeps none.
  for (const auto& table : tables) {
    pqxx::work tx(conn.raw());
    tx.exec0("SET LOCAL vacuum_cost_delay = " + std::to_string(kAnalyzeCostDelayMs));
    tx.exec0("SET LOCAL vacuum_cost_limit = " + std::to_string(kAnalyzeCostLimit));
    tx.exec0("ANALYZE " + conn.raw().quote_name(table));
    tx.commit();
  }
}

void record_maintenance_run(Connection& conn, const MaintenanceRun& run) {
  pqxx::work tx(conn.raw());
  exec(tx, conn, kRecordRun, format_rfc3339(run.as_of), run.created, run.dropped, run.kept);
  tx.commit();
}

std::vector<PartitionedTableStats> partitioned_table_stats(Connection& conn) {
  pqxx::read_transaction tx(conn.raw());
  std::vector<PartitionedTableStats> stats;
  for (const auto& row : exec(tx, conn, kStats)) {
    stats.push_back({row[0].as<std::string>(), row[1].as<int>(), row[2].as<double>(), row[3].as<double>()});
  }
  return stats;
}

std::optional<double> last_maintenance_run(Connection& conn) {
  pqxx::read_transaction tx(conn.raw());
  auto rows = exec(tx, conn, kLastRun);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<double>();
}

}  // namespace hookgate::db

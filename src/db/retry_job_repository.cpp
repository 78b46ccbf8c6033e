#include "db/retry_job_repository.h"

#include "core/timefmt.h"
#include "db/row_fields.h"
#include "db/sql_text.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr Statement kLockEndpoint{"retry_job_lock_endpoint",
                                  "SELECT status FROM webhook_endpoints WHERE account_id = $1 AND id = $2 FOR UPDATE"};
constexpr Statement kRunning{"retry_job_running",
                             "SELECT id FROM webhook_retry_jobs WHERE endpoint_id = $1 AND status = 'running'"};
constexpr Statement kInsert{"retry_job_insert",
                            "INSERT INTO webhook_retry_jobs (id, account_id, endpoint_id, requested_by, since, until, "
                            "total) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, 0)"};
// The failed set (failed_at is set exactly while a delivery is failed), walked
// on the endpoint's partial index of failed deliveries.
constexpr Statement kFillItems{
    "retry_job_fill_items",
    "INSERT INTO webhook_retry_job_items (job_id, delivery_seq, delivery_id) "
    "SELECT $1, d.seq, d.id FROM webhook_deliveries d "
    "WHERE d.endpoint_id = $2 AND d.account_id = $3 AND d.failed_at IS NOT NULL "
    "  AND d.created_at >= $4::timestamptz AND d.created_at <= $5::timestamptz"
    // The same window as ids, to reach only its partitions (see list_deliveries).
    "  AND d.id >= hookgate_id_at('whd_', $4::timestamptz)"
    "  AND d.id < hookgate_id_at('whd_', $5::timestamptz + interval '1 day')"};
constexpr Statement kSetTotal{
    "retry_job_set_total",
    "UPDATE webhook_retry_jobs SET total = $2, status = CASE WHEN $2::integer = 0 THEN 'completed' ELSE 'running' END, "
    "completed_at = CASE WHEN $2::integer = 0 THEN now() END WHERE id = $1"};
constexpr Statement kFind{
    "retry_job_find",
    "SELECT id, account_id, endpoint_id, requested_by, " HG_MICROS("since") ", " HG_MICROS("until") ", status, total, "
    "done, failed, skipped, " HG_MICROS("created_at") ", " HG_MICROS("completed_at")
    " FROM webhook_retry_jobs WHERE account_id = $1 AND id = $2"};
constexpr Statement kRunSlices{"retry_job_run_slices",
                               "SELECT hookgate_run_retry_jobs($1, make_interval(secs => $2::double precision / 1000), $3)"};

RetryJobRecord to_record(const pqxx::row& row) {
  return RetryJobRecord{{RetryJobId::from_trusted(row[0].as<std::string>()),
                         AccountId::from_trusted(row[1].as<std::string>()),
                         EndpointId::from_trusted(row[2].as<std::string>()),
                         ApiKeyId::from_trusted(row[3].as<std::string>()),
                         time_field(row[4]),
                         time_field(row[5])},
                        row[6].as<std::string>(),
                        row[7].as<int>(),
                        row[8].as<int>(),
                        row[9].as<int>(),
                        row[10].as<int>(),
                        time_field(row[11]),
                        optional_time(row[12])};
}

}  // namespace

RetryJobCreation create_retry_job(Connection& conn, const NewRetryJob& job) {
  pqxx::work tx(conn.raw());
  // The endpoint's row lock serializes job creation per endpoint.
  auto endpoint = exec(tx, conn, kLockEndpoint, job.account.str(), job.endpoint.str());
  if (endpoint.empty()) return RetryJobRefused{RetryJobRefusal::endpoint_missing, std::nullopt};
  if (endpoint[0][0].as<std::string>() != "enabled") {
    return RetryJobRefused{RetryJobRefusal::endpoint_disabled, std::nullopt};
  }
  if (auto running = exec(tx, conn, kRunning, job.endpoint.str()); !running.empty()) {
    return RetryJobRefused{RetryJobRefusal::job_running, RetryJobId::from_trusted(running[0][0].as<std::string>())};
  }
  auto since = format_rfc3339(job.since);
  auto until = format_rfc3339(job.until);
  exec(tx, conn, kInsert, job.id.str(), job.account.str(), job.endpoint.str(), job.requested_by.str(), since, until);
  auto filled = exec(tx, conn, kFillItems, job.id.str(), job.endpoint.str(), job.account.str(), since, until);
  exec(tx, conn, kSetTotal, job.id.str(), static_cast<long>(filled.affected_rows()));
  auto record = to_record(exec(tx, conn, kFind, job.account.str(), job.id.str())[0]);
  tx.commit();
  return record;
}

std::optional<RetryJobRecord> find_retry_job(Connection& conn, const AccountId& account, const RetryJobId& id) {
  pqxx::nontransaction tx(conn.raw());  // one statement: no BEGIN and COMMIT
  auto found = exec(tx, conn, kFind, account.str(), id.str());
  if (found.empty()) return std::nullopt;
  return to_record(found[0]);
}

int run_retry_job_slices(Connection& conn, int items, std::chrono::milliseconds tick, int max_jobs) {
  pqxx::work tx(conn.raw());
  auto advanced = exec(tx, conn, kRunSlices, items, static_cast<long>(tick.count()), max_jobs)[0][0].as<int>();
  tx.commit();
  return advanced;
}

}  // namespace hookgate::db

#include "db/delivery_query_repository.h"

#include "core/timefmt.h"
#include "db/keyset_page.h"
#include "db/row_fields.h"
#include "db/sql_text.h"

#include <pqxx/pqxx>

#include <stdexcept>

namespace hookgate::db {

namespace {

// A queued delivery's attempt count and due time are the queue row's (the
// delivery row catches up with each result).
#define HG_DELIVERY_COLUMNS                                                                                    \
  "SELECT d.id, d.event_id, d.event_type, d.endpoint_id, d.status, coalesce(q.attempt_count, d.attempt_count), " \
  HG_MICROS("q.due_at") ", " HG_MICROS("d.last_attempt_at") ", d.last_status_code, d.last_error, " HG_MICROS(    \
      "d.created_at") " "
#define HG_DELIVERY_FROM                                                 \
  "FROM webhook_deliveries d LEFT JOIN webhook_delivery_queue q "        \
  "ON q.delivery_id = d.id AND q.account_id = d.account_id "

constexpr Statement kFind{"delivery_find", HG_DELIVERY_COLUMNS
                          ", " HG_EVENT_PAYLOAD("d") " " HG_DELIVERY_FROM
                          "WHERE d.account_id = $1 AND d.id = $2"};
// Recorded attempts, and the one in flight from the queue row (unless a
// late result already recorded it).
constexpr Statement kAttempts{
    "delivery_attempts",
    "SELECT id, attempt_number, " HG_MICROS("started_at") ", " HG_MICROS("finished_at") ", duration_us, outcome, "
    "status_code, error, response_snippet FROM webhook_attempts WHERE delivery_id = $2 AND account_id = $1 "
    "UNION ALL "
    "SELECT q.attempt_id, q.attempt_count, " HG_MICROS("q.attempt_started_at") ", NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM webhook_delivery_queue q WHERE q.delivery_id = $2 AND q.account_id = $1 AND q.attempt_id IS NOT NULL "
    "  AND NOT EXISTS (SELECT 1 FROM webhook_attempts a WHERE a.delivery_id = q.delivery_id AND a.id = q.attempt_id) "
    "ORDER BY 2, 3"};
constexpr Statement kRetries{
    "delivery_retries",
    "SELECT r.requested_by, " HG_MICROS("r.requested_at") ", r.retry_job_id FROM webhook_delivery_retries r "
    "JOIN webhook_deliveries d ON d.id = r.delivery_id WHERE d.account_id = $1 AND r.delivery_id = $2 "
    "ORDER BY r.requested_at"};
constexpr Statement kSummary{"delivery_summary",
                             HG_DELIVERY_COLUMNS HG_DELIVERY_FROM "WHERE d.account_id = $1 AND d.id = $2"};
// A queued delivery's queue row is locked first, in the order results lock
// them (queue, then delivery), so a retry and a result wait rather than deadlock.
constexpr Statement kLockQueued{
    "delivery_lock_queued",
    "SELECT 1 FROM webhook_delivery_queue WHERE account_id = $1 AND delivery_id = $2 FOR UPDATE"};
constexpr Statement kLock{"delivery_lock",
                          "SELECT 1 FROM webhook_deliveries WHERE account_id = $1 AND id = $2 FOR UPDATE"};
constexpr Statement kRefusal{"delivery_retry_refusal", "SELECT hookgate_retry_refusal($1)"};
constexpr Statement kRetry{"delivery_retry", "SELECT hookgate_retry_delivery($1, $2)"};

DeliverySummary to_summary(const pqxx::row& row) {
  return DeliverySummary{DeliveryId::from_trusted(row[0].as<std::string>()),
                         EventId::from_trusted(row[1].as<std::string>()),
                         row[2].as<std::string>(),
                         EndpointId::from_trusted(row[3].as<std::string>()),
                         row[4].as<std::string>(),
                         row[5].as<int>(),
                         optional_time(row[6]),
                         optional_time(row[7]),
                         optional_field<int>(row[8]),
                         optional_field<std::string>(row[9]),
                         time_field(row[10])};
}

AttemptRecord to_attempt(const pqxx::row& row) {
  return AttemptRecord{AttemptId::from_trusted(row[0].as<std::string>()),
                       row[1].as<int>(),
                       time_field(row[2]),
                       optional_time(row[3]),
                       optional_field<std::int64_t>(row[4]),
                       optional_field<std::string>(row[5]),
                       optional_field<int>(row[6]),
                       optional_field<std::string>(row[7]),
                       optional_field<std::string>(row[8])};
}

RetryRecord to_retry(const pqxx::row& row) {
  std::optional<RetryJobId> job;
  if (!row[2].is_null()) job = RetryJobId::from_trusted(row[2].as<std::string>());
  return RetryRecord{ApiKeyId::from_trusted(row[0].as<std::string>()), time_field(row[1]), std::move(job)};
}

// Newest first by id, the partition key (V018): a page walks the partitions
// in order from the cursor's and stops once it has its rows.
const KeysetList kList{"delivery_list",
                      HG_DELIVERY_COLUMNS HG_DELIVERY_FROM,
                      "d.account_id",
                      {"delivery_list_cursor", "SELECT id FROM webhook_deliveries WHERE account_id = $1 AND id = $2"},
                      {{"d.id", "text"}}};

}  // namespace

const std::vector<Statement>& delivery_by_id_statements() {
  static const std::vector<Statement> statements{kFind, kAttempts, kRetries, kSummary, kLock, kList.cursor};
  return statements;
}

std::optional<Page<DeliverySummary>> list_deliveries(Connection& conn, const AccountId& account,
                                                     const DeliveryFilter& filter, const PageRequest& page) {
  // A transaction, for KeysetPage's SET LOCAL of generic plans: without it
  // every page was planned anew over all partitions (2,665 pages/s, not 6,766).
  pqxx::read_transaction tx(conn.raw());
  KeysetPage query(kList, account, page);
  if (filter.endpoint) query.where("e", "d.endpoint_id = " + query.bind(filter.endpoint->str()));
  if (filter.event_type) query.where("t", "d.event_type = " + query.bind(*filter.event_type));
  // The status is a literal, so a generic plan can pick the index (or the
  // partial index of failed deliveries) whose order is the list's. failed_at
  // is set exactly when the status is failed (a CHECK); it is what those
  // partial indexes are defined by.
  if (filter.status) {
    query.where(*filter.status, *filter.status == "failed" ? std::string("d.failed_at IS NOT NULL")
                                                           : "d.status = '" + *filter.status + "'");
  }
  // A created range is also a range of ids, which prunes partitions: an id
  // is minted no earlier than its delivery's created_at (equal since V018),
  // and a day later at most (ids minted under V017, inside the publishing
  // transaction).
  if (filter.created_gte) {
    auto gte = query.bind(format_rfc3339(*filter.created_gte));
    query.where("gte", "d.created_at >= " + gte + "::timestamptz AND d.id >= hookgate_id_at('whd_', " + gte +
                           "::timestamptz)");
  }
  if (filter.created_lte) {
    auto lte = query.bind(format_rfc3339(*filter.created_lte));
    query.where("lte", "d.created_at <= " + lte + "::timestamptz AND d.id < hookgate_id_at('whd_', " + lte +
                           "::timestamptz + interval '1 day')");
  }
  return query.fetch(tx, conn, to_summary);
}

std::optional<DeliveryDetail> find_delivery(Connection& conn, const AccountId& account, const DeliveryId& id) {
  pqxx::read_transaction tx(conn.raw());
  auto found = exec(tx, conn, kFind, account.str(), id.str());
  if (found.empty()) return std::nullopt;
  DeliveryDetail detail{to_summary(found[0]), {}, {}, found[0][11].as<std::string>()};
  for (const auto& row : exec(tx, conn, kAttempts, account.str(), id.str())) {
    detail.attempts.push_back(to_attempt(row));
  }
  for (const auto& row : exec(tx, conn, kRetries, account.str(), id.str())) {
    detail.retries.push_back(to_retry(row));
  }
  return detail;
}

namespace {

RetryRefusal retry_refusal(const std::string& reason) {
  if (reason == "endpoint_disabled") return RetryRefusal::endpoint_disabled;
  if (reason == "attempt_in_progress") return RetryRefusal::attempt_in_progress;
  if (reason == "subscription_unauthorized") return RetryRefusal::subscription_unauthorized;
  throw std::logic_error("hookgate_retry_refusal() returned an unknown reason: " + reason);
}

}  // namespace

RetryResult retry_delivery(Connection& conn, const AccountId& account, const DeliveryId& id,
                           const ApiKeyId& requested_by) {
  pqxx::work tx(conn.raw());
  RetryResult result;
  // The row locks keep workers (SKIP LOCKED) and other retries out meanwhile.
  exec(tx, conn, kLockQueued, account.str(), id.str());
  if (exec(tx, conn, kLock, account.str(), id.str()).empty()) return result;
  result.found = true;
  auto refusal = exec(tx, conn, kRefusal, id.str());
  if (!refusal[0][0].is_null()) {
    result.refusal = retry_refusal(refusal[0][0].as<std::string>());
    result.delivery = to_summary(exec(tx, conn, kSummary, account.str(), id.str())[0]);
    return result;
  }
  exec(tx, conn, kRetry, id.str(), requested_by.str());
  result.delivery = to_summary(exec(tx, conn, kSummary, account.str(), id.str())[0]);
  tx.commit();
  return result;
}

}  // namespace hookgate::db

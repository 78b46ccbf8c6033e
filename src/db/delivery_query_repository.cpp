#include "db/delivery_query_repository.h"

#include "core/timefmt.h"
#include "db/sql_text.h"
#include "db/storage_error.h"

#include <pqxx/pqxx>

#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

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

// The cursor row's position, as the server's own text for an exact round trip.
constexpr Statement kCursor{"delivery_list_cursor",
                            "SELECT created_at::text, seq FROM webhook_deliveries WHERE account_id = $1 AND id = $2"};
constexpr Statement kFind{"delivery_find", HG_DELIVERY_COLUMNS
                          ", ev.payload " HG_DELIVERY_FROM "JOIN events ev ON ev.id = d.event_id "
                          "WHERE d.account_id = $1 AND d.id = $2"};
// Recorded attempts, and the one in flight from the queue row (unless a
// late result already recorded it).
constexpr Statement kAttempts{
    "delivery_attempts",
    "SELECT id, attempt_number, " HG_MICROS("started_at") ", " HG_MICROS("finished_at") ", duration_us, outcome, "
    "status_code, error, response_snippet FROM webhook_attempts WHERE delivery_id = $1 AND account_id = $2 "
    "UNION ALL "
    "SELECT q.attempt_id, q.attempt_count, " HG_MICROS("q.attempt_started_at") ", NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM webhook_delivery_queue q WHERE q.delivery_id = $1 AND q.account_id = $2 AND q.attempt_id IS NOT NULL "
    "  AND NOT EXISTS (SELECT 1 FROM webhook_attempts a WHERE a.id = q.attempt_id) "
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

template <class T>
std::optional<T> optional_field(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<T>();
}

std::optional<TimePoint> optional_time(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return from_epoch_micros(field.as<std::int64_t>());
}

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
                         from_epoch_micros(row[10].as<std::int64_t>())};
}

enum class ListDirection { first, after, before };

// One prepared statement per shape of filters and direction, with the status
// spelled out as a literal: a generic plan can then pick the index (or the
// partial index of failed deliveries) whose order is the list's order and
// stop after limit+1 rows.
struct ListShape {
  bool endpoint = false;
  bool event_type = false;
  std::optional<std::string> status;
  bool created_gte = false;
  bool created_lte = false;
  ListDirection direction = ListDirection::first;

  auto key() const { return std::tie(endpoint, event_type, status, created_gte, created_lte, direction); }
  bool operator<(const ListShape& other) const { return key() < other.key(); }

  std::string sql() const {
    int next = 3;
    auto param = [&next] { return "$" + std::to_string(next++); };
    std::string where = "WHERE d.account_id = $1";
    if (endpoint) where += " AND d.endpoint_id = " + param();
    if (event_type) where += " AND d.event_type = " + param();
    // failed_at is set exactly when the status is failed (a CHECK); it is
    // what the partial indexes of failed deliveries are defined by.
    if (status) where += *status == "failed" ? std::string(" AND d.failed_at IS NOT NULL")
                                             : " AND d.status = '" + *status + "'";
    if (created_gte) where += " AND d.created_at >= " + param() + "::timestamptz";
    if (created_lte) where += " AND d.created_at <= " + param() + "::timestamptz";
    if (direction != ListDirection::first) {
      auto created = param();
      auto seq = param();
      where += std::string(" AND (d.created_at, d.seq) ") + (direction == ListDirection::after ? "<" : ">") + " (" +
               created + "::timestamptz, " + seq + "::bigint)";
    }
    const char* order = direction == ListDirection::before ? "ASC" : "DESC";
    return std::string(HG_DELIVERY_COLUMNS HG_DELIVERY_FROM) + where + " ORDER BY d.created_at " +
           order + ", d.seq " + order + " LIMIT $2";
  }

  std::string name() const {
    return "delivery_list_" + std::to_string(static_cast<int>(direction)) + (endpoint ? "_e" : "") +
           (event_type ? "_t" : "") + (status ? "_" + *status : "") + (created_gte ? "_gte" : "") +
           (created_lte ? "_lte" : "");
  }
};

// Statement texts live for the process so connections can prepare them by name.
Statement list_statement(const ListShape& shape) {
  static std::mutex mutex;
  static std::map<ListShape, std::pair<std::string, std::string>> texts;
  std::lock_guard lock(mutex);
  auto [it, inserted] = texts.try_emplace(shape);
  if (inserted) it->second = {shape.name(), shape.sql()};
  return {it->second.first, it->second.second};
}

}  // namespace

Page<DeliverySummary> list_deliveries(Connection& conn, const AccountId& account, const DeliveryFilter& filter,
                                      const PageRequest& page) {
  pqxx::read_transaction tx(conn.raw());
  ListShape shape{filter.endpoint.has_value(), filter.event_type.has_value(), filter.status,
                  filter.created_gte.has_value(), filter.created_lte.has_value(), ListDirection::first};
  std::vector<std::string> params = {account.str(), std::to_string(page.limit + 1)};
  if (filter.endpoint) params.push_back(filter.endpoint->str());
  if (filter.event_type) params.push_back(*filter.event_type);
  if (filter.created_gte) params.push_back(format_rfc3339(*filter.created_gte));
  if (filter.created_lte) params.push_back(format_rfc3339(*filter.created_lte));
  if (const auto& cursor = page.starting_after ? page.starting_after : page.ending_before) {
    auto found = exec(tx, conn, kCursor, account.str(), *cursor);
    if (found.empty()) {
      throw UnknownCursor(page.starting_after ? "starting_after" : "ending_before", *cursor);
    }
    params.push_back(found[0][0].as<std::string>());
    params.push_back(found[0][1].as<std::string>());
    shape.direction = page.starting_after ? ListDirection::after : ListDirection::before;
  }
  auto statement = list_statement(shape);
  conn.ensure_prepared(statement);
  auto result = tx.exec_prepared(std::string(statement.name), pqxx::prepare::make_dynamic_params(params));
  std::vector<DeliverySummary> rows;
  rows.reserve(result.size());
  for (const auto& row : result) rows.push_back(to_summary(row));
  return make_page(std::move(rows), page);
}

std::optional<DeliveryDetail> find_delivery(Connection& conn, const AccountId& account, const DeliveryId& id) {
  pqxx::read_transaction tx(conn.raw());
  auto found = exec(tx, conn, kFind, account.str(), id.str());
  if (found.empty()) return std::nullopt;
  DeliveryDetail detail{to_summary(found[0]), {}, {}, found[0][11].as<std::string>()};
  for (const auto& row : exec(tx, conn, kAttempts, id.str(), account.str())) {
    detail.attempts.push_back(AttemptRecord{AttemptId::from_trusted(row[0].as<std::string>()), row[1].as<int>(),
                                            from_epoch_micros(row[2].as<std::int64_t>()), optional_time(row[3]),
                                            optional_field<std::int64_t>(row[4]), optional_field<std::string>(row[5]),
                                            optional_field<int>(row[6]), optional_field<std::string>(row[7]),
                                            optional_field<std::string>(row[8])});
  }
  for (const auto& row : exec(tx, conn, kRetries, account.str(), id.str())) {
    std::optional<RetryJobId> job;
    if (!row[2].is_null()) job = RetryJobId::from_trusted(row[2].as<std::string>());
    detail.retries.push_back(
        RetryRecord{ApiKeyId::from_trusted(row[0].as<std::string>()), from_epoch_micros(row[1].as<std::int64_t>()),
                    std::move(job)});
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

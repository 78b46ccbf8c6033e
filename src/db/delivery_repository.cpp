#include "db/delivery_repository.h"

#include "core/log.h"
#include "core/timefmt.h"
#include "db/pg_array.h"
#include "db/row_fields.h"
#include "db/sql_text.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <map>

namespace hookgate::db {

namespace {

// $n holds microseconds since the epoch (bigint).
#define HG_TS(param) "to_timestamp(" param "::bigint / 1000000.0)"

constexpr Statement kPublish{
    "delivery_publish",
    "SELECT event_id, outcome, deliveries FROM hookgate_publish_event($1, $2, $3::jsonb, nullif($4, ''), "
    "CASE WHEN $5::bigint = 0 THEN NULL ELSE " HG_TS("$5") " END, p_notify => false)"};

// The workers' wake-up, sent after a publish has committed, in a transaction
// of its own that does not wait for the disk: every NOTIFY holds a
// database-wide lock until its transaction's commit is flushed, so notifying
// inside durable publishes serialized them on each other's flushes (V014). A
// wake-up lost in a crash costs a poll interval, never a delivery. One round
// trip: a multi-statement query runs as one implicit transaction.
constexpr std::string_view kWakeWorkers = "SET LOCAL synchronous_commit = off; NOTIFY hookgate_deliveries";

// Per row only what differs per row; rule-3 authorization is decided once per
// distinct (subscription pattern, key) of the batch, as
// hookgate_endpoint_receives() would per endpoint, and secrets are read once
// per endpoint, still sealed (the worker opens them). The lease and the
// attempt now in flight are written to the queue row alone; the delivery row
// is only read. An attempt still on the queue row is one whose result never
// came (its worker died): it is recorded as interrupted.
constexpr Statement kClaim{
    "delivery_claim",
    // The inner LIMIT is a constant (kMaxClaimLimit) so that the generic plan
    // expects a batch, not a tenth of the queue as it does for LIMIT $n; the
    // outer one stops the locking at $1 rows.
    "WITH due AS ("
    "  SELECT * FROM ("
    "    SELECT delivery_id, account_id, attempt_id, attempt_started_at, attempt_count FROM webhook_delivery_queue"
    "    WHERE due_at <= " HG_TS("$2") " ORDER BY due_at LIMIT 1000 FOR UPDATE SKIP LOCKED"
    "  ) capped LIMIT $1"
    "), leased AS ("
    "  UPDATE webhook_delivery_queue q SET due_at = to_timestamp(($2::bigint + $3::bigint) / 1000000.0),"
    "    claim_token = nextval('webhook_claim_tokens'), attempt_count = q.attempt_count + 1,"
    "    attempt_id = hookgate_random_id('wha_'), attempt_started_at = " HG_TS("$2")
    "  FROM due WHERE q.delivery_id = due.delivery_id"
    "  RETURNING q.delivery_id, q.account_id, q.claim_token, q.attempt_count, q.attempt_id"
    "), interrupted AS ("
    // A late result replaces this row with what really happened.
    "  INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, outcome,"
    "    error)"
    "  SELECT attempt_id, delivery_id, account_id, attempt_count, attempt_started_at, " HG_TS("$2") ", 'interrupted',"
    "    'no result recorded: the worker stopped and its lease expired'"
    "  FROM due WHERE attempt_id IS NOT NULL"
    "  ON CONFLICT (delivery_id, id) DO NOTHING"
    "), claimed AS ("
    // A lookup per row (LIMIT 1 keeps it one): it reads one partition whatever
    // the plan's estimates, where a join may scan them all.
    "  SELECT d.id, d.account_id, d.event_id, d.event_created_at, d.endpoint_id, d.event_type, l.claim_token,"
    "    l.attempt_count, l.attempt_id"
    "  FROM leased l CROSS JOIN LATERAL (SELECT d.id, d.account_id, d.event_id, d.event_created_at, d.endpoint_id,"
    "    d.event_type FROM webhook_deliveries d WHERE d.id = l.delivery_id AND d.account_id = l.account_id LIMIT 1) d"
    "), subscribed AS MATERIALIZED ("
    "  SELECT r.endpoint_id, r.event_type, s.pattern, s.authorized_by"
    "  FROM (SELECT DISTINCT endpoint_id, event_type FROM claimed OFFSET 0) r"  // OFFSET 0: once per pair
    "  JOIN endpoint_subscriptions s ON s.endpoint_id = r.endpoint_id"
    "    AND s.pattern = ANY (hookgate_patterns_matching(r.event_type))"
    "), grants AS MATERIALIZED ("
    // Endpoints of an account mostly share their subscriptions' keys and
    // patterns: rule 3 is decided once per distinct (pattern, key).
    "  SELECT g.pattern, g.authorized_by, hookgate_subscription_authorized(g.pattern, g.authorized_by) AS authorized"
    "  FROM (SELECT DISTINCT pattern, authorized_by FROM subscribed OFFSET 0) g"
    "), routes AS MATERIALIZED ("
    "  SELECT r.endpoint_id, r.event_type, coalesce(bool_or(g.authorized), false) AS authorized"
    "  FROM (SELECT DISTINCT endpoint_id, event_type FROM claimed OFFSET 0) r"
    "  LEFT JOIN subscribed s ON s.endpoint_id = r.endpoint_id AND s.event_type = r.event_type"
    "  LEFT JOIN grants g ON g.pattern = s.pattern AND g.authorized_by = s.authorized_by"
    "  GROUP BY r.endpoint_id, r.event_type"
    "), targets AS MATERIALIZED ("
    "  SELECT e.id, e.url, coalesce((SELECT string_agg(encode(s.sealed_secret, 'hex'), ' '"
    "       ORDER BY s.expires_at IS NOT NULL, s.created_at DESC, s.seq DESC)"
    "     FROM endpoint_secrets s WHERE s.endpoint_id = e.id"
    "       AND (s.expires_at IS NULL OR s.expires_at > " HG_TS("$2") ")), '') AS secrets"
    "  FROM webhook_endpoints e WHERE e.id IN (SELECT endpoint_id FROM routes)"
    ") "
    "SELECT c.id, c.claim_token, c.attempt_id, c.attempt_count, c.account_id, c.endpoint_id, c.event_type, t.url,"
    "  " HG_EVENT_PAYLOAD("c") ", t.secrets, r.authorized "
    "FROM claimed c"
    "  JOIN routes r ON r.endpoint_id = c.endpoint_id AND r.event_type = c.event_type"
    "  JOIN targets t ON t.id = c.endpoint_id"};

// Results of a batch, and the endpoints whose last result in it succeeded
// marked healthy ($14), in one statement. Each attempt is inserted whole
// (replacing an 'interrupted' row that a later claim wrote for it). Only
// results whose claim token still matches the queue row count for the
// delivery: a finished delivery leaves the queue, a retry is rescheduled
// there. The delivery row changes only in columns no index reads, but for
// failed_at (the failed indexes' predicate) when it ends failed.
constexpr Statement kRecord{
    "delivery_record",
    "WITH r AS ("
    "  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[],"
    "                       $7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::text[], $12::int[],"
    "                       $13::bigint[])"
    "    AS r(delivery_id, token, attempt_id, finished_us, duration_us, outcome, status_code, error, snippet, next_us,"
    "         account_id, attempt_number, started_us)"
    "), attempts AS ("
    "  INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at,"
    "    duration_us, outcome, status_code, error, response_snippet)"
    "  SELECT r.attempt_id, r.delivery_id, r.account_id, r.attempt_number, to_timestamp(r.started_us / 1000000.0),"
    "    to_timestamp(r.finished_us / 1000000.0), r.duration_us, r.outcome, r.status_code, r.error, r.snippet"
    // Not for a delivery deleted (with its endpoint) while in flight.
    "  FROM r WHERE EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = r.delivery_id"
    "    AND d.account_id = r.account_id)"
    "  ON CONFLICT (delivery_id, id) DO UPDATE SET finished_at = EXCLUDED.finished_at, duration_us = EXCLUDED.duration_us,"
    "    outcome = EXCLUDED.outcome, status_code = EXCLUDED.status_code, error = EXCLUDED.error,"
    "    response_snippet = EXCLUDED.response_snippet"
    "), healthy AS ("
    "  UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ANY ($14::text[]) AND failing_since IS NOT NULL"
    "), finished AS ("
    "  DELETE FROM webhook_delivery_queue q USING r"
    "  WHERE q.delivery_id = r.delivery_id AND q.claim_token = r.token"
    "    AND (r.outcome = 'succeeded' OR r.next_us IS NULL)"
    "  RETURNING q.delivery_id, q.attempt_count"
    "), rescheduled AS ("
    "  UPDATE webhook_delivery_queue q SET due_at = to_timestamp(r.next_us / 1000000.0), claim_token = NULL,"
    "    attempt_id = NULL, attempt_started_at = NULL"
    "  FROM r WHERE q.delivery_id = r.delivery_id AND q.claim_token = r.token"
    "    AND r.outcome <> 'succeeded' AND r.next_us IS NOT NULL"
    "  RETURNING q.delivery_id, q.attempt_count"
    ") "
    "UPDATE webhook_deliveries d SET"
    "  status = CASE WHEN r.outcome = 'succeeded' THEN 'succeeded' WHEN r.next_us IS NULL THEN 'failed'"
    "           ELSE 'pending' END,"
    "  failed_at = CASE WHEN r.outcome <> 'succeeded' AND r.next_us IS NULL"
    "              THEN to_timestamp(r.finished_us / 1000000.0) END,"
    "  attempt_count = f.attempt_count, last_attempt_at = to_timestamp(r.finished_us / 1000000.0),"
    "  last_status_code = r.status_code, last_error = r.error, updated_at = now() "
    "FROM r JOIN (SELECT * FROM finished UNION ALL SELECT * FROM rescheduled) f ON f.delivery_id = r.delivery_id "
    "WHERE d.id = r.delivery_id"};

constexpr Statement kFailing{"delivery_endpoints_failing",
                             "UPDATE webhook_endpoints SET failing_since = " HG_TS("$2")
                             " WHERE id = ANY ($1::text[]) AND failing_since IS NULL AND status = 'enabled'"};

constexpr Statement kDisable{
    "delivery_endpoints_disable",
    "WITH disabled AS ("
    "  UPDATE webhook_endpoints SET status = 'disabled', updated_at = now(),"
    "    disabled_reason = CASE WHEN id = ANY ($1::text[]) THEN 'gone' ELSE 'failing' END"
    "  WHERE status = 'enabled' AND (id = ANY ($1::text[])"
    "    OR (id = ANY ($2::text[]) AND failing_since <= to_timestamp(($3::bigint - $4::bigint) / 1000000.0)))"
    "  RETURNING id, account_id, url, disabled_reason"
    ") "
    "SELECT d.id, d.disabled_reason, p.event_id FROM disabled d, LATERAL hookgate_publish_event("
    "  d.account_id, 'webhook_endpoint.disabled', jsonb_build_object('object', 'webhook_endpoint', 'id', d.id,"
    "  'url', d.url, 'status', 'disabled', 'disabled_reason', d.disabled_reason)) p"};

constexpr Statement kNextDue{
    "delivery_next_due",
    "SELECT " HG_MICROS("min(due_at)") " FROM webhook_delivery_queue"};

std::int64_t micros(TimePoint time) { return to_epoch_micros(time); }

static_assert(kMaxClaimLimit == 1000, "kClaim's inner LIMIT is written as 1000");

}  // namespace

PublishOutcome publish_event(Connection& conn, const AccountId& account, const std::string& type,
                             const std::string& data_json, const std::optional<EventId>& id,
                             std::optional<TimePoint> occurred_at) {
  pqxx::work tx(conn.raw());
  auto row = exec(tx, conn, kPublish, account.str(), type, data_json, id ? id->str() : std::string(),
                  occurred_at ? micros(*occurred_at) : std::int64_t{0})[0];
  tx.commit();
  PublishOutcome outcome{EventId::from_trusted(row[0].as<std::string>()), row[1].as<std::string>(),
                         row[2].as<int>()};
  if (outcome.outcome == "created" && outcome.deliveries > 0) {
    try {
      pqxx::nontransaction wake(conn.raw());
      wake.exec(std::string(kWakeWorkers));
    } catch (const std::exception& e) {
      // Published all the same: the workers' poll finds the deliveries.
      log::warn("waking delivery workers failed", {{"error", e.what()}, {"event", outcome.id.str()}});
    }
  }
  return outcome;
}

std::vector<ClaimedDelivery> claim_due_deliveries(Connection& conn, std::size_t limit, TimePoint now,
                                                  std::chrono::milliseconds lease) {
  // One statement is atomic on its own: no BEGIN/COMMIT round trips.
  pqxx::nontransaction tx(conn.raw());
  auto lease_us = std::chrono::duration_cast<std::chrono::microseconds>(lease).count();
  auto result = exec(tx, conn, kClaim, static_cast<long>(std::min(limit, kMaxClaimLimit)), micros(now),
                     static_cast<std::int64_t>(lease_us));
  std::vector<ClaimedDelivery> out;
  out.reserve(result.size());
  for (const auto& row : result) {
    ClaimedDelivery claimed{DeliveryId::from_trusted(row[0].as<std::string>()),
                            row[1].as<std::int64_t>(),
                            AttemptId::from_trusted(row[2].as<std::string>()),
                            row[3].as<int>(),
                            now,
                            AccountId::from_trusted(row[4].as<std::string>()),
                            EndpointId::from_trusted(row[5].as<std::string>()),
                            row[6].as<std::string>(),
                            row[7].as<std::string>(),
                            row[8].as<std::string>(),
                            {},
                            row[10].as<bool>(),
                            row[9].as<std::string>()};
    out.push_back(std::move(claimed));
  }
  return out;
}

std::vector<DisabledEndpoint> record_attempt_results(Connection& conn, const std::vector<AttemptResult>& results,
                                                     TimePoint now, std::chrono::seconds disable_after) {
  ArrayLiteral deliveries, tokens, attempts, finished, durations, outcomes, codes, errors, snippets, next, accounts,
      numbers, started;
  // The last result of each endpoint in this batch decides its health.
  std::map<std::string, const AttemptResult*> latest_by_endpoint;
  for (const auto& r : results) {
    deliveries.text(r.delivery.str());
    tokens.number(r.claim_token);
    attempts.text(r.attempt.str());
    finished.number(micros(r.finished));
    durations.number(r.duration.count());
    outcomes.text(r.outcome);
    codes.optional_number(r.status_code);
    r.error ? errors.text(*r.error) : errors.null();
    r.response_snippet ? snippets.text(*r.response_snippet) : snippets.null();
    next.optional_number(r.next_attempt ? std::optional<std::int64_t>(micros(*r.next_attempt)) : std::nullopt);
    accounts.text(r.account.str());
    numbers.number(r.attempt_number);
    started.number(micros(r.started));
    if (r.counts_for_health) latest_by_endpoint[r.endpoint.str()] = &r;
  }
  ArrayLiteral healthy, failing, gone;
  bool any_failing = false;
  for (const auto& [endpoint, r] : latest_by_endpoint) {
    if (r->outcome == "succeeded") {
      healthy.text(endpoint);
    } else {
      failing.text(endpoint);
      any_failing = true;
      if (r->endpoint_gone) gone.text(endpoint);
    }
  }

  std::vector<DisabledEndpoint> disabled;
  auto record = [&](pqxx::transaction_base& tx) {
    exec(tx, conn, kRecord, deliveries.str(), tokens.str(), attempts.str(), finished.str(), durations.str(),
         outcomes.str(), codes.str(), errors.str(), snippets.str(), next.str(), accounts.str(), numbers.str(),
         started.str(), healthy.str());
  };
  if (!any_failing) {
    // The common case is one statement, atomic on its own.
    pqxx::nontransaction tx(conn.raw());
    record(tx);
    return disabled;
  }
  pqxx::work tx(conn.raw());
  record(tx);
  exec(tx, conn, kFailing, failing.str(), micros(now));
  auto rows = exec(tx, conn, kDisable, gone.str(), failing.str(), micros(now),
                   static_cast<std::int64_t>(disable_after.count()) * 1'000'000);
  for (const auto& row : rows) {
    disabled.push_back({EndpointId::from_trusted(row[0].as<std::string>()), row[1].as<std::string>()});
  }
  tx.commit();
  return disabled;
}

std::optional<TimePoint> next_due_time(Connection& conn) {
  pqxx::nontransaction tx(conn.raw());
  auto row = exec(tx, conn, kNextDue)[0];
  return optional_time(row[0]);
}

}  // namespace hookgate::db

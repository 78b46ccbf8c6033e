#include "db/idempotency_repository.h"

#include "core/timefmt.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

// Taking over an expired or abandoned row happens in the same statement as
// the insert, so two racing requests can never both see "claimed".
constexpr Statement kClaim{
    "idem_claim",
    "INSERT INTO idempotency_keys (account_id, key, fingerprint, state, owner_token) "
    "VALUES ($1, $2, $3, 'in_progress', $4) "
    "ON CONFLICT (account_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, state = 'in_progress', "
    "owner_token = EXCLUDED.owner_token, "
    "response_status = NULL, response_body = NULL, sealed_response_body = NULL, created_at = now(), locked_at = now() "
    "WHERE idempotency_keys.created_at < now() - interval '24 hours' "
    "OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.locked_at < now() - interval '60 seconds') "
    "RETURNING 1"};
constexpr Statement kFind{
    "idem_find",
    "SELECT fingerprint, state, response_status, response_body, sealed_response_body FROM idempotency_keys "
    "WHERE account_id = $1 AND key = $2"};
constexpr Statement kComplete{
    "idem_complete",
    "UPDATE idempotency_keys SET state = 'done', response_status = $4, sealed_response_body = $5 "
    "WHERE account_id = $1 AND key = $2 AND state = 'in_progress' AND owner_token = $3"};
constexpr Statement kRelease{
    "idem_release",
    "DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND state = 'in_progress' AND owner_token = $3"};

constexpr Statement kDeleteExpired{
    "idem_delete_expired",
    "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY("
    "SELECT ctid FROM idempotency_keys WHERE created_at < $1::timestamptz LIMIT $2))"};
constexpr Statement kCountExpired{"idem_count_expired",
                                  "SELECT count(*) FROM idempotency_keys WHERE created_at < $1::timestamptz"};

// The row seen by the failed insert may be released before we read it; the
// next insert then wins, so a few rounds always settle.
constexpr int kClaimAttempts = 5;

}  // namespace

Claim claim_idempotency_key(Connection& conn, const AccountId& account, const std::string& key,
                            const std::string& fingerprint, const std::string& owner_token) {
  for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
    // READ COMMITTED gives the SELECT a fresh snapshot, so it sees the row
    // (possibly committed by a racing request) that made the INSERT stand down.
    pqxx::work tx(conn.raw());
    if (!exec(tx, conn, kClaim, account.str(), key, fingerprint, owner_token).empty()) {
      tx.commit();
      return Claim{ClaimOutcome::claimed, 0, {}};
    }
    auto rows = exec(tx, conn, kFind, account.str(), key);
    tx.commit();
    if (rows.empty()) continue;
    const auto& row = rows[0];
    if (row[0].as<std::string>() != fingerprint) return Claim{ClaimOutcome::mismatch, 0, {}};
    if (row[1].as<std::string>() != "done") return Claim{ClaimOutcome::in_progress, 0, {}};
    if (row[4].is_null()) return Claim{ClaimOutcome::replay, row[2].as<int>(), row[3].as<std::string>(), false};
    return Claim{ClaimOutcome::replay, row[2].as<int>(), pqxx::binarystring(row[4]).str(), true};
  }
  return Claim{ClaimOutcome::contended, 0, {}};
}

bool complete_idempotency_key(Connection& conn, const AccountId& account, const std::string& key,
                              const std::string& owner_token, int status, const std::string& sealed_body) {
  pqxx::work tx(conn.raw());
  auto result = exec(tx, conn, kComplete, account.str(), key, owner_token, status,
                     pqxx::binarystring(sealed_body.data(), sealed_body.size()));
  tx.commit();
  return result.affected_rows() == 1;
}

bool release_idempotency_key(Connection& conn, const AccountId& account, const std::string& key,
                             const std::string& owner_token) {
  pqxx::work tx(conn.raw());
  auto result = exec(tx, conn, kRelease, account.str(), key, owner_token);
  tx.commit();
  return result.affected_rows() == 1;
}

std::int64_t delete_expired_idempotency_keys(Connection& conn, TimePoint expired_before, int batch) {
  pqxx::work tx(conn.raw());
  auto deleted = exec(tx, conn, kDeleteExpired, format_rfc3339(expired_before), batch).affected_rows();
  tx.commit();
  return static_cast<std::int64_t>(deleted);
}

std::int64_t count_expired_idempotency_keys(Connection& conn, TimePoint expired_before) {
  pqxx::read_transaction tx(conn.raw());
  return exec(tx, conn, kCountExpired, format_rfc3339(expired_before))[0][0].as<std::int64_t>();
}

}  // namespace hookgate::db

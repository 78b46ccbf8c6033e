#include "db/idempotency_repository.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr Statement kClaim{"idem_claim",
                           "SELECT claimed, fingerprint, state, response_status, response_body, sealed_response_body "
                           "FROM hookgate_claim_idempotency_key($1, $2, $3, $4)"};
// (account, key) is at most one row across the day partitions (a claim
// deletes an expired one before it inserts); the owner token makes sure the
// row is still this claim's, not a later one's after this one was abandoned.
constexpr Statement kComplete{
    "idem_complete",
    "UPDATE idempotency_keys SET state = 'done', response_status = $4, sealed_response_body = $5 "
    "WHERE account_id = $1 AND key = $2 AND state = 'in_progress' AND owner_token = $3"};
constexpr Statement kRelease{
    "idem_release",
    "DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND state = 'in_progress' AND owner_token = $3"};

}  // namespace

Claim claim_idempotency_key(Connection& conn, const AccountId& account, const std::string& key,
                            const std::string& fingerprint, const std::string& owner_token) {
  pqxx::work tx(conn.raw());
  auto rows = exec(tx, conn, kClaim, account.str(), key, fingerprint, owner_token);
  tx.commit();
  const auto& row = rows.at(0);
  if (row[0].as<bool>()) return Claim{ClaimOutcome::claimed, 0, {}};
  if (row[1].as<std::string>() != fingerprint) return Claim{ClaimOutcome::mismatch, 0, {}};
  if (row[2].as<std::string>() != "done") return Claim{ClaimOutcome::in_progress, 0, {}};
  if (row[5].is_null()) return Claim{ClaimOutcome::replay, row[3].as<int>(), row[4].as<std::string>(), false};
  return Claim{ClaimOutcome::replay, row[3].as<int>(), pqxx::binarystring(row[5]).str(), true};
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

}  // namespace hookgate::db

#pragma once
// Storage of API keys: only SHA-256 hashes of key text ever reach Postgres.

#include "core/clock.h"
#include "db/pool.h"
#include "domain/api_key.h"
#include "domain/api_key_format.h"
#include "domain/ids.h"
#include "domain/pagination.h"
#include "domain/scopes.h"

#include <pqxx/transaction_base>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hookgate::db {


// A non-revoked key owning this secret hash whose secret has not expired.
std::optional<KeyGrant> find_grant_by_hash(Connection& conn, const std::vector<unsigned char>& secret_hash);

// Nullopt when the account takes no keys: it is missing or being erased
// (checked under a lock on the account row, see hookgate_account_state).
std::optional<KeyRecord> insert_key(Connection& conn, const NewKey& key);
std::optional<KeyRecord> find_key(Connection& conn, const ApiKeyId& id);
// Newest first; nullopt when the page's cursor is not a key of the account.
std::optional<Page<KeyRecord>> list_keys(Connection& conn, const AccountId& account, const PageRequest& page);
std::optional<KeyRecord> revoke_key(Connection& conn, const ApiKeyId& id);
// Revokes every key of the account as revoke_key does one (the key-change
// NOTIFY drops each from every process's cache), in the caller's
// transaction; returns how many were still valid.
int revoke_account_keys(pqxx::transaction_base& tx, Connection& conn, const AccountId& account);
std::optional<KeyRecord> replace_key_scopes(Connection& conn, const ApiKeyId& id, const ScopeSet& scopes);
// Adds a new current secret; every older secret expires after `grace`.
std::optional<KeyRecord> roll_key(Connection& conn, const ApiKeyId& id, const std::vector<unsigned char>& secret_hash,
                                  const std::string& display_prefix, std::chrono::seconds grace);

// One statement for the whole batch; never moves last_used_at backwards.
void record_key_uses(Connection& conn, const std::vector<KeyUse>& uses);

}  // namespace hookgate::db

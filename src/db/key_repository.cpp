#include "db/key_repository.h"

#include "core/crypto.h"
#include "core/timefmt.h"
#include "db/keyset_page.h"
#include "db/row_fields.h"
#include "db/pg_array.h"
#include "db/sql_text.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr const char* kRecordColumns =
    "SELECT k.id, k.account_id, k.kind, k.description, "
    "(SELECT display_prefix FROM api_key_secrets WHERE key_id = k.id ORDER BY created_at DESC LIMIT 1), "
    "coalesce((SELECT string_agg(scope, ' ' ORDER BY scope) FROM api_key_scopes WHERE key_id = k.id), ''), " HG_MICROS(
        "k.created_at") ", " HG_MICROS("k.revoked_at") ", " HG_MICROS("k.last_used_at") " FROM api_keys k ";

const std::string kRecordSelect = kRecordColumns;

constexpr Statement kFindGrant{
    "key_find_grant",
    "SELECT k.id, k.account_id, k.kind, " HG_MICROS("s.expires_at") ", "
    "coalesce((SELECT string_agg(scope, ' ') FROM api_key_scopes WHERE key_id = k.id), '') "
    "FROM api_key_secrets s JOIN api_keys k ON k.id = s.key_id "
    "WHERE s.secret_hash = decode($1, 'hex') AND k.revoked_at IS NULL "
    "AND (s.expires_at IS NULL OR s.expires_at > now())"};
constexpr Statement kInsertKey{"key_insert",
                               "INSERT INTO api_keys (id, account_id, kind, description) VALUES ($1, $2, $3, $4)"};
constexpr Statement kInsertSecret{
    "key_insert_secret",
    "INSERT INTO api_key_secrets (secret_hash, key_id, display_prefix) VALUES (decode($1, 'hex'), $2, $3)"};
constexpr Statement kInsertScopes{
    "key_insert_scopes",
    "INSERT INTO api_key_scopes (key_id, scope) SELECT $1, unnest($2::text[])"};
constexpr Statement kDeleteScopes{"key_delete_scopes", "DELETE FROM api_key_scopes WHERE key_id = $1"};
constexpr Statement kLockKey{"key_lock", "SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE"};
constexpr Statement kRevoke{"key_revoke",
                            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1"};
constexpr Statement kRevokeAccount{
    "key_revoke_account", "UPDATE api_keys SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL"};
constexpr Statement kAccountState{"key_account_state", "SELECT hookgate_account_state($1)"};
constexpr Statement kExpireSecrets{
    "key_expire_secrets",
    "UPDATE api_key_secrets SET expires_at = now() + make_interval(secs => $2) "
    "WHERE key_id = $1 AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => $2))"};
constexpr Statement kRecordUses{
    "key_record_uses",
    "UPDATE api_keys k SET last_used_at = greatest(coalesce(k.last_used_at, u.at), u.at) "
    "FROM (SELECT unnest($1::text[]) AS id, "
    "to_timestamp(unnest($2::bigint[]) / 1000000.0) AS at) u WHERE k.id = u.id"};

std::string record_sql(const char* where) { return kRecordSelect + where; }

const std::string kFindKeySql = record_sql("WHERE k.id = $1");
const Statement kFindKey{"key_find", kFindKeySql};
const KeysetList kList{"key_list",
                      kRecordColumns,
                      "k.account_id",
                      {"key_list_cursor", "SELECT created_at::text, id FROM api_keys WHERE account_id = $1 AND id = $2"},
                      {{"k.created_at", "timestamptz"}, {"k.id", "text"}}};

KeyKind kind_of(const pqxx::field& field) {
  return field.as<std::string>() == "sk" ? KeyKind::secret : KeyKind::publishable;
}

KeyRecord to_record(const pqxx::row& row) {
  return KeyRecord{ApiKeyId::from_trusted(row[0].as<std::string>()),
                   AccountId::from_trusted(row[1].as<std::string>()),
                   kind_of(row[2]),
                   row[3].as<std::string>(),
                   row[4].is_null() ? std::string() : row[4].as<std::string>(),
                   split_words<ScopeSet>(row[5].as<std::string>()),
                   time_field(row[6]),
                   optional_time(row[7]),
                   optional_time(row[8])};
}

std::optional<KeyRecord> find_in(pqxx::transaction_base& tx, Connection& conn, const ApiKeyId& id) {
  auto result = exec(tx, conn, kFindKey, id.str());
  if (result.empty()) return std::nullopt;
  return to_record(result[0]);
}

bool lock_key(pqxx::transaction_base& tx, Connection& conn, const ApiKeyId& id) {
  return !exec(tx, conn, kLockKey, id.str()).empty();
}

}  // namespace

std::optional<KeyGrant> find_grant_by_hash(Connection& conn, const std::vector<unsigned char>& secret_hash) {
  pqxx::nontransaction tx(conn.raw());  // one statement: no BEGIN and COMMIT
  auto result = exec(tx, conn, kFindGrant, crypto::hex_encode(secret_hash));
  if (result.empty()) return std::nullopt;
  const auto& row = result[0];
  return KeyGrant{ApiKeyId::from_trusted(row[0].as<std::string>()), AccountId::from_trusted(row[1].as<std::string>()),
                  kind_of(row[2]), split_words<ScopeSet>(row[4].as<std::string>()), optional_time(row[3])};
}

std::optional<KeyRecord> insert_key(Connection& conn, const NewKey& key) {
  pqxx::work tx(conn.raw());
  if (exec(tx, conn, kAccountState, key.account.str())[0][0].as<std::string>() != "active") return std::nullopt;
  exec(tx, conn, kInsertKey, key.id.str(), key.account.str(), std::string(key_kind_name(key.kind)), key.description);
  exec(tx, conn, kInsertSecret, crypto::hex_encode(key.secret_hash), key.id.str(), key.display_prefix);
  exec(tx, conn, kInsertScopes, key.id.str(), text_array(key.scopes));
  auto record = find_in(tx, conn, key.id);
  tx.commit();
  return record;
}

std::optional<KeyRecord> find_key(Connection& conn, const ApiKeyId& id) {
  pqxx::read_transaction tx(conn.raw());
  return find_in(tx, conn, id);
}

std::optional<Page<KeyRecord>> list_keys(Connection& conn, const AccountId& account, const PageRequest& page) {
  pqxx::read_transaction tx(conn.raw());
  return KeysetPage(kList, account, page).fetch(tx, conn, to_record);
}

std::optional<KeyRecord> revoke_key(Connection& conn, const ApiKeyId& id) {
  pqxx::work tx(conn.raw());
  exec(tx, conn, kRevoke, id.str());
  auto record = find_in(tx, conn, id);
  tx.commit();
  return record;
}

int revoke_account_keys(pqxx::transaction_base& tx, Connection& conn, const AccountId& account) {
  return static_cast<int>(exec(tx, conn, kRevokeAccount, account.str()).affected_rows());
}

std::optional<KeyRecord> replace_key_scopes(Connection& conn, const ApiKeyId& id, const ScopeSet& scopes) {
  pqxx::work tx(conn.raw());
  if (!lock_key(tx, conn, id)) return std::nullopt;
  exec(tx, conn, kDeleteScopes, id.str());
  exec(tx, conn, kInsertScopes, id.str(), text_array(scopes));
  auto record = find_in(tx, conn, id);
  tx.commit();
  return record;
}

std::optional<KeyRecord> roll_key(Connection& conn, const ApiKeyId& id, const std::vector<unsigned char>& secret_hash,
                                  const std::string& display_prefix, std::chrono::seconds grace) {
  pqxx::work tx(conn.raw());
  if (!lock_key(tx, conn, id)) return std::nullopt;
  exec(tx, conn, kExpireSecrets, id.str(), static_cast<double>(grace.count()));
  exec(tx, conn, kInsertSecret, crypto::hex_encode(secret_hash), id.str(), display_prefix);
  auto record = find_in(tx, conn, id);
  tx.commit();
  return record;
}

void record_key_uses(Connection& conn, const std::vector<KeyUse>& uses) {
  if (uses.empty()) return;
  ArrayLiteral ids, times;
  for (const auto& use : uses) {
    ids.text(use.id.str());
    times.number(to_epoch_micros(use.at));
  }
  pqxx::work tx(conn.raw());
  exec(tx, conn, kRecordUses, ids.str(), times.str());
  tx.commit();
}

}  // namespace hookgate::db

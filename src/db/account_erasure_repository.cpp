#include "db/account_erasure_repository.h"

#include "db/key_repository.h"
#include "db/row_fields.h"
#include "db/sql_text.h"

#include <pqxx/pqxx>

#include <sstream>

namespace hookgate::db {

namespace {

// The counts travel as "kind=count" words (kinds are SQL identifiers).
#define HG_ERASURE_COLUMNS                                                                                  \
  "id, account_id, status, "                                                                                \
  "coalesce((SELECT string_agg(key || '=' || value, ' ') FROM jsonb_each_text(erased)), ''), " HG_MICROS( \
      "created_at") ", " HG_MICROS("completed_at")

constexpr Statement kFindByAccount{"erasure_find_by_account",
                                   "SELECT " HG_ERASURE_COLUMNS " FROM account_erasures WHERE account_id = $1"};
constexpr Statement kFind{"erasure_find", "SELECT " HG_ERASURE_COLUMNS " FROM account_erasures WHERE id = $1"};
// FOR UPDATE conflicts with the FOR KEY SHARE that every write to the
// account takes (its foreign key, or hookgate_account_state first).
constexpr Statement kLockAccount{"erasure_lock_account", "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE"};
constexpr Statement kInsert{
    "erasure_insert",
    "WITH unqueued AS (DELETE FROM webhook_delivery_queue WHERE account_id = $2 RETURNING 1) "
    "INSERT INTO account_erasures (id, account_id, erased, next_batch_at) "
    "SELECT $1, $2, (SELECT jsonb_object_agg(k, 0) FROM unnest(hookgate_erasure_kinds()) k) || "
    "  jsonb_build_object('queued_deliveries', (SELECT count(*) FROM unqueued)), "
    "  now() + make_interval(secs => $3::double precision / 1000) "
    "ON CONFLICT (account_id) DO NOTHING RETURNING id"};
constexpr Statement kEndRetryJobs{
    "erasure_end_retry_jobs",
    "UPDATE webhook_retry_jobs SET status = 'completed', completed_at = now() "
    "WHERE account_id = $1 AND status = 'running'"};
constexpr Statement kAccountState{"erasure_account_state", "SELECT hookgate_account_state($1)"};
constexpr Statement kRun{"erasure_run",
                         "SELECT hookgate_run_account_erasures($1, make_interval(secs => $2::double precision / 1000), $3)"};

AccountErasureRecord to_record(const pqxx::row& row) {
  AccountErasureRecord record{AccountErasureId::from_trusted(row[0].as<std::string>()),
                              AccountId::from_trusted(row[1].as<std::string>()),
                              row[2].as<std::string>(),
                              {},
                              time_field(row[4]),
                              optional_time(row[5])};
  for (const auto& word : split_words<std::vector<std::string>>(row[3].as<std::string>())) {
    auto equals = word.find('=');
    if (equals == std::string::npos) continue;
    record.erased[word.substr(0, equals)] = std::stoll(word.substr(equals + 1));
  }
  return record;
}

std::optional<AccountErasureRecord> first(const pqxx::result& result) {
  if (result.empty()) return std::nullopt;
  return to_record(result[0]);
}

}  // namespace

std::optional<AccountErasureStart> begin_account_erasure(Connection& conn, const AccountErasureId& id,
                                                         const AccountId& account, std::chrono::milliseconds settle) {
  pqxx::work tx(conn.raw());
  if (auto existing = first(exec(tx, conn, kFindByAccount, account.str()))) {
    return AccountErasureStart{*existing, false};
  }
  if (exec(tx, conn, kLockAccount, account.str()).empty()) return std::nullopt;
  if (exec(tx, conn, kInsert, id.str(), account.str(), static_cast<std::int64_t>(settle.count())).empty()) {
    // Another DELETE of the account committed while this one waited for the lock.
    auto existing = first(exec(tx, conn, kFindByAccount, account.str()));
    if (!existing) return std::nullopt;
    return AccountErasureStart{*existing, false};
  }
  revoke_account_keys(tx, conn, account);
  exec(tx, conn, kEndRetryJobs, account.str());
  auto job = first(exec(tx, conn, kFind, id.str()));
  tx.commit();
  return AccountErasureStart{*job, true};
}

std::optional<AccountErasureRecord> find_account_erasure(Connection& conn, const AccountErasureId& id) {
  pqxx::read_transaction tx(conn.raw());
  return first(exec(tx, conn, kFind, id.str()));
}

AccountState account_state(Connection& conn, const AccountId& account) {
  pqxx::work tx(conn.raw());
  auto state = exec(tx, conn, kAccountState, account.str())[0][0].as<std::string>();
  tx.commit();
  if (state == "erased") return AccountState::erased;
  return state == "active" ? AccountState::active : AccountState::missing;
}

int run_account_erasures(Connection& conn, int batch, std::chrono::milliseconds pause, int max_jobs) {
  pqxx::work tx(conn.raw());
  auto advanced = exec(tx, conn, kRun, batch, static_cast<std::int64_t>(pause.count()), max_jobs)[0][0].as<int>();
  tx.commit();
  return advanced;
}

}  // namespace hookgate::db

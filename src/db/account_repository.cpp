#include "db/account_repository.h"

#include "core/timefmt.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr Statement kInsert{"account_insert",
                            "INSERT INTO accounts (id, name) VALUES ($1, $2) "
                            "RETURNING id, name, (extract(epoch FROM created_at) * 1000000)::bigint"};
constexpr Statement kFind{"account_find",
                          "SELECT id, name, (extract(epoch FROM created_at) * 1000000)::bigint "
                          "FROM accounts WHERE id = $1"};
constexpr Statement kFindByName{"account_find_by_name",
                                "SELECT id, name, (extract(epoch FROM created_at) * 1000000)::bigint "
                                "FROM accounts WHERE name = $1 ORDER BY created_at LIMIT 1"};

AccountRecord to_record(const pqxx::row& row) {
  return {AccountId::from_trusted(row[0].as<std::string>()), row[1].as<std::string>(),
          from_epoch_micros(row[2].as<std::int64_t>())};
}

std::optional<AccountRecord> first(const pqxx::result& result) {
  if (result.empty()) return std::nullopt;
  return to_record(result[0]);
}

}  // namespace

AccountRecord insert_account(Connection& conn, const AccountId& id, const std::string& name) {
  pqxx::work tx(conn.raw());
  auto record = to_record(exec(tx, conn, kInsert, id.str(), name)[0]);
  tx.commit();
  return record;
}

std::optional<AccountRecord> find_account(Connection& conn, const AccountId& id) {
  pqxx::read_transaction tx(conn.raw());
  return first(exec(tx, conn, kFind, id.str()));
}

std::optional<AccountRecord> find_account_by_name(Connection& conn, const std::string& name) {
  pqxx::read_transaction tx(conn.raw());
  return first(exec(tx, conn, kFindByName, name));
}

}  // namespace hookgate::db

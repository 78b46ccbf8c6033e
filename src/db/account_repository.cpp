#include "db/account_repository.h"

#include "db/row_fields.h"
#include "db/sql_text.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr Statement kInsert{"account_insert",
                            "INSERT INTO accounts (id, name) VALUES ($1, $2) "
                            "RETURNING id, name, " HG_MICROS("created_at")};
constexpr Statement kFind{"account_find",
                          "SELECT id, name, " HG_MICROS("created_at") " FROM accounts WHERE id = $1"};
constexpr Statement kFindByName{"account_find_by_name",
                                "SELECT id, name, " HG_MICROS("created_at") " FROM accounts WHERE name = $1 ORDER BY created_at LIMIT 1"};

AccountRecord to_record(const pqxx::row& row) {
  return {AccountId::from_trusted(row[0].as<std::string>()), row[1].as<std::string>(),
          time_field(row[2])};
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

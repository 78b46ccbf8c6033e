#include "db/migrator.h"

#include "core/crypto.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>
#include <map>
#include <regex>
#include <set>

namespace hookgate::db {

namespace {

// Any fixed number; every hookgate process takes the same lock to migrate.
constexpr long long kMigrationLockKey = 0x686f6f6b67617465;  // "hookgate"

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
))sql";

std::map<int, std::string> applied_checksums(pqxx::transaction_base& tx) {
  std::map<int, std::string> out;
  auto exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL")[0].as<bool>();
  if (!exists) return out;
  for (const auto& row : tx.exec("SELECT version, checksum FROM schema_migrations")) {
    out.emplace(row[0].as<int>(), row[1].as<std::string>());
  }
  return out;
}

void verify_applied(const std::map<int, std::string>& applied, const std::vector<Migration>& migrations) {
  std::map<int, const Migration*> known;
  for (const auto& m : migrations) known.emplace(m.version, &m);
  for (const auto& [version, checksum] : applied) {
    auto it = known.find(version);
    if (it == known.end()) {
      throw MigrationError("database has migration version " + std::to_string(version) +
                           " which this build of hookgate does not know; refusing to run an older build");
    }
    if (it->second->checksum != checksum) {
      throw MigrationError("migration " + it->second->name + " was changed after it was applied (checksum " +
                           checksum + " in the database, " + it->second->checksum +
                           " in this build); write a new migration instead of editing an applied one");
    }
  }
}

}  // namespace

std::vector<Migration> parse_migrations(const std::vector<MigrationFile>& files) {
  static const std::regex pattern(R"(^V([0-9]+)__([A-Za-z0-9_]+)\.sql$)");
  std::vector<Migration> out;
  std::set<int> seen;
  for (const auto& file : files) {
    std::smatch match;
    if (!std::regex_match(file.name, match, pattern)) {
      throw MigrationError("migration file name " + file.name + " does not match V<number>__<name>.sql");
    }
    int version = std::stoi(match[1].str());
    if (!seen.insert(version).second) {
      throw MigrationError("two migration files share version " + std::to_string(version));
    }
    out.push_back(Migration{version, file.name, file.sql, crypto::sha256_hex(file.sql)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return out;
}

MigrationResult migrate(pqxx::connection& conn, const std::vector<Migration>& migrations) {
  MigrationResult result;
  {
    pqxx::nontransaction lock_tx(conn);
    lock_tx.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
  }
  try {
    {
      pqxx::work tx(conn);
      tx.exec0(kCreateTable);
      tx.commit();
    }
    std::map<int, std::string> applied;
    {
      pqxx::read_transaction tx(conn);
      applied = applied_checksums(tx);
    }
    verify_applied(applied, migrations);
    for (const auto& migration : migrations) {
      if (applied.count(migration.version) != 0) continue;
      pqxx::work tx(conn, "migrate " + migration.name);
      tx.exec(migration.sql);
      tx.exec_params0("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                      migration.version, migration.name, migration.checksum);
      tx.commit();
      result.applied.push_back(migration.version);
    }
  } catch (...) {
    pqxx::nontransaction unlock_tx(conn);
    unlock_tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
    throw;
  }
  pqxx::nontransaction unlock_tx(conn);
  unlock_tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
  return result;
}

bool migrations_current(pqxx::connection& conn, const std::vector<Migration>& migrations) {
  pqxx::read_transaction tx(conn);
  auto applied = applied_checksums(tx);
  if (applied.size() != migrations.size()) return false;
  for (const auto& m : migrations) {
    auto it = applied.find(m.version);
    if (it == applied.end() || it->second != m.checksum) return false;
  }
  return true;
}

}  // namespace hookgate::db

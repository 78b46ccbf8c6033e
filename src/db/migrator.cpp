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

// name -> checksum of the repeatables recorded; empty before V017 ran.
std::map<std::string, std::string> applied_repeatable_checksums(pqxx::transaction_base& tx) {
  std::map<std::string, std::string> out;
  auto exists = tx.exec1("SELECT to_regclass('schema_repeatable_migrations') IS NOT NULL")[0].as<bool>();
  if (!exists) return out;
  for (const auto& row : tx.exec("SELECT name, checksum FROM schema_repeatable_migrations")) {
    out.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  return out;
}

// Runs each repeatable whose file changed (or is new), each in a transaction
// with its bookkeeping row. A recorded name this build has no file for is
// left alone: it may be a function a newer build added.
std::vector<std::string> apply_repeatables(pqxx::connection& conn, const std::vector<RepeatableMigration>& repeatables) {
  std::vector<std::string> applied;
  if (repeatables.empty()) return applied;
  std::map<std::string, std::string> recorded;
  {
    pqxx::read_transaction tx(conn);
    recorded = applied_repeatable_checksums(tx);
  }
  for (const auto& repeatable : repeatables) {
    auto it = recorded.find(repeatable.name);
    if (it != recorded.end() && it->second == repeatable.checksum) continue;
    pqxx::work tx(conn, "migrate " + repeatable.name);
    tx.exec(repeatable.sql);
    tx.exec_params0(
        "INSERT INTO schema_repeatable_migrations (name, checksum) VALUES ($1, $2) "
        "ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()",
        repeatable.name, repeatable.checksum);
    tx.commit();
    applied.push_back(repeatable.name);
  }
  return applied;
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

std::vector<RepeatableMigration> parse_repeatable_migrations(const std::vector<MigrationFile>& files) {
  static const std::regex pattern(R"(^(functions|triggers)/[a-z0-9_]+\.sql$)");
  std::vector<RepeatableMigration> out;
  std::set<std::string> seen;
  for (const auto& file : files) {
    if (!std::regex_match(file.name, pattern)) {
      throw MigrationError("repeatable migration " + file.name +
                           " does not match functions/<name>.sql or triggers/<name>.sql");
    }
    if (!seen.insert(file.name).second) throw MigrationError("two repeatable migrations named " + file.name);
    out.push_back(RepeatableMigration{file.name, file.sql, crypto::sha256_hex(file.sql)});
  }
  return out;
}

MigrationResult migrate(pqxx::connection& conn, const std::vector<Migration>& migrations,
                        const std::vector<RepeatableMigration>& repeatables) {
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
    result.repeatables_applied = apply_repeatables(conn, repeatables);
  } catch (...) {
    pqxx::nontransaction unlock_tx(conn);
    unlock_tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
    throw;
  }
  pqxx::nontransaction unlock_tx(conn);
  unlock_tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
  return result;
}

MigrationSet embedded_migration_set() {
  return {parse_migrations(embedded_migrations()), parse_repeatable_migrations(embedded_repeatable_migrations())};
}

MigrationResult migrate(pqxx::connection& conn, const MigrationSet& set) {
  return migrate(conn, set.versioned, set.repeatables);
}

bool migrations_current(pqxx::connection& conn, const MigrationSet& set) {
  return migrations_current(conn, set.versioned, set.repeatables);
}

bool migrations_current(pqxx::connection& conn, const std::vector<Migration>& migrations,
                        const std::vector<RepeatableMigration>& repeatables) {
  pqxx::read_transaction tx(conn);
  auto applied = applied_checksums(tx);
  if (applied.size() != migrations.size()) return false;
  for (const auto& m : migrations) {
    auto it = applied.find(m.version);
    if (it == applied.end() || it->second != m.checksum) return false;
  }
  if (repeatables.empty()) return true;
  auto recorded = applied_repeatable_checksums(tx);
  return std::all_of(repeatables.begin(), repeatables.end(), [&recorded](const RepeatableMigration& r) {
    auto it = recorded.find(r.name);
    return it != recorded.end() && it->second == r.checksum;
  });
}

}  // namespace hookgate::db

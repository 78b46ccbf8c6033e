#pragma once
// Applies numbered SQL migrations under an advisory lock, one transaction per
// file, recording version and checksum in schema_migrations; then, under the
// same lock, every repeatable file (one SQL function or trigger each) whose
// checksum differs from the one in schema_repeatable_migrations.

#include "db/migration_source.h"

#include <pqxx/connection>

#include <stdexcept>
#include <string>
#include <vector>

namespace hookgate::db {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
  std::string checksum;  // SHA-256 hex of the file's bytes
};

// A file of migrations/functions/ or migrations/triggers/: it can be re-run
// (CREATE OR REPLACE), so changing it means applying it again.
struct RepeatableMigration {
  std::string name;  // path under migrations/, e.g. "functions/hookgate_random_id.sql"
  std::string sql;
  std::string checksum;  // SHA-256 hex of the file's bytes
};

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses "V<digits>__<name>.sql" names; rejects duplicates and bad names.
std::vector<Migration> parse_migrations(const std::vector<MigrationFile>& files);

// Accepts "functions/<name>.sql" and "triggers/<name>.sql"; keeps the order
// given (functions before triggers); rejects duplicates and bad names.
std::vector<RepeatableMigration> parse_repeatable_migrations(const std::vector<MigrationFile>& files);

struct MigrationResult {
  std::vector<int> applied;                     // versions applied by this call
  std::vector<std::string> repeatables_applied;  // repeatable files (re-)run by this call
};

// Applies every pending migration, then every repeatable whose checksum is
// not the one recorded. Refuses (MigrationError) before running anything when
// an applied file's checksum changed or the database holds versions this
// build lacks: an older build never overwrites a newer build's functions.
// Without `repeatables` only versioned migrations run (tests stepping
// through the schema's history use that).
MigrationResult migrate(pqxx::connection& conn, const std::vector<Migration>& migrations,
                        const std::vector<RepeatableMigration>& repeatables = {});

// This build's versioned and repeatable migrations, as they are applied.
struct MigrationSet {
  std::vector<Migration> versioned;
  std::vector<RepeatableMigration> repeatables;
};
MigrationSet embedded_migration_set();

MigrationResult migrate(pqxx::connection& conn, const MigrationSet& set);
bool migrations_current(pqxx::connection& conn, const MigrationSet& set);

// True when every migration is applied with a matching checksum and every
// repeatable is recorded with this build's checksum (for /readyz).
bool migrations_current(pqxx::connection& conn, const std::vector<Migration>& migrations,
                        const std::vector<RepeatableMigration>& repeatables = {});

}  // namespace hookgate::db

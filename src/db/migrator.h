#pragma once
// Applies numbered SQL migrations under an advisory lock, one transaction per
// file, recording version and checksum in schema_migrations.

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

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses "V<digits>__<name>.sql" names; rejects duplicates and bad names.
std::vector<Migration> parse_migrations(const std::vector<MigrationFile>& files);

struct MigrationResult {
  std::vector<int> applied;  // versions applied by this call
};

// Applies every pending migration. Refuses (MigrationError) when an applied
// file's checksum changed or the database holds versions this build lacks.
MigrationResult migrate(pqxx::connection& conn, const std::vector<Migration>& migrations);

// True when every migration is applied with a matching checksum (for /readyz).
bool migrations_current(pqxx::connection& conn, const std::vector<Migration>& migrations);

}  // namespace hookgate::db

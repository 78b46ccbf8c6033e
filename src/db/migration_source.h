#pragma once

#include <string>
#include <vector>

namespace hookgate::db {

struct MigrationFile {
  std::string name;  // e.g. "V001__init.sql" or "functions/hookgate_random_id.sql"
  std::string sql;
};

// The files of migrations/, compiled into the binary (see cmake/EmbedMigrations.cmake).
const std::vector<MigrationFile>& embedded_migrations();

// The repeatable files of migrations/functions/ and migrations/triggers/, in
// the order they are applied (functions first: a trigger needs its function).
const std::vector<MigrationFile>& embedded_repeatable_migrations();

}  // namespace hookgate::db

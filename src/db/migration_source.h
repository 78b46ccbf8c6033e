#pragma once

#include <string>
#include <vector>

namespace hookgate::db {

struct MigrationFile {
  std::string name;  // e.g. "V001__init.sql"
  std::string sql;
};

// The files of migrations/, compiled into the binary (see cmake/EmbedMigrations.cmake).
const std::vector<MigrationFile>& embedded_migrations();

}  // namespace hookgate::db

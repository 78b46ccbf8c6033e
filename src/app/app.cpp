#include "app/app.h"

#include "app/health_routes.h"
#include "core/log.h"

#include <pqxx/connection>

namespace hookgate {

App::App(Config config)
    : config_(std::move(config)),
      migrations_(db::parse_migrations(db::embedded_migrations())),
      pool_(config_.database_url, config_.db_pool_size, config_.db_acquire_timeout) {
  add_health_routes(router_, pool_, migrations_);
}

App::~App() { shutdown(); }

void App::shutdown() { pool_.close(); }

std::vector<int> run_migrations(const std::string& database_url) {
  pqxx::connection conn(database_url);
  auto result = db::migrate(conn, db::parse_migrations(db::embedded_migrations()));
  for (int version : result.applied) log::info("migration applied", {{"version", version}});
  return result.applied;
}

}  // namespace hookgate

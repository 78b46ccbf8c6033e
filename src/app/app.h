#pragma once
// Wires configuration, the database pool and the routes into one service.

#include "core/clock.h"
#include "core/config.h"
#include "core/random.h"
#include "db/migrator.h"
#include "db/pool.h"
#include "http/router.h"

#include <memory>

namespace hookgate {

class App {
 public:
  explicit App(Config config);
  ~App();

  const Config& config() const { return config_; }
  db::ConnectionPool& pool() { return pool_; }
  const http::Router& router() const { return router_; }
  http::Response handle(http::Request& request) const { return router_.dispatch(request); }

  // Stops handing out database connections (after the server has drained).
  void shutdown();

 private:
  Config config_;
  SystemClock clock_;
  OpenSslRandom random_;
  std::vector<db::Migration> migrations_;
  db::ConnectionPool pool_;
  http::Router router_;
};

// Applies pending migrations using the configured database; returns the
// versions applied.
std::vector<int> run_migrations(const std::string& database_url);

}  // namespace hookgate

#pragma once

#include "db/migrator.h"
#include "db/pool.h"
#include "http/router.h"

#include <vector>

namespace hookgate {

// GET /healthz (the process answers) and GET /readyz (Postgres reachable and
// every migration applied). Neither needs a key.
void add_health_routes(http::Router& router, db::ConnectionPool& pool, const std::vector<db::Migration>& migrations);

}  // namespace hookgate

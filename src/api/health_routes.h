#pragma once

#include "db/migrator.h"
#include "db/pool.h"
#include "domain/catalogue_store.h"
#include "http/router.h"

namespace hookgate {

// GET /healthz (the process answers) and GET /readyz (Postgres reachable, every
// migration and every function/trigger file of this build applied, and the
// scope catalogue loaded, so a balancer sends no request that would only get
// a 503). Neither needs a key.
void add_health_routes(http::Router& router, db::ConnectionPool& pool, const db::MigrationSet& migrations,
                       const CatalogueStore& catalogue);

}  // namespace hookgate

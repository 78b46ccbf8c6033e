#pragma once

#include "db/pool.h"
#include "domain/scopes.h"

#include <memory>

namespace hookgate::db {

// Reads the scope, bundle and event-type catalogue in one transaction.
std::shared_ptr<const Catalogue> load_catalogue(Connection& conn);

}  // namespace hookgate::db

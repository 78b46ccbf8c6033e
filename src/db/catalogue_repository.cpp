#include "db/catalogue_repository.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr Statement kScopes{"catalogue_scopes", "SELECT name, description, requires_sk FROM scopes"};
constexpr Statement kBundles{"catalogue_bundles", "SELECT bundle, scope FROM scope_bundle_members ORDER BY bundle, scope"};
constexpr Statement kEventTypes{"catalogue_event_types", "SELECT name, scope, description FROM event_types"};

}  // namespace

std::shared_ptr<const Catalogue> load_catalogue(Connection& conn) {
  pqxx::read_transaction tx(conn.raw());
  std::vector<ScopeDefinition> scopes;
  for (const auto& row : exec(tx, conn, kScopes)) {
    scopes.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>()});
  }
  std::map<std::string, std::vector<std::string>> bundles;
  for (const auto& row : exec(tx, conn, kBundles)) {
    bundles[row[0].as<std::string>()].push_back(row[1].as<std::string>());
  }
  std::vector<EventTypeDefinition> event_types;
  for (const auto& row : exec(tx, conn, kEventTypes)) {
    event_types.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return std::make_shared<const Catalogue>(std::move(scopes), std::move(bundles), std::move(event_types));
}

}  // namespace hookgate::db

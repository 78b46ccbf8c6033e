#include "api/health_routes.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <string>

namespace hookgate {

void add_health_routes(http::Router& router, db::ConnectionPool& pool, const db::MigrationSet& migrations,
                       const CatalogueStore& catalogue) {
  router.add({"GET", "/healthz", "health.live",
              [](http::Request&) { return http::json_response(200, {{"status", "ok"}}); }, false});
  router.add({"GET", "/readyz", "health.ready", [&pool, &migrations, &catalogue](http::Request&) {
                bool database = false;
                bool schema = false;
                try {
                  auto conn = pool.acquire();
                  schema = db::migrations_current(conn->raw(), migrations);
                  database = true;  // only a query that came back proves it
                } catch (const std::exception&) {
                  // Reported below as not ready; the reason is in the checks.
                }
                bool catalogue_loaded = catalogue.get() != nullptr;
                bool ready = database && schema && catalogue_loaded;
                auto response = http::json_response(ready ? 200 : 503,
                                                    {{"status", ready ? "ready" : "not_ready"},
                                                     {"checks", {{"database", database},
                                                      {"migrations_current", schema},
                                                      {"catalogue_loaded", catalogue_loaded}}}});
                if (!ready) {
                  response.set_header("Retry-After",
                                      std::to_string(retry_after_seconds(Errc::service_unavailable)));
                }
                return response;
              }});
}

}  // namespace hookgate

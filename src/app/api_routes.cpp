#include "app/api_routes.h"

#include "app/endpoints_api.h"
#include "app/views.h"
#include "core/error.h"

namespace hookgate {

namespace {

http::Response list_event_types(const CatalogueStore& store, const Principal& principal) {
  auto catalogue = store.require();
  nlohmann::json data = nlohmann::json::array();
  for (const auto& type : catalogue->event_types()) data.push_back(views::event_type(type, principal.scopes));
  return http::json_response(
      200, {{"object", "list"}, {"url", "/v1/event_types"}, {"data", std::move(data)}, {"has_more", false}});
}

}  // namespace

std::vector<ApiRoute> api_routes(ApiServices services) {
  const auto& catalogue = services.catalogue;
  std::vector<ApiRoute> routes = {
      {"GET", "/v1/event_types", "event_types.list", ResourceScopes{},
       [&catalogue](http::Request&, const Principal& principal) { return list_event_types(catalogue, principal); }},
  };
  for (auto& route : endpoint_routes(services.endpoints, catalogue)) routes.push_back(std::move(route));
  return routes;
}

}  // namespace hookgate

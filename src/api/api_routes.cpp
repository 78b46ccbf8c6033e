#include "api/api_routes.h"

#include "api/deliveries_api.h"
#include "api/endpoints_api.h"
#include "api/request_decoding.h"
#include "api/views.h"
#include "core/error.h"

#include <mutex>
#include <unordered_map>

namespace hookgate {

namespace {

// The list depends only on the catalogue snapshot and the key's effective
// scopes, so its rendering is cached: the gate's cost then dominates.
class EventTypeList {
 public:
  explicit EventTypeList(const CatalogueStore& store) : store_(store) {}

  http::Response render(const Principal& principal) {
    auto catalogue = store_.require();
    // Built on every request: sized once, no temporaries.
    std::size_t key_size = 0;
    for (const auto& scope : principal.scopes) key_size += scope.size() + 1;
    std::string scopes_key;
    scopes_key.reserve(key_size);
    for (const auto& scope : principal.scopes) (scopes_key += scope) += ' ';
    std::shared_ptr<const std::string> body;
    {
      std::lock_guard lock(mutex_);
      if (catalogue != catalogue_ || bodies_.size() > 1024) {
        catalogue_ = catalogue;
        bodies_.clear();
      }
      auto& cached = bodies_[scopes_key];
      if (!cached) {
        nlohmann::json data = nlohmann::json::array();
        for (const auto& type : catalogue->event_types()) data.push_back(views::event_type(type, principal.scopes));
        cached = std::make_shared<const std::string>(
            nlohmann::json{{"object", "list"}, {"url", "/v1/event_types"}, {"data", std::move(data)},
                           {"has_more", false}}
                .dump());
      }
      body = cached;
    }
    // The copy into the response happens outside the lock shared by all handler threads.
    http::Response response;
    response.body = *body;
    return response;
  }

 private:
  const CatalogueStore& store_;
  std::mutex mutex_;
  std::shared_ptr<const Catalogue> catalogue_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> bodies_;
};

}  // namespace

std::vector<ApiRoute> api_routes(ApiServices services) {
  const auto& catalogue = services.catalogue;
  std::vector<ApiRoute> routes = {
      {"GET", "/v1/event_types", "event_types.list", ResourceScopes{},
       [list = std::make_shared<EventTypeList>(catalogue)](http::Request& request, const Principal& principal) {
         reject_unknown_query(request, {});
         return list->render(principal);
       },
       false},
  };
  for (auto& route : endpoint_routes(services.endpoints, catalogue)) routes.push_back(std::move(route));
  for (auto& route : delivery_routes(services.deliveries)) routes.push_back(std::move(route));
  return routes;
}

}  // namespace hookgate

#include "app/api_routes.h"

#include "app/endpoints_api.h"
#include "app/request_decoding.h"
#include "app/views.h"
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
    std::string scopes_key;
    for (const auto& scope : principal.scopes) scopes_key += scope + ' ';
    std::lock_guard lock(mutex_);
    if (catalogue != catalogue_ || bodies_.size() > 1024) {
      catalogue_ = catalogue;
      bodies_.clear();
    }
    auto [it, inserted] = bodies_.try_emplace(scopes_key);
    if (inserted) {
      nlohmann::json data = nlohmann::json::array();
      for (const auto& type : catalogue->event_types()) data.push_back(views::event_type(type, principal.scopes));
      it->second = nlohmann::json{{"object", "list"}, {"url", "/v1/event_types"}, {"data", std::move(data)},
                                  {"has_more", false}}
                       .dump();
    }
    http::Response response;
    response.body = it->second;
    return response;
  }

 private:
  const CatalogueStore& store_;
  std::mutex mutex_;
  std::shared_ptr<const Catalogue> catalogue_;
  std::unordered_map<std::string, std::string> bodies_;
};

}  // namespace

std::vector<ApiRoute> api_routes(ApiServices services) {
  const auto& catalogue = services.catalogue;
  std::vector<ApiRoute> routes = {
      {"GET", "/v1/event_types", "event_types.list", ResourceScopes{},
       [list = std::make_shared<EventTypeList>(catalogue)](http::Request& request, const Principal& principal) {
         reject_unknown_query(request, {});
         return list->render(principal);
       }},
  };
  for (auto& route : endpoint_routes(services.endpoints, catalogue)) routes.push_back(std::move(route));
  return routes;
}

}  // namespace hookgate

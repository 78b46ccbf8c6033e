#include "api/endpoints_api.h"

#include "api/request_decoding.h"
#include "api/views.h"
#include "core/json_body.h"

namespace hookgate {

namespace {

const ResourceScopes kEndpointScopes{"webhooks.endpoints:read", "webhooks.endpoints:manage"};

EndpointCreate decode_create(const http::Request& request, const EndpointLimits& limits) {
  auto body = json_body::parse_object(request.body);
  json_body::reject_unknown(body, {"url", "description", "metadata", "enabled_events"});
  EndpointCreate create;
  create.url = json_body::required_string(body, "url");
  create.description = json_body::optional_string(body, "description").value_or("");
  auto events = json_body::optional_string_array(body, "enabled_events", limits.max_enabled_events);
  if (!events) throw missing_parameter("enabled_events");
  create.enabled_events = std::move(*events);
  if (auto metadata = json_body::optional_string_map(body, "metadata", limits.max_metadata_keys,
                                                     limits.max_metadata_key_length,
                                                     limits.max_metadata_value_length)) {
    for (const auto& [key, value] : *metadata) {
      if (value) create.metadata[key] = *value;
    }
  }
  return create;
}

EndpointUpdate decode_update(const http::Request& request, const EndpointLimits& limits) {
  auto body = json_body::parse_object(request.body);
  json_body::reject_unknown(body, {"url", "description", "metadata", "enabled_events", "disabled"});
  EndpointUpdate update;
  update.url = json_body::optional_string(body, "url");
  update.description = json_body::optional_string(body, "description");
  update.enabled_events = json_body::optional_string_array(body, "enabled_events", limits.max_enabled_events);
  update.disabled = json_body::optional_bool(body, "disabled");
  update.metadata = json_body::optional_string_map(body, "metadata", limits.max_metadata_keys,
                                                   limits.max_metadata_key_length, limits.max_metadata_value_length);
  return update;
}

EndpointFilter decode_filter(const http::Request& request) {
  EndpointFilter filter;
  if (auto status = request.query_param("status")) {
    if (*status != "enabled" && *status != "disabled") {
      throw invalid_parameter("status", "status must be \"enabled\" or \"disabled\".");
    }
    filter.status = std::string(*status);
  }
  if (auto type = request.query_param("enabled_event")) filter.event_type = std::string(*type);
  return filter;
}

}  // namespace

std::vector<ApiRoute> endpoint_routes(EndpointService& service, const CatalogueStore& catalogue) {
  auto render = [&catalogue](const EndpointRecord& record) {
    return views::endpoint(record, *catalogue.require());
  };
  return {
      {"GET", "/v1/webhook_endpoints", "endpoints.list", kEndpointScopes,
       [&service, render](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {"limit", "starting_after", "ending_before", "status", "enabled_event"});
         auto page = service.list(caller, decode_filter(request), page_request(request));
         return http::json_response(200, views::list(page, "/v1/webhook_endpoints", render));
       }},
      {"POST", "/v1/webhook_endpoints", "endpoints.create", kEndpointScopes,
       [&service, &catalogue](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto created = service.create(caller, decode_create(request, service.limits()));
         return http::json_response(200, views::endpoint_with_secret(created, *catalogue.require()));
       }},
      {"GET", "/v1/webhook_endpoints/{id}", "endpoints.retrieve", kEndpointScopes,
       [&service, render](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         return http::json_response(
             200, render(service.retrieve(caller, path_id<EndpointId>(request, "id", "webhook endpoint"))));
       }},
      {"PATCH", "/v1/webhook_endpoints/{id}", "endpoints.update", kEndpointScopes,
       [&service, render](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto id = path_id<EndpointId>(request, "id", "webhook endpoint");
         return http::json_response(200, render(service.update(caller, id, decode_update(request, service.limits()))));
       }},
      {"DELETE", "/v1/webhook_endpoints/{id}", "endpoints.delete", kEndpointScopes,
       [&service](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto id = path_id<EndpointId>(request, "id", "webhook endpoint");
         service.remove(caller, id);
         return http::json_response(200, {{"id", id.str()}, {"object", "webhook_endpoint"}, {"deleted", true}});
       }},
      // Reading a secret is a write-grade power: the route asks for manage on
      // GET too, and the service for read as well.
      {"GET", "/v1/webhook_endpoints/{id}/secret", "endpoints.secret",
       ResourceScopes{"webhooks.endpoints:manage", "webhooks.endpoints:manage"},
       [&service](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto id = path_id<EndpointId>(request, "id", "webhook endpoint");
         return http::json_response(200, views::endpoint_secret(service.reveal_secret(caller, id)));
       }},
      {"POST", "/v1/webhook_endpoints/{id}/secret/roll", "endpoints.roll_secret", kEndpointScopes,
       [&service, &catalogue](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto id = path_id<EndpointId>(request, "id", "webhook endpoint");
         auto body = json_body::parse_object(request.body);
         json_body::reject_unknown(body, {"grace_period_seconds"});
         std::optional<std::chrono::seconds> grace;
         auto max = service.limits().max_secret_grace.count();
         if (auto seconds = json_body::optional_integer(body, "grace_period_seconds", 0, max)) {
           grace = std::chrono::seconds(*seconds);
         }
         auto rolled = service.roll_secret(caller, id, grace);
         return http::json_response(200, views::endpoint_with_secret(rolled, *catalogue.require()));
       }},
  };
}

}  // namespace hookgate

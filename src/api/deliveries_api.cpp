#include "api/deliveries_api.h"

#include "api/request_decoding.h"
#include "api/views.h"
#include "core/json_body.h"
#include "core/timefmt.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace hookgate {

namespace {

// Reading deliveries and retry jobs needs `read`; every POST here re-sends
// something and needs `retry` (sk_ keys only, DESIGN §3 rule 5).
const ResourceScopes kDeliveryScopes{"webhooks.deliveries:read", "webhooks.deliveries:retry"};

TimePoint decode_time(std::string_view text, std::string_view param) {
  auto time = parse_rfc3339(text);
  if (!time) {
    throw invalid_parameter(param, std::string(param) + " must be an RFC 3339 timestamp such as "
                                                        "2026-11-28T09:30:00Z" +
                                       (param.starts_with("created[") ? ", or Unix seconds." : "."));
  }
  return *time;
}

// A created[...] bound: RFC 3339, or, as Stripe takes it, whole seconds
// since the Unix epoch (up to the end of year 9999, RFC 3339's last).
TimePoint decode_query_time(std::string_view text, std::string_view param) {
  constexpr std::int64_t kLastSecond = 253'402'300'799;  // 9999-12-31T23:59:59Z
  bool digits = !text.empty() && text.size() <= 12 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return decode_time(text, param);
  auto seconds = std::stoll(std::string(text));
  if (seconds > kLastSecond) {
    throw invalid_parameter(param, std::string(param) + " is past the year 9999 as Unix seconds.");
  }
  return TimePoint(std::chrono::seconds(seconds));
}

DeliveryFilter decode_filter(const http::Request& request) {
  DeliveryFilter filter;
  if (auto endpoint = request.query_param("endpoint")) {
    filter.endpoint = EndpointId::parse(*endpoint);
    if (!filter.endpoint) throw invalid_parameter("endpoint", "endpoint must be a webhook endpoint id (we_...).");
  }
  if (auto type = request.query_param("event_type")) {
    if (type->empty()) throw invalid_parameter("event_type", "event_type must not be empty.");
    filter.event_type = std::string(*type);
  }
  if (auto status = request.query_param("status")) {
    if (*status != "pending" && *status != "succeeded" && *status != "failed") {
      throw invalid_parameter("status", "status must be \"pending\", \"succeeded\" or \"failed\".");
    }
    filter.status = std::string(*status);
  }
  if (auto gte = request.query_param("created[gte]")) filter.created_gte = decode_query_time(*gte, "created[gte]");
  if (auto lte = request.query_param("created[lte]")) filter.created_lte = decode_query_time(*lte, "created[lte]");
  return filter;
}

RecoverRequest decode_recover(const http::Request& request) {
  auto body = json_body::parse_object(request.body);
  json_body::reject_unknown(body, {"since", "until"});
  RecoverRequest recover{decode_time(json_body::required_string(body, "since"), "since"), std::nullopt};
  if (auto until = json_body::optional_string(body, "until")) recover.until = decode_time(*until, "until");
  return recover;
}

}  // namespace

std::vector<ApiRoute> delivery_routes(DeliveryService& service) {
  return {
      {"GET", "/v1/webhook_deliveries", "deliveries.list", kDeliveryScopes,
       [&service](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {"limit", "starting_after", "ending_before", "endpoint", "event_type", "status",
                                        "created[gte]", "created[lte]"});
         auto page = service.list(caller, decode_filter(request), page_request(request));
         return http::json_response(200, views::list(page, "/v1/webhook_deliveries", views::delivery));
       }},
      {"GET", "/v1/webhook_deliveries/{id}", "deliveries.retrieve", kDeliveryScopes,
       [&service](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto id = path_id<DeliveryId>(request, "id", "webhook delivery");
         return http::json_response(200, views::delivery_detail(service.retrieve(caller, id)));
       }},
      {"POST", "/v1/webhook_deliveries/{id}/retry", "deliveries.retry", kDeliveryScopes,
       [&service](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto id = path_id<DeliveryId>(request, "id", "webhook delivery");
         json_body::reject_unknown(json_body::parse_object(request.body), {});
         return http::json_response(200, views::delivery(service.retry(caller, id)));
       }},
      {"POST", "/v1/webhook_endpoints/{id}/recover", "endpoints.recover", kDeliveryScopes,
       [&service](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto id = path_id<EndpointId>(request, "id", "webhook endpoint");
         return http::json_response(200, views::retry_job(service.recover(caller, id, decode_recover(request))));
       }},
      {"GET", "/v1/retry_jobs/{id}", "retry_jobs.retrieve", kDeliveryScopes,
       [&service](http::Request& request, const Principal& caller) {
         reject_unknown_query(request, {});
         auto id = path_id<RetryJobId>(request, "id", "retry job");
         return http::json_response(200, views::retry_job(service.retrieve_job(caller, id)));
       }},
  };
}

}  // namespace hookgate

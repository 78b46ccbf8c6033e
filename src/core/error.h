#pragma once
// The one catalogue of errors a client can see, and their HTTP mapping.
// Everything below the HTTP layer reports failures as ApiError; the HTTP layer
// turns it into a status and a Stripe-shaped JSON body in exactly one place.

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace hookgate {

enum class Errc {
  // Transport-level problems with the request itself.
  route_not_found,
  method_not_allowed,
  headers_too_large,
  body_too_large,
  malformed_request,
  // Body and parameter validation.
  invalid_json,
  invalid_parameter,
  unknown_parameter,
  missing_parameter,
  // Authentication and authorization.
  authentication_required,
  invalid_api_key,
  invalid_operator_token,
  operator_plane_disabled,
  scope_required,
  // Resource state.
  resource_missing,
  idempotency_key_reused,
  idempotency_request_in_progress,
  conflict,
  endpoint_disabled,
  subscription_unauthorized,
  delivery_in_progress,
  retry_job_running,
  account_erased,
  limit_exceeded,
  rate_limited,
  // Server side.
  service_unavailable,
  internal,  // last: tests walk the codes up to it
};

// Stable wire code, e.g. "SCOPE_REQUIRED".
std::string_view error_code(Errc code);
// Stripe-style error type, e.g. "permission_error".
std::string_view error_type(Errc code);
int http_status(Errc code);
// Seconds to send as Retry-After with an error that passes by itself (a
// database outage: 1 s, short enough that clients notice the recovery at
// once); 0 for none. Rate-limit refusals compute their own per key.
int retry_after_seconds(Errc code);

class ApiError : public std::runtime_error {
 public:
  ApiError(Errc code, std::string message, nlohmann::json details = nlohmann::json::object());

  Errc code() const { return code_; }
  // Extra members merged into the error object (e.g. "param", "required_scopes").
  const nlohmann::json& details() const { return details_; }

 private:
  Errc code_;
  nlohmann::json details_;
};

// {"error": {"type", "code", "message", ...details, "request_id"}}
nlohmann::json error_body(const ApiError& error, std::string_view request_id);

// Shorthands for the common validation failures, naming the offending field.
ApiError invalid_parameter(std::string_view param, std::string message);
ApiError missing_parameter(std::string_view param);
ApiError unknown_parameter(std::string_view param);

}  // namespace hookgate

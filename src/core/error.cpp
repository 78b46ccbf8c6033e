#include "core/error.h"

namespace hookgate {

namespace {

struct ErrorInfo {
  std::string_view code;
  std::string_view type;
  int status;
};

ErrorInfo info(Errc code) {
  switch (code) {
    case Errc::route_not_found: return {"ROUTE_NOT_FOUND", "invalid_request_error", 404};
    case Errc::method_not_allowed: return {"METHOD_NOT_ALLOWED", "invalid_request_error", 405};
    case Errc::headers_too_large: return {"HEADERS_TOO_LARGE", "invalid_request_error", 431};
    case Errc::body_too_large: return {"BODY_TOO_LARGE", "invalid_request_error", 413};
    case Errc::malformed_request: return {"MALFORMED_REQUEST", "invalid_request_error", 400};
    case Errc::invalid_json: return {"INVALID_JSON", "invalid_request_error", 400};
    case Errc::invalid_parameter: return {"INVALID_PARAMETER", "invalid_request_error", 400};
    case Errc::unknown_parameter: return {"UNKNOWN_PARAMETER", "invalid_request_error", 400};
    case Errc::missing_parameter: return {"MISSING_PARAMETER", "invalid_request_error", 400};
    case Errc::authentication_required: return {"AUTHENTICATION_REQUIRED", "authentication_error", 401};
    case Errc::invalid_api_key: return {"INVALID_API_KEY", "authentication_error", 401};
    case Errc::invalid_operator_token: return {"INVALID_OPERATOR_TOKEN", "authentication_error", 401};
    case Errc::operator_plane_disabled: return {"OPERATOR_PLANE_DISABLED", "invalid_request_error", 404};
    case Errc::scope_required: return {"SCOPE_REQUIRED", "permission_error", 403};
    case Errc::resource_missing: return {"RESOURCE_MISSING", "invalid_request_error", 404};
    case Errc::idempotency_key_reused: return {"IDEMPOTENCY_KEY_REUSED", "idempotency_error", 409};
    case Errc::idempotency_request_in_progress: return {"IDEMPOTENCY_REQUEST_IN_PROGRESS", "idempotency_error", 409};
    case Errc::conflict: return {"CONFLICT", "invalid_request_error", 409};
    case Errc::endpoint_disabled: return {"ENDPOINT_DISABLED", "invalid_request_error", 409};
    case Errc::subscription_unauthorized: return {"SUBSCRIPTION_UNAUTHORIZED", "invalid_request_error", 409};
    case Errc::delivery_in_progress: return {"DELIVERY_IN_PROGRESS", "invalid_request_error", 409};
    case Errc::retry_job_running: return {"RETRY_JOB_RUNNING", "invalid_request_error", 409};
    case Errc::account_erased: return {"ACCOUNT_ERASED", "invalid_request_error", 409};
    case Errc::limit_exceeded: return {"LIMIT_EXCEEDED", "invalid_request_error", 422};
    case Errc::rate_limited: return {"RATE_LIMITED", "rate_limit_error", 429};
    case Errc::service_unavailable: return {"SERVICE_UNAVAILABLE", "api_error", 503};
    case Errc::internal: return {"INTERNAL_ERROR", "api_error", 500};
  }
  return {"INTERNAL_ERROR", "api_error", 500};
}

}  // namespace

std::string_view error_code(Errc code) { return info(code).code; }
std::string_view error_type(Errc code) { return info(code).type; }
int http_status(Errc code) { return info(code).status; }

int retry_after_seconds(Errc code) { return code == Errc::service_unavailable ? 1 : 0; }

ApiError::ApiError(Errc code, std::string message, nlohmann::json details)
    : std::runtime_error(std::move(message)), code_(code), details_(std::move(details)) {}

nlohmann::json error_body(const ApiError& error, std::string_view request_id) {
  nlohmann::json body = {
      {"type", error_type(error.code())},
      {"code", error_code(error.code())},
      {"message", error.what()},
  };
  if (error.details().is_object()) {
    for (const auto& [key, value] : error.details().items()) body[key] = value;
  }
  body["request_id"] = request_id;
  return nlohmann::json{{"error", std::move(body)}};
}

ApiError invalid_parameter(std::string_view param, std::string message) {
  return ApiError(Errc::invalid_parameter, std::move(message), {{"param", param}});
}

ApiError missing_parameter(std::string_view param) {
  return ApiError(Errc::missing_parameter, "Missing required parameter: " + std::string(param) + ".",
                  {{"param", param}});
}

ApiError unknown_parameter(std::string_view param) {
  return ApiError(Errc::unknown_parameter, "Received unknown parameter: " + std::string(param) + ".",
                  {{"param", param}});
}

}  // namespace hookgate

#include "api/gate.h"

#include "api/storage_failure.h"
#include "core/error.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hookgate {

namespace {

void set_rate_limit_headers(http::Response& response, const RateLimitDecision& decision) {
  response.headers.reserve(response.headers.size() + 4);
  response.set_header("RateLimit-Limit", std::to_string(decision.limit));
  response.set_header("RateLimit-Remaining", std::to_string(decision.remaining));
  response.set_header("RateLimit-Reset", std::to_string(decision.reset.count()));
  if (!decision.allowed) response.set_header("Retry-After", std::to_string(decision.retry_after.count()));
}

// The gate's own refusals are answered without a throw and rethrow: the 403
// and 429 paths are as hot as the success path under abuse.
http::Response refusal(const ApiError& error, const http::Request& request) {
  return http::json_response(http_status(error.code()), error_body(error, request.request_id));
}

}  // namespace

std::string_view client_address(const http::Request& request, std::string_view trusted_header) {
  if (trusted_header.empty()) return request.peer_address;
  auto forwarded = request.header(trusted_header);
  if (!forwarded) return request.peer_address;
  // The last hop is the one the operator's proxy appended; earlier ones are the client's word.
  auto comma = forwarded->rfind(',');
  auto last = http::trim_ows(comma == std::string_view::npos ? *forwarded : forwarded->substr(comma + 1));
  return last.empty() ? std::string_view(request.peer_address) : last;
}

http::Response auth_throttled_response(std::chrono::seconds retry_after, const http::Request& request) {
  auto response = refusal(ApiError(Errc::rate_limited, "Too many failed authentications from this address; retry after " +
                                                           std::to_string(retry_after.count()) + " s."),
                          request);
  response.set_header("Retry-After", std::to_string(retry_after.count()));
  return response;
}

Gate::Gate(Authenticator& authenticator, RateLimiter& rate_limiter, Idempotency& idempotency,
           AuthFailureThrottle& auth_failures, std::string client_ip_header)
    : authenticator_(authenticator),
      rate_limiter_(rate_limiter),
      idempotency_(idempotency),
      auth_failures_(auth_failures),
      client_ip_header_(std::move(client_ip_header)) {}

std::shared_ptr<const Principal> Gate::authenticate(const http::Request& request) const {
  auto authorization = request.header("Authorization");
  auto count = request.header_count("Authorization");
  auto client = client_address(request, client_ip_header_);
  if (auth_failures_.blocked(client)) return authenticator_.authenticate_cached(authorization, count);
  try {
    return authenticator_.authenticate(authorization, count);
  } catch (const ApiError& error) {
    if (error.code() == Errc::invalid_api_key) auth_failures_.record_failure(client);
    throw;
  }
}

http::Route Gate::protect(ApiRoute route) const {
  auto method = route.method;
  auto pattern = route.pattern;
  auto name = route.name;
  return http::Route{std::move(method), std::move(pattern), std::move(name),
                     [this, route = std::move(route)](http::Request& request) { return pass(route, request); }};
}

http::Response Gate::pass(const ApiRoute& route, http::Request& request) const {
  // Errors before a key is known carry no rate-limit headers; the router maps them.
  request.gated = true;
  auto principal = authenticate(request);
  if (!principal) {
    auth_failures_.record_throttled();
    auto wait = auth_failures_.blocked(client_address(request, client_ip_header_));
    return auth_throttled_response(wait.value_or(std::chrono::seconds(1)), request);
  }
  request.account = principal->account.str();
  request.key_id = principal->key_id.str();
  auto decision = rate_limiter_.take(principal->key_id.str());
  // Built only when the route declares a scope, so "any valid key" allocates nothing.
  std::vector<std::string> required;
  if (auto scope = required_scope(request.method, route.scopes); !scope.empty()) {
    request.required_scope = scope;
    required.emplace_back(scope);
  }
  auto missing = missing_scopes(principal->scopes, required);
  http::Response response;
  if (!decision.allowed) {
    response = refusal(ApiError(Errc::rate_limited, "Too many requests with this API key; retry after " +
                                                        std::to_string(decision.retry_after.count()) + " s."),
                       request);
  } else if (!missing.empty()) {
    response = refusal(scope_required(missing), request);
  } else {
    try {
      // Only requests that passed the gate may claim an idempotency key.
      response = idempotency_.run(principal->account, request, [&] { return route.handler(request, *principal); });
    } catch (...) {
      response = http::error_response(std::current_exception(), request, translate_storage_failure);
    }
  }
  set_rate_limit_headers(response, decision);
  return response;
}

}  // namespace hookgate

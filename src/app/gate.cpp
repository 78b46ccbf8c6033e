#include "app/gate.h"

#include "core/error.h"

namespace hookgate {

namespace {

void set_rate_limit_headers(http::Response& response, const RateLimitDecision& decision) {
  response.set_header("RateLimit-Limit", std::to_string(decision.limit));
  response.set_header("RateLimit-Remaining", std::to_string(decision.remaining));
  response.set_header("RateLimit-Reset", std::to_string(decision.reset.count()));
  if (!decision.allowed) response.set_header("Retry-After", std::to_string(decision.retry_after.count()));
}

}  // namespace

Gate::Gate(Authenticator& authenticator, RateLimiter& rate_limiter, Idempotency& idempotency)
    : authenticator_(authenticator), rate_limiter_(rate_limiter), idempotency_(idempotency) {}

http::Route Gate::protect(ApiRoute route) const {
  auto method = route.method;
  auto pattern = route.pattern;
  auto name = route.name;
  return http::Route{std::move(method), std::move(pattern), std::move(name),
                     [this, route = std::move(route)](http::Request& request) { return pass(route, request); }};
}

http::Response Gate::pass(const ApiRoute& route, http::Request& request) const {
  // Errors before a key is known carry no rate-limit headers; the router maps them.
  auto principal = authenticator_.authenticate(request.header("Authorization"), request.header_count("Authorization"));
  auto decision = rate_limiter_.take(principal.key_id.str());
  http::Response response;
  try {
    if (!decision.allowed) {
      throw ApiError(Errc::rate_limited, "Too many requests with this API key; retry after " +
                                             std::to_string(decision.retry_after.count()) + " s.");
    }
    require_scopes(principal.scopes, {std::string(required_scope(request.method, route.scopes))});
    // Only requests that passed the gate may claim an idempotency key.
    response = idempotency_.run(principal.account, request, [&] { return route.handler(request, principal); });
  } catch (...) {
    response = http::error_response(std::current_exception(), request);
  }
  set_rate_limit_headers(response, decision);
  return response;
}

}  // namespace hookgate

#include "api/gate.h"

#include "api/storage_failure.h"
#include "core/error.h"

#include <nlohmann/json.hpp>

#include <exception>
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

Gate::Gate(PrincipalSource& principals, const CatalogueStore& catalogue, RateLimiter& rate_limiter,
           Idempotency& idempotency, AuthFailureThrottle& auth_failures, std::string client_ip_header,
           GateObserver observer)
    : principals_(principals),
      catalogue_(catalogue),
      rate_limiter_(rate_limiter),
      idempotency_(idempotency),
      auth_failures_(auth_failures),
      client_ip_header_(std::move(client_ip_header)),
      observer_(std::move(observer)) {}

std::shared_ptr<const Principal> Gate::authenticate(const http::Request& request) const {
  auto authorization = request.header("Authorization");
  auto count = request.header_count("Authorization");
  auto client = client_address(request, client_ip_header_);
  if (auth_failures_.blocked(client)) return principals_.authenticate_cached(authorization, count);
  try {
    return principals_.authenticate(authorization, count);
  } catch (const ApiError& error) {
    if (error.code() == Errc::invalid_api_key) auth_failures_.record_failure(client);
    throw;
  }
}

http::Route Gate::protect(ApiRoute route) const {
  auto shared = std::make_shared<const ApiRoute>(std::move(route));
  return http::Route{shared->method, shared->pattern, shared->name,
                     [this, shared](http::Request& request) { return pass(*shared, request); }, true,
                     [this, shared](http::Request& request) { return pass_inline(*shared, request); }};
}

GateOutcome Gate::admit(const ApiRoute& route, const http::Request& request) const {
  GateOutcome outcome;
  outcome.required_scope = required_scope(request.method, route.scopes);
  try {
    outcome.principal = authenticate(request);
  } catch (const ApiError& error) {
    outcome.refusal =
        error.code() == Errc::authentication_required ? GateRefusal::missing_key : GateRefusal::invalid_key;
    outcome.failure = std::current_exception();
    return outcome;
  } catch (...) {
    outcome.refusal = GateRefusal::key_unchecked;
    outcome.failure = std::current_exception();
    return outcome;
  }
  if (!outcome.principal) {
    throttle(outcome, request);
    return outcome;
  }
  decide(outcome);
  return outcome;
}

void Gate::throttle(GateOutcome& outcome, const http::Request& request) const {
  auth_failures_.record_throttled();
  outcome.refusal = GateRefusal::throttled;
  outcome.retry_after =
      auth_failures_.blocked(client_address(request, client_ip_header_)).value_or(std::chrono::seconds(1));
}

std::optional<GateOutcome> Gate::admit_cached(const ApiRoute& route, const http::Request& request) const {
  auto principal = principals_.authenticate_cached(request.header("Authorization"),
                                                   request.header_count("Authorization"));
  GateOutcome outcome;
  outcome.required_scope = required_scope(request.method, route.scopes);
  if (!principal) {
    // An address that failed too often gets nothing but cached keys.
    if (!auth_failures_.blocked(client_address(request, client_ip_header_))) return std::nullopt;
    throttle(outcome, request);
    return outcome;
  }
  outcome.principal = std::move(principal);
  decide(outcome);
  return outcome;
}

void Gate::decide(GateOutcome& outcome) const {
  outcome.rate_limit = rate_limiter_.take(outcome.principal->key_id.str());
  // Built only when the route declares a scope, so "any valid key" allocates nothing.
  if (!outcome.required_scope.empty()) {
    outcome.missing_scopes = missing_scopes(outcome.principal->scopes, {std::string(outcome.required_scope)});
  }
  if (!outcome.rate_limit->allowed) {
    outcome.refusal = GateRefusal::rate_limited;
  } else if (!outcome.missing_scopes.empty()) {
    outcome.refusal = GateRefusal::scope_required;
  }
}

std::optional<http::Response> Gate::pass_inline(const ApiRoute& route, http::Request& request) const {
  auto outcome = admit_cached(route, request);
  if (!outcome) return std::nullopt;
  if (outcome->admitted() && route.blocking) {
    request.handoff = std::move(*outcome);
    return std::nullopt;
  }
  return answer(route, request, std::move(*outcome));
}

http::Response Gate::pass(const ApiRoute& route, http::Request& request) const {
  if (auto* decided = std::any_cast<GateOutcome>(&request.handoff)) {
    auto outcome = std::move(*decided);
    request.handoff.reset();
    return answer(route, request, std::move(outcome));
  }
  return answer(route, request, admit(route, request));
}

http::Response Gate::answer(const ApiRoute& route, http::Request& request, GateOutcome outcome) const {
  if (outcome.principal) {
    request.log_fields.reserve(request.log_fields.size() + 2);
    request.log_fields.emplace_back("account", outcome.principal->account.str());
    request.log_fields.emplace_back("key_id", outcome.principal->key_id.str());
  }
  // Errors before a key is known carry no rate-limit headers; the router maps them.
  if (outcome.failure) {
    if (observer_) observer_(outcome);
    std::rethrow_exception(outcome.failure);
  }
  if (outcome.refusal == GateRefusal::throttled) {
    if (observer_) observer_(outcome);
    return auth_throttled_response(outcome.retry_after, request);
  }

  const auto& decision = *outcome.rate_limit;
  http::Response response;
  if (outcome.refusal == GateRefusal::rate_limited) {
    response = refusal(ApiError(Errc::rate_limited, "Too many requests with this API key; retry after " +
                                                        std::to_string(decision.retry_after.count()) + " s."),
                       request);
  } else if (outcome.refusal == GateRefusal::scope_required) {
    response = refusal(scope_required(outcome.missing_scopes, outcome.principal->kind, *catalogue_.require()), request);
  } else {
    try {
      // Only requests that passed the gate may claim an idempotency key.
      response = idempotency_.run(outcome.principal->account, request,
                                  [&] { return route.handler(request, *outcome.principal); });
    } catch (const ApiError& error) {
      // Rules 1-2 refuse in the service, with the same 403 the gate gives:
      // counted as the gate's own refusal, so the metric shows every one.
      if (error.code() == Errc::scope_required) outcome.refusal = GateRefusal::scope_required;
      response = http::error_response(std::current_exception(), request, translate_storage_failure);
    } catch (...) {
      response = http::error_response(std::current_exception(), request, translate_storage_failure);
    }
  }
  if (observer_) observer_(outcome);
  set_rate_limit_headers(response, decision);
  return response;
}

}  // namespace hookgate

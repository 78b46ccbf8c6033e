#pragma once
// The gate in front of every /v1 route: authenticate the key, apply its rate
// limit, then check the scope the route declares for the request's method.
// The scope check happens before the handler runs, so a key lacking the
// scope learns nothing about whether an object exists.

#include "api/gate_outcome.h"
#include "api/idempotency.h"
#include "auth/failure_throttle.h"
#include "auth/principal_source.h"
#include "core/rate_limiter.h"
#include "domain/catalogue_store.h"
#include "domain/principal.h"
#include "domain/scopes.h"
#include "http/router.h"

#include <functional>
#include <string>

namespace hookgate {

using ApiHandler = std::function<http::Response(http::Request&, const Principal&)>;

struct ApiRoute {
  std::string method;
  std::string pattern;
  std::string name;
  ResourceScopes scopes;  // both empty: any valid key
  ApiHandler handler;
  // False for a handler that answers from memory (the event-type catalogue):
  // a request with a cached key then never leaves the I/O thread.
  bool blocking = true;
};

// Who sent the request, for throttling: the last address in
// `trusted_header` (set by the operator's own proxy, e.g. X-Forwarded-For)
// when configured and present, else the socket's peer.
std::string_view client_address(const http::Request& request, std::string_view trusted_header);

// 429 for a client address whose failed authentications are throttled.
http::Response auth_throttled_response(std::chrono::seconds retry_after, const http::Request& request);

// Told of every decision before the request is answered (telemetry counts them).
using GateObserver = std::function<void(const GateOutcome&)>;

class Gate {
 public:
  // `catalogue` tells which scopes only sk_ keys may hold, for the 403's message.
  Gate(PrincipalSource& principals, const CatalogueStore& catalogue, RateLimiter& rate_limiter,
       Idempotency& idempotency, AuthFailureThrottle& auth_failures, std::string client_ip_header,
       GateObserver observer = {});
  http::Route protect(ApiRoute route) const;

  // Authenticates the caller, charges its key's rate limit and checks the
  // route's scope for the request's method: the whole decision, no handler.
  GateOutcome admit(const ApiRoute& route, const http::Request& request) const;
  // The same decision from memory alone, for the I/O thread: nullopt when
  // it needs the database (a key not in the cache).
  std::optional<GateOutcome> admit_cached(const ApiRoute& route, const http::Request& request) const;

 private:
  // On the I/O thread: answers refusals decided from a cached key, and
  // admitted requests to routes that do not block; hands the rest, with the
  // decision, to pass() on the blocking pool.
  std::optional<http::Response> pass_inline(const ApiRoute& route, http::Request& request) const;
  http::Response pass(const ApiRoute& route, http::Request& request) const;
  // Answers the request as `outcome` decided: a refusal, or the handler.
  http::Response answer(const ApiRoute& route, http::Request& request, GateOutcome outcome) const;
  // Charges the known caller's rate limit and checks the route's scope.
  void decide(GateOutcome& outcome) const;
  // Refuses a client address whose failed authentications are throttled.
  void throttle(GateOutcome& outcome, const http::Request& request) const;
  // The caller's principal, or null when its address is throttled and the
  // key is not one already known good. Throws a refusal (401).
  std::shared_ptr<const Principal> authenticate(const http::Request& request) const;

  PrincipalSource& principals_;
  const CatalogueStore& catalogue_;
  RateLimiter& rate_limiter_;
  Idempotency& idempotency_;
  AuthFailureThrottle& auth_failures_;
  const std::string client_ip_header_;
  const GateObserver observer_;
};

}  // namespace hookgate

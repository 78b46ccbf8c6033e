#pragma once
// The gate in front of every /v1 route: authenticate the key, apply its rate
// limit, then check the scope the route declares for the request's method.
// The scope check happens before the handler runs, so a key lacking the
// scope learns nothing about whether an object exists.

#include "app/idempotency.h"
#include "auth/authenticator.h"
#include "auth/principal.h"
#include "core/rate_limiter.h"
#include "core/scopes.h"
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
};

class Gate {
 public:
  Gate(Authenticator& authenticator, RateLimiter& rate_limiter, Idempotency& idempotency);
  http::Route protect(ApiRoute route) const;

 private:
  http::Response pass(const ApiRoute& route, http::Request& request) const;

  Authenticator& authenticator_;
  RateLimiter& rate_limiter_;
  Idempotency& idempotency_;
};

}  // namespace hookgate

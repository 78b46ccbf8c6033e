#pragma once
// What the gate decided about one /v1 request. The gate answers from it and
// telemetry counts it, so neither reads the decision back from a response.

#include "core/rate_limiter.h"
#include "domain/principal.h"

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate {

enum class GateRefusal {
  missing_key,     // no API key presented (401)
  invalid_key,     // malformed, unknown, revoked or expired key (401)
  key_unchecked,   // the key could not be checked, e.g. the database is down
  throttled,       // the client address failed to authenticate too often (429)
  rate_limited,    // the key's rate limit is spent (429)
  scope_required,  // the key lacks the scope the route needs (403)
};

struct GateOutcome {
  std::optional<GateRefusal> refusal;          // nullopt: admitted
  std::shared_ptr<const Principal> principal;  // the caller, once its key is known
  std::string_view required_scope;             // what the route needs for this method; empty: any valid key
  std::vector<std::string> missing_scopes;     // when refused for scope_required
  std::optional<RateLimitDecision> rate_limit;  // once the key's bucket was charged
  std::chrono::seconds retry_after{0};         // when throttled
  std::exception_ptr failure;                  // why the key was refused or not checked (401, 503...)

  bool admitted() const { return !refusal; }
};

}  // namespace hookgate

#include "auth/failure_throttle.h"

namespace hookgate {

AuthFailureThrottle::AuthFailureThrottle(double failures_per_minute, double burst, const Clock& clock)
    : buckets_(RateLimitPolicy{failures_per_minute / 60.0, burst}, clock) {}

std::optional<std::chrono::seconds> AuthFailureThrottle::blocked(std::string_view client) const {
  auto decision = buckets_.peek(client);
  if (decision.allowed) return std::nullopt;
  return decision.retry_after;
}

void AuthFailureThrottle::record_failure(std::string_view client) {
  failures_.fetch_add(1, std::memory_order_relaxed);
  buckets_.take(client);
}

}  // namespace hookgate

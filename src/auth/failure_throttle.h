#pragma once
// Failed authentication, throttled per client address: every refused API key
// or operator token spends one token of its address's bucket. While an
// address's bucket is empty, only credentials already known good are served
// (a key in the cache, the right operator token); anything else is answered
// 429 at once, so guessing keys costs no database lookup. Per process, like
// the per-key rate limit.

#include "core/clock.h"
#include "core/rate_limiter.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hookgate {

class AuthFailureThrottle {
 public:
  AuthFailureThrottle(double failures_per_minute, double burst, const Clock& clock);

  // How long `client` must wait before a credential not known good is
  // checked again; nullopt when it may be checked now.
  std::optional<std::chrono::seconds> blocked(std::string_view client) const;
  void record_failure(std::string_view client);
  // A request refused because its address was blocked.
  void record_throttled() { throttled_.fetch_add(1, std::memory_order_relaxed); }

  // Since start, for metrics.
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  std::uint64_t throttled() const { return throttled_.load(std::memory_order_relaxed); }
  std::size_t tracked_clients() const { return buckets_.tracked_keys(); }

 private:
  RateLimiter buckets_;
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> throttled_{0};
};

}  // namespace hookgate

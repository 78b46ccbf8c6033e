#pragma once
// Per-key token buckets. Pure and clock-injected, so limits are testable
// without sleeping; sharded so concurrent requests rarely share a lock.

#include "core/clock.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hookgate {

struct RateLimitPolicy {
  double tokens_per_second = 100;
  double burst = 200;
};

struct RateLimitDecision {
  bool allowed;
  long limit;                        // burst, rounded down
  long remaining;                    // whole tokens left after this request
  std::chrono::seconds reset;        // until the bucket is full again
  std::chrono::seconds retry_after;  // until one token is available; 0 when allowed
};

class RateLimiter {
 public:
  // Throws std::invalid_argument unless tokens_per_second > 0 and burst >= 1.
  RateLimiter(RateLimitPolicy policy, const Clock& clock);

  // Thread-safe; consumes one token when allowed.
  RateLimitDecision take(std::string_view key_id);

  // What take() would decide now, without consuming or storing anything.
  RateLimitDecision peek(std::string_view key_id) const;

  // Buckets currently held in memory (for metrics and tests).
  std::size_t tracked_keys() const;

 private:
  struct Bucket {
    double tokens;
    TimePoint refilled_at;
  };
  // Lets the maps be searched with a string_view without allocating.
  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket, TransparentHash, std::equal_to<>> buckets;
    std::size_t sweep_threshold;
  };
  static constexpr std::size_t shard_count = 16;

  double tokens_now(const Bucket& bucket, TimePoint now) const;
  RateLimitDecision decision(bool allowed, double tokens) const;
  void evict_full_buckets(Shard& shard, TimePoint now) const;

  RateLimitPolicy policy_;
  const Clock& clock_;
  std::array<Shard, shard_count> shards_;
};

}  // namespace hookgate

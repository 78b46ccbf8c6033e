#include "core/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace hookgate {

namespace {

// A shard is swept for idle buckets once it grows past this many keys.
constexpr std::size_t min_sweep_threshold = 10'000;

// Clamped so an absurdly slow policy cannot overflow the conversion.
std::chrono::seconds ceil_seconds(double seconds) {
  constexpr double max_seconds = std::numeric_limits<std::int32_t>::max();
  return std::chrono::seconds(static_cast<long>(std::ceil(std::clamp(seconds, 0.0, max_seconds))));
}

}  // namespace

RateLimiter::RateLimiter(RateLimitPolicy policy, const Clock& clock) : policy_(policy), clock_(clock) {
  if (!(policy_.tokens_per_second > 0) || !std::isfinite(policy_.tokens_per_second)) {
    throw std::invalid_argument("rate limit tokens_per_second must be a positive number");
  }
  if (!(policy_.burst >= 1) || !std::isfinite(policy_.burst)) {
    throw std::invalid_argument("rate limit burst must be at least 1");
  }
  for (auto& shard : shards_) shard.sweep_threshold = min_sweep_threshold;
}

double RateLimiter::tokens_now(const Bucket& bucket, TimePoint now) const {
  // A clock stepping backwards must not mint or destroy tokens.
  auto elapsed = std::max(now - bucket.refilled_at, TimePoint::duration::zero());
  double seconds = std::chrono::duration<double>(elapsed).count();
  return std::min(policy_.burst, bucket.tokens + seconds * policy_.tokens_per_second);
}

void RateLimiter::evict_full_buckets(Shard& shard, TimePoint now) const {
  // A full bucket behaves exactly like a missing one, so dropping it is invisible.
  std::erase_if(shard.buckets, [&](const auto& entry) { return tokens_now(entry.second, now) >= policy_.burst; });
  // If most keys are active, wait for real growth before sweeping again, so
  // a flood of distinct keys costs amortized O(1) per request.
  shard.sweep_threshold = std::max(min_sweep_threshold, 2 * shard.buckets.size());
}

RateLimitDecision RateLimiter::take(std::string_view key_id) {
  TimePoint now = clock_.now();
  Shard& shard = shards_[std::hash<std::string_view>{}(key_id) % shard_count];
  std::lock_guard lock(shard.mutex);

  auto found = shard.buckets.find(key_id);
  if (found == shard.buckets.end()) {
    if (shard.buckets.size() >= shard.sweep_threshold) evict_full_buckets(shard, now);
    found = shard.buckets.emplace(std::string(key_id), Bucket{policy_.burst, now}).first;
  }
  Bucket& bucket = found->second;
  bucket.tokens = tokens_now(bucket, now);
  bucket.refilled_at = std::max(bucket.refilled_at, now);

  bool allowed = bucket.tokens >= 1;
  if (allowed) bucket.tokens -= 1;
  return decision(allowed, bucket.tokens);
}

RateLimitDecision RateLimiter::peek(std::string_view key_id) const {
  TimePoint now = clock_.now();
  const Shard& shard = shards_[std::hash<std::string_view>{}(key_id) % shard_count];
  std::lock_guard lock(shard.mutex);
  auto found = shard.buckets.find(key_id);
  double tokens = found == shard.buckets.end() ? policy_.burst : tokens_now(found->second, now);
  return decision(tokens >= 1, tokens);
}

// `tokens` is what the bucket holds after the request was (or was not) served.
RateLimitDecision RateLimiter::decision(bool allowed, double tokens) const {
  double rate = policy_.tokens_per_second;
  return RateLimitDecision{
      .allowed = allowed,
      .limit = static_cast<long>(std::floor(policy_.burst)),
      .remaining = static_cast<long>(std::floor(tokens)),
      .reset = ceil_seconds((policy_.burst - tokens) / rate),
      .retry_after = allowed ? std::chrono::seconds(0)
                             : std::max(std::chrono::seconds(1), ceil_seconds((1 - tokens) / rate)),
  };
}

std::size_t RateLimiter::tracked_keys() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.buckets.size();
  }
  return total;
}

}  // namespace hookgate

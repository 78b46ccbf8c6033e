#pragma once
// When a failed delivery is tried again (DESIGN §5). Pure: the clock and the
// randomness are passed in, so tests check schedules without sleeping.

#include "core/clock.h"
#include "core/random.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate::delivery {

struct RetryPolicy {
  // Delay before attempt n+1, for n = 0.. ; the first entry is the first
  // attempt's (normally 0: immediately). Its length is the attempt limit.
  std::vector<std::chrono::milliseconds> schedule;
  double jitter = 0.2;  // each delay is drawn from [d·(1−jitter), d·(1+jitter)]
  // A receiver's Retry-After (on 429/503) is honoured up to this long.
  std::chrono::seconds max_retry_after{std::chrono::hours(1)};
};

// The documented default: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RetryPolicy default_retry_policy();

// "0,5s,5m,30m,2h,5h,10h,10h" (units ms, s, m, h; a bare number is seconds).
// Throws std::invalid_argument naming the bad item.
std::vector<std::chrono::milliseconds> parse_retry_schedule(std::string_view text);

// Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), relative
// to `now`; nullopt when absent or unparseable. Dates in the past give 0;
// anything beyond a year is capped at a year.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, TimePoint now);

// After attempt `attempts_made` (1-based) failed: when to try again, or
// nullopt when the schedule is exhausted and the delivery has failed.
// `retry_after` applies only to 429 and 503 answers; it can postpone the
// next attempt (up to max_retry_after) but never bring it forward.
std::optional<TimePoint> next_attempt_time(const RetryPolicy& policy, int attempts_made, TimePoint now,
                                           int status_code, std::optional<std::chrono::seconds> retry_after,
                                           RandomSource& random);

}  // namespace hookgate::delivery

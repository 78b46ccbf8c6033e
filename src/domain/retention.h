#pragma once
// How long history is kept (DESIGN §10), as pure rules: whether a retention
// is long enough for the retry schedule and the recover window, and how
// long events outlive their deliveries.

#include "domain/retry_policy.h"

#include <chrono>
#include <optional>
#include <string>

namespace hookgate {

inline constexpr int kDefaultRetentionDays = 30;

// The longest a delivery can go on being tried under `policy`: every delay
// at its most jitter, or postponed by a receiver's Retry-After to its cap.
std::chrono::milliseconds longest_retry_span(const delivery::RetryPolicy& policy);

// A delivery may be sent again (recover) up to `recover_window` after it was
// made and then retried for its whole span; its day must outlast both and a
// day more (a day partition is dropped only once wholly expired, and clocks
// differ). Returns the message naming both variables when `retention_days`
// is too short.
std::optional<std::string> retention_problem(int retention_days, std::chrono::milliseconds retry_span,
                                             std::chrono::seconds recover_window);

// Events are kept the recover window longer than deliveries, so that a
// delivery never outlives its event.
int event_retention_days(int retention_days, std::chrono::seconds recover_window);

}  // namespace hookgate

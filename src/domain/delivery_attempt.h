#pragma once
// What the delivery cycle passes between storage and the worker: the outcome
// of a publish, a claimed delivery, the result of one attempt, and an
// endpoint that storage disabled. The worker decides results
// (delivery/attempt_outcome.h); storage records them in one statement per batch.

#include "core/clock.h"
#include "domain/ids.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookgate {

struct PublishOutcome {
  EventId id;
  std::string outcome;  // "created", "existing" (same id published before) or "conflict"
  int deliveries = 0;   // fanned out now ("created") or before ("existing")
};

// A delivery claimed for one attempt. The attempt is on the delivery's queue
// row until its result is recorded.
struct ClaimedDelivery {
  DeliveryId id;
  std::int64_t claim_token = 0;
  AttemptId attempt;
  int attempt_number = 0;
  TimePoint claimed_at;  // the attempt's start
  AccountId account;
  EndpointId endpoint;
  std::string event_type;
  std::string url;
  std::string payload;
  std::vector<std::string> secrets;  // opened by the worker: current first, then any in a roll's grace period
  bool authorized = true;            // DESIGN §3 rule 3, evaluated at claim time
  // As claimed: each sealed secret in hex, in the order of `secrets`,
  // space-separated; bound with endpoint_secret_binding(endpoint).
  std::string sealed_secrets;
};

struct AttemptResult {
  // Identifies the claim the result belongs to; the rest is filled in after.
  AttemptResult(const ClaimedDelivery& claimed, TimePoint finished)
      : delivery(claimed.id), claim_token(claimed.claim_token), attempt(claimed.attempt),
        attempt_number(claimed.attempt_number), account(claimed.account), endpoint(claimed.endpoint),
        started(claimed.claimed_at), finished(finished) {}

  DeliveryId delivery;
  std::int64_t claim_token = 0;
  AttemptId attempt;
  int attempt_number = 0;
  AccountId account;
  EndpointId endpoint;
  TimePoint started;
  TimePoint finished;
  std::chrono::microseconds duration{0};
  std::string outcome;        // "succeeded", "failed" or "interrupted"
  std::optional<std::int64_t> status_code;
  std::optional<std::string> error;
  std::optional<std::string> response_snippet;
  std::optional<TimePoint> next_attempt;  // set: pending again; unset: final
  bool endpoint_gone = false;             // 410: disable the endpoint now
  bool counts_for_health = true;          // false for attempts never sent
};

struct DisabledEndpoint {
  EndpointId id;
  std::string reason;
};

}  // namespace hookgate

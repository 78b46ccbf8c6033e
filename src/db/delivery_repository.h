#pragma once
// Storage of events, deliveries and attempts: publishing with fan-out, the
// claim/record cycle of the delivery workers, and endpoint health. Each call
// is one transaction with one statement per batch, never one per row.

#include "core/clock.h"
#include "db/pool.h"
#include "domain/ids.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookgate::db {

struct PublishOutcome {
  EventId id;
  std::string outcome;  // "created", "existing" (same id published before) or "conflict"
  int deliveries = 0;   // fanned out now ("created") or before ("existing")
};

// Runs hookgate_publish_event(): the event and its deliveries commit together.
PublishOutcome publish_event(Connection& conn, const AccountId& account, const std::string& type,
                             const std::string& data_json, const std::optional<EventId>& id,
                             std::optional<TimePoint> occurred_at);

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

// Claims up to `limit` due deliveries (FOR UPDATE SKIP LOCKED), leasing each
// until now + lease with a new attempt, and records as interrupted any
// earlier attempt of theirs that never got a result.
std::vector<ClaimedDelivery> claim_due_deliveries(Connection& conn, std::size_t limit, TimePoint now,
                                                  std::chrono::milliseconds lease);

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

// Writes a batch of results (attempt rows always; delivery rows only while
// the claim token still matches), updates endpoint health and disables
// endpoints that answered 410 or have failed for longer than `disable_after`,
// publishing `webhook_endpoint.disabled` for each. Returns those disabled.
std::vector<DisabledEndpoint> record_attempt_results(Connection& conn, const std::vector<AttemptResult>& results,
                                                     TimePoint now, std::chrono::seconds disable_after);

// When the first queued delivery is due (a claimed one: when its lease ends), if any.
std::optional<TimePoint> next_due_time(Connection& conn);

}  // namespace hookgate::db

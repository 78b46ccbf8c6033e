#pragma once
// Storage of events, deliveries and attempts: publishing with fan-out, the
// claim/record cycle of the delivery workers, and endpoint health. Each call
// is one transaction with one statement per batch, never one per row.

#include "core/clock.h"
#include "db/pool.h"
#include "domain/delivery_attempt.h"
#include "domain/ids.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookgate::db {

// Runs hookgate_publish_event(): the event and its deliveries commit together.
PublishOutcome publish_event(Connection& conn, const AccountId& account, const std::string& type,
                             const std::string& data_json, const std::optional<EventId>& id,
                             std::optional<TimePoint> occurred_at);

// Run on each connection of a delivery worker's pool: its statements are
// prepared once and run on their generic plans, which the claim and the
// result statements are written for (parameters the planner estimates well,
// and run-time partition pruning). Planning them afresh on each call cost
// more PostgreSQL CPU than executing them; a cached plan is replanned when
// its tables are ANALYZEd (autovacuum) or their partitions change.
inline constexpr std::string_view kWorkerSessionSql = "SET plan_cache_mode = force_generic_plan";

// The most one claim statement takes (HOOKGATE_DELIVERY_BATCH's maximum).
inline constexpr std::size_t kMaxClaimLimit = 1000;

// Claims up to `limit` due deliveries (FOR UPDATE SKIP LOCKED), leasing each
// until now + lease with a new attempt, and records as interrupted any
// earlier attempt of theirs that never got a result.
std::vector<ClaimedDelivery> claim_due_deliveries(Connection& conn, std::size_t limit, TimePoint now,
                                                  std::chrono::milliseconds lease);

// Writes a batch of results (attempt rows always; delivery rows only while
// the claim token still matches), updates endpoint health and disables
// endpoints that answered 410 or have failed for longer than `disable_after`,
// publishing `webhook_endpoint.disabled` for each. Returns those disabled.
std::vector<DisabledEndpoint> record_attempt_results(Connection& conn, const std::vector<AttemptResult>& results,
                                                     TimePoint now, std::chrono::seconds disable_after);

// When the first queued delivery is due (a claimed one: when its lease ends), if any.
std::optional<TimePoint> next_due_time(Connection& conn);

}  // namespace hookgate::db

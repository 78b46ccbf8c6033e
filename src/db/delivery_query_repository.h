#pragma once
// What dashboards read about deliveries (lists, one delivery with its
// attempts) and the manual retry of one delivery. Every query takes the
// account id: another account's delivery is simply not found.

#include "core/clock.h"
#include "db/pool.h"
#include "domain/ids.h"
#include "domain/pagination.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookgate::db {

struct DeliverySummary {
  DeliveryId id;
  EventId event;
  std::string event_type;
  EndpointId endpoint;
  std::string status;  // pending, succeeded, failed
  int attempt_count = 0;
  std::optional<TimePoint> next_attempt_at;
  std::optional<TimePoint> last_attempt_at;
  std::optional<int> last_status_code;
  std::optional<std::string> last_error;
  TimePoint created;
};

struct AttemptRecord {
  AttemptId id;
  int attempt_number = 0;
  TimePoint started;
  std::optional<TimePoint> finished;
  std::optional<std::int64_t> duration_us;
  std::optional<std::string> outcome;  // NULL while in flight
  std::optional<int> status_code;
  std::optional<std::string> error;
  std::optional<std::string> response_snippet;
};

struct RetryRecord {
  ApiKeyId requested_by;
  TimePoint requested_at;
  std::optional<RetryJobId> retry_job;
};

struct DeliveryDetail {
  DeliverySummary summary;
  std::vector<AttemptRecord> attempts;  // oldest first
  std::vector<RetryRecord> retries;     // oldest first
  std::string payload;                  // the exact JSON body every attempt sent
};

struct DeliveryFilter {
  std::optional<EndpointId> endpoint;
  std::optional<std::string> event_type;
  std::optional<std::string> status;  // validated: pending, succeeded or failed
  std::optional<TimePoint> created_gte;
  std::optional<TimePoint> created_lte;
};

// Newest first by (created, seq); a cursor that is not the account's delivery
// is invalid_parameter naming the cursor parameter.
Page<DeliverySummary> list_deliveries(Connection& conn, const AccountId& account, const DeliveryFilter& filter,
                                      const PageRequest& page);

std::optional<DeliveryDetail> find_delivery(Connection& conn, const AccountId& account, const DeliveryId& id);

struct RetryResult {
  bool found = false;
  std::optional<std::string> refusal;  // see hookgate_retry_refusal(): why it cannot be sent again now
  std::optional<DeliverySummary> delivery;
};

// Schedules an immediate attempt of the delivery (the same webhook-id) unless
// it is refused, recording `requested_by` for the audit.
RetryResult retry_delivery(Connection& conn, const AccountId& account, const DeliveryId& id,
                           const ApiKeyId& requested_by);

}  // namespace hookgate::db

#pragma once
// A delivery, its attempts and manual retries as storage returns them, and
// the deliveries list's filter.

#include "core/clock.h"
#include "domain/ids.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookgate {

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

// Why a delivery cannot be sent again now (hookgate_retry_refusal()).
enum class RetryRefusal {
  endpoint_disabled,
  attempt_in_progress,
  subscription_unauthorized,  // the endpoint's subscription to the event type lost its authorizing key
};

struct RetryResult {
  bool found = false;
  std::optional<RetryRefusal> refusal;
  std::optional<DeliverySummary> delivery;  // when found: as scheduled, or as it stands if refused
};

}  // namespace hookgate

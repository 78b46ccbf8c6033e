#pragma once
// A retry job ("recover") as storage returns it, and what creating one takes.

#include "core/clock.h"
#include "domain/ids.h"

#include <optional>
#include <string>

namespace hookgate {

// What a job is asked to do: send the endpoint's failed deliveries created
// in [since, until] again, on behalf of `requested_by`.
struct NewRetryJob {
  RetryJobId id;
  AccountId account;
  EndpointId endpoint;
  ApiKeyId requested_by;
  TimePoint since;
  TimePoint until;
};

struct RetryJobRecord : NewRetryJob {
  std::string status;  // running, completed
  int total = 0;
  int done = 0;     // sent again
  int failed = 0;   // could not be sent again (endpoint disabled, subscription unauthorized)
  int skipped = 0;  // no longer failed when the job reached them
  TimePoint created;
  std::optional<TimePoint> completed;
};

}  // namespace hookgate

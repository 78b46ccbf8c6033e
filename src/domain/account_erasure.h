#pragma once
// An account erasure job (DELETE /internal/v1/accounts/{id}) as storage
// returns it.

#include "core/clock.h"
#include "domain/ids.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace hookgate {

struct AccountErasureRecord {
  AccountErasureId id;
  AccountId account;
  std::string status;                        // running, completed
  std::map<std::string, std::int64_t> erased;  // rows deleted so far, by kind
  TimePoint created;
  std::optional<TimePoint> completed;
};

}  // namespace hookgate

#pragma once

#include "core/clock.h"
#include "domain/ids.h"

#include <string>

namespace hookgate {

struct AccountRecord {
  AccountId id;
  std::string name;
  TimePoint created;
};

// Whether an account takes new writes (keys, events): an account with an
// erasure job, running or completed, takes none.
enum class AccountState { active, erased, missing };

}  // namespace hookgate

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

}  // namespace hookgate

#pragma once
// Time is injected so retry schedules, leases and expiries are testable
// without sleeping.

#include <chrono>

namespace hookgate {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace hookgate

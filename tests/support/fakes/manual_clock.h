#pragma once
// A clock that moves only when a test says so.

#include "core/clock.h"

#include <atomic>
#include <chrono>

namespace hookgate::testing {

// Atomic so a concurrency test may advance time while others read it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = std::chrono::system_clock::from_time_t(1'700'000'000))
      : ticks_(start.time_since_epoch().count()) {}

  TimePoint now() const override { return TimePoint(TimePoint::duration(ticks_.load())); }
  void advance(std::chrono::nanoseconds by) {
    ticks_ += std::chrono::duration_cast<TimePoint::duration>(by).count();
  }

 private:
  std::atomic<TimePoint::rep> ticks_;
};

}  // namespace hookgate::testing

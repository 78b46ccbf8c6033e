#pragma once
// When the delivery dispatcher claims again: pure, so its batch sizing and
// wake-ups are unit-tested with plain values instead of a running worker.

#include "core/clock.h"

#include <chrono>
#include <cstddef>
#include <optional>

namespace hookgate::delivery {

// How many deliveries the next claim may take: a batch, bounded by the sends
// the process may still start.
std::size_t claim_capacity(std::size_t batch_size, std::size_t max_in_flight, std::size_t in_flight);

// What to do after a claim that took `claimed` of `capacity`.
struct NextClaim {
  bool now = false;  // claim again at once
  // Otherwise, sleep this long (a retry falls due before the poll interval
  // ends) and claim; nullopt: wait for a NOTIFY or the poll interval.
  std::optional<std::chrono::milliseconds> after;
};

// A full batch means more may be due: claim again. A short one means
// nothing else is due before `next_due` (the earliest pending delivery, if
// any was looked up).
NextClaim next_claim(std::size_t claimed, std::size_t capacity, std::optional<TimePoint> next_due, TimePoint now,
                     std::chrono::milliseconds poll_interval);

}  // namespace hookgate::delivery

#include "delivery/claim_schedule.h"

#include <algorithm>

namespace hookgate::delivery {

std::size_t claim_capacity(std::size_t batch_size, std::size_t max_in_flight, std::size_t in_flight) {
  if (in_flight >= max_in_flight) return 0;
  return std::min(batch_size, max_in_flight - in_flight);
}

NextClaim next_claim(std::size_t claimed, std::size_t capacity, std::optional<TimePoint> next_due, TimePoint now,
                     std::chrono::milliseconds poll_interval) {
  if (claimed == capacity) return {true, std::nullopt};
  if (!next_due) return {};
  auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next_due - now);
  if (until <= std::chrono::milliseconds(0)) return {true, std::nullopt};
  if (until < poll_interval) return {false, until};
  return {};
}

}  // namespace hookgate::delivery

#pragma once
// RFC 3339 UTC timestamps on the wire; microseconds since the epoch in SQL.

#include "core/clock.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookgate {

// "2026-11-27T20:55:12Z", or with ".123456" when there are sub-second digits.
std::string format_rfc3339(TimePoint time);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)"; nullopt otherwise.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

std::int64_t to_epoch_micros(TimePoint time);
TimePoint from_epoch_micros(std::int64_t micros);

}  // namespace hookgate

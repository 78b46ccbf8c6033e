#include "domain/retention.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hookgate {

using std::chrono::milliseconds;

namespace {

constexpr std::chrono::hours kDay{24};

std::string days_text(milliseconds span) {
  double days = std::chrono::duration<double, std::ratio<86'400>>(span).count();
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", days);
  return text;
}

}  // namespace

milliseconds longest_retry_span(const delivery::RetryPolicy& policy) {
  milliseconds span{0};
  for (std::size_t i = 1; i < policy.schedule.size(); ++i) {
    auto widest = milliseconds(static_cast<long long>(
        std::ceil(static_cast<double>(policy.schedule[i].count()) * (1.0 + policy.jitter))));
    span += std::max<milliseconds>(widest, policy.max_retry_after);
  }
  return span;
}

std::optional<std::string> retention_problem(int retention_days, milliseconds retry_span,
                                             std::chrono::seconds recover_window) {
  milliseconds needed = retry_span + kDay + recover_window;
  if (milliseconds(kDay) * retention_days > needed) return std::nullopt;
  return "HOOKGATE_RETENTION_DAYS=" + std::to_string(retention_days) +
         " is too short: it must exceed the retry schedule's longest span (" + days_text(retry_span) +
         " days, HOOKGATE_RETRY_SCHEDULE and HOOKGATE_RETRY_AFTER_MAX_SECONDS) plus a day plus the recover window (" +
         days_text(recover_window) + " days, HOOKGATE_RECOVER_MAX_WINDOW_SECONDS), " + days_text(needed) +
         " days in all; raise it or shorten them";
}

int event_retention_days(int retention_days, std::chrono::seconds recover_window) {
  auto window_days = (recover_window + kDay - std::chrono::seconds(1)) / kDay;
  return retention_days + static_cast<int>(window_days);
}

}  // namespace hookgate

#include "domain/retry_policy.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <stdexcept>

namespace hookgate::delivery {

using std::chrono::milliseconds;

RetryPolicy default_retry_policy() {
  using namespace std::chrono_literals;
  RetryPolicy policy;
  policy.schedule = {0ms, 5s, 5min, 30min, 2h, 5h, 10h, 10h};
  return policy;
}

std::vector<milliseconds> parse_retry_schedule(std::string_view text) {
  std::vector<milliseconds> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    long long value = 0;
    auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    std::string_view unit(end, static_cast<std::size_t>(item.data() + item.size() - end));
    long long factor = unit == "ms" ? 1 : unit == "s" || unit.empty() ? 1000 : unit == "m" ? 60'000
                       : unit == "h" ? 3'600'000 : 0;
    if (item.empty() || error != std::errc() || value < 0 || factor == 0 || value > 7LL * 24 * 3'600'000 / factor) {
      throw std::invalid_argument("bad retry delay \"" + std::string(item) + "\" (use e.g. 0,5s,5m,2h)");
    }
    out.emplace_back(value * factor);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

namespace {

// Any Retry-After beyond this is capped: the policy honours at most
// max_retry_after anyway, and the cap keeps later conversions to finer
// units from overflowing.
constexpr long long longest_retry_after = 366LL * 24 * 3'600;

std::chrono::seconds capped_retry_after(long long seconds) {
  return std::chrono::seconds(std::clamp(seconds, 0LL, longest_retry_after));
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, TimePoint now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return capped_retry_after(seconds);
  }
  // IMF-fixdate, the form RFC 9110 requires senders to use.
  std::tm tm{};
  std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0') return std::nullopt;
  // In whole seconds of time_t: a far-off year must not overflow the clock's
  // nanoseconds.
  long long when = timegm(&tm);
  long long delta = when - static_cast<long long>(std::chrono::system_clock::to_time_t(now));
  return capped_retry_after(delta);
}

std::optional<TimePoint> next_attempt_time(const RetryPolicy& policy, int attempts_made, TimePoint now,
                                           int status_code, std::optional<std::chrono::seconds> retry_after,
                                           RandomSource& random) {
  if (attempts_made < 0 || static_cast<std::size_t>(attempts_made) >= policy.schedule.size()) return std::nullopt;
  auto base = policy.schedule[static_cast<std::size_t>(attempts_made)];
  // Uniform in [1 - jitter, 1 + jitter]: spreads retries of a burst apart.
  double factor = 1.0 + policy.jitter * (2.0 * random.unit() - 1.0);
  auto delay = milliseconds(static_cast<long long>(static_cast<double>(base.count()) * factor));
  if (retry_after && (status_code == 429 || status_code == 503)) {
    delay = std::max<milliseconds>(delay, std::min<milliseconds>(*retry_after, policy.max_retry_after));
  }
  return now + delay;
}

}  // namespace hookgate::delivery

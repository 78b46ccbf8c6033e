// The retention rule (DESIGN §10): history must outlast a delivery's whole
// retry span plus a day plus the recover window, and events outlast their
// deliveries by the recover window.

#include "app/config.h"
#include "domain/retention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace hookgate {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(Retention, TheLongestSpanTakesEachDelayAtItsMostJitterOrTheRetryAfterCap) {
  delivery::RetryPolicy policy;
  policy.schedule = {0ms, 10h, 30min};
  policy.jitter = 0.5;
  policy.max_retry_after = 1h;
  // The first entry is the first attempt's; then 15 h, and 45 min raised to the 1 h cap.
  EXPECT_EQ(longest_retry_span(policy), 16h);
  // The default schedule (27 h 35 min 5 s) widened by jitter and Retry-After.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::minutes>(longest_retry_span(delivery::default_retry_policy())),
            std::chrono::minutes(2124));
}

TEST(Retention, MustExceedTheRetrySpanADayAndTheRecoverWindow) {
  EXPECT_EQ(retention_problem(30, 36h, 14 * 24h), std::nullopt);
  EXPECT_EQ(retention_problem(17, 36h, 14 * 24h), std::nullopt);  // 17 d > 1.5 + 1 + 14
  auto problem = retention_problem(16, 36h, 14 * 24h);
  ASSERT_TRUE(problem.has_value());
  EXPECT_THAT(*problem, HasSubstr("HOOKGATE_RETENTION_DAYS=16"));
  EXPECT_THAT(*problem, HasSubstr("HOOKGATE_RECOVER_MAX_WINDOW_SECONDS"));
  EXPECT_THAT(*problem, HasSubstr("HOOKGATE_RETRY_SCHEDULE"));
  EXPECT_THAT(*problem, HasSubstr("16.5 days in all"));
  // Exactly equal is not enough: a day partition goes only once wholly expired.
  EXPECT_TRUE(retention_problem(3, 24h, 24h).has_value());
}

TEST(Retention, EventsAreKeptTheRecoverWindowLongerInWholeDays) {
  EXPECT_EQ(event_retention_days(30, 14 * 24h), 44);
  EXPECT_EQ(event_retention_days(30, 14 * 24h + 1s), 45);
  EXPECT_EQ(event_retention_days(30, 60s), 31);
}

EnvLookup env(std::map<std::string, std::string> values) {
  return [values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Retention, ServeAndMaintainRefuseATooShortRetentionNamingBothVariables) {
  EXPECT_NO_THROW(require_retention(load_config(env({}))));
  EXPECT_EQ(load_config(env({})).retention_days, kDefaultRetentionDays);
  auto too_short = load_config(env({{"HOOKGATE_RETENTION_DAYS", "10"}}));
  try {
    require_retention(too_short);
    FAIL() << "a 10-day retention under a 14-day recover window was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HOOKGATE_RETENTION_DAYS"));
    EXPECT_THAT(e.what(), HasSubstr("HOOKGATE_RECOVER_MAX_WINDOW_SECONDS"));
  }
  // A shorter recover window makes the same retention fine.
  EXPECT_NO_THROW(require_retention(
      load_config(env({{"HOOKGATE_RETENTION_DAYS", "10"}, {"HOOKGATE_RECOVER_MAX_WINDOW_SECONDS", "86400"}}))));
  EXPECT_THROW(load_config(env({{"HOOKGATE_RETENTION_DAYS", "0"}})), ConfigError);
  EXPECT_THROW(load_config(env({{"HOOKGATE_RETENTION_DAYS", "thirty"}})), ConfigError);
}

}  // namespace
}  // namespace hookgate

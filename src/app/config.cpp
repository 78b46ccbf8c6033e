#include "app/config.h"

#include "db/connection_defaults.h"
#include "domain/retention.h"
#include "domain/retry_policy.h"

#include <charconv>
#include <cstdlib>
#include <vector>

namespace hookgate {

namespace {

[[noreturn]] void fail(std::string_view variable, std::string_view value, std::string_view expected) {
  throw ConfigError(std::string(variable) + "=\"" + std::string(value) + "\" is invalid: expected " +
                    std::string(expected));
}

std::size_t parse_count(std::string_view variable, std::string_view value, std::size_t min, std::size_t max) {
  std::size_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc{} || end != value.data() + value.size() || out < min || out > max) {
    fail(variable, value, "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return out;
}

bool parse_flag(std::string_view variable, std::string_view value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  fail(variable, value, "1 or 0");
}

}  // namespace

std::optional<std::string> process_env(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

ListenAddress parse_listen_address(std::string_view text, std::string_view variable) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) fail(variable, text, "host:port");
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') fail(variable, text, "host:port");
    host = host.substr(1, host.size() - 2);
  }
  auto port = parse_count(variable, text.substr(colon + 1), 0, 65535);
  return ListenAddress{std::string(host), static_cast<unsigned short>(port)};
}

const std::vector<std::string_view>& known_config_variables() {
  static const std::vector<std::string_view> names = {
      "HOOKGATE_LISTEN",
      "HOOKGATE_DATABASE_URL",
      "HOOKGATE_DATABASE_READ_URL",
      "HOOKGATE_READ_MAX_LAG_MS",
      "HOOKGATE_OPERATOR_TOKEN",
      "HOOKGATE_ALLOW_PRIVATE_TARGETS",
      "HOOKGATE_MIGRATE_ON_START",
      "HOOKGATE_SECRETS_KEYS",
      "HOOKGATE_DB_POOL_SIZE",
      "HOOKGATE_HTTP_THREADS",
      "HOOKGATE_MAX_HEADER_BYTES",
      "HOOKGATE_MAX_BODY_BYTES",
      "HOOKGATE_READ_TIMEOUT_MS",
      "HOOKGATE_IDLE_TIMEOUT_MS",
      "HOOKGATE_SHUTDOWN_GRACE_MS",
      "HOOKGATE_DB_ACQUIRE_TIMEOUT_MS",
      "HOOKGATE_RATE_LIMIT_PER_SECOND",
      "HOOKGATE_RATE_LIMIT_BURST",
      "HOOKGATE_AUTH_FAILURES_PER_MINUTE",
      "HOOKGATE_AUTH_FAILURE_BURST",
      "HOOKGATE_CLIENT_IP_HEADER",
      "HOOKGATE_KEY_CACHE_TTL_SECONDS",
      "HOOKGATE_KEY_USE_FLUSH_MS",
      "HOOKGATE_METRICS_DATABASE_MS",
      "HOOKGATE_LOG_LEVEL",
      "HOOKGATE_MAX_ENDPOINTS_PER_ACCOUNT",
      "HOOKGATE_ROLE",
      "HOOKGATE_DELIVERY_CONCURRENCY",
      "HOOKGATE_DELIVERY_BATCH",
      "HOOKGATE_DELIVERY_TIMEOUT_MS",
      "HOOKGATE_DELIVERY_CONNECT_TIMEOUT_MS",
      "HOOKGATE_DELIVERY_POLL_MS",
      "HOOKGATE_RETRY_SCHEDULE",
      "HOOKGATE_RETRY_AFTER_MAX_SECONDS",
      "HOOKGATE_DISABLE_AFTER_SECONDS",
      "HOOKGATE_MAX_EVENT_BYTES",
      "HOOKGATE_CA_FILE",
      "HOOKGATE_RECOVER_RATE",
      "HOOKGATE_RECOVER_MAX_WINDOW_SECONDS",
      "HOOKGATE_ERASURE_BATCH",
      "HOOKGATE_ERASURE_PAUSE_MS",
      "HOOKGATE_RETENTION_DAYS",
      "HOOKGATE_MAINTENANCE_INTERVAL_SECONDS",
  };
  return names;
}

Config load_config(const EnvLookup& env) {
  Config config;
  auto millis = [&](std::string_view name, std::chrono::milliseconds& out, std::size_t max) {
    if (auto value = env(name)) out = std::chrono::milliseconds(parse_count(name, *value, 1, max));
  };
  auto count = [&](std::string_view name, std::size_t& out, std::size_t min, std::size_t max) {
    if (auto value = env(name)) out = parse_count(name, *value, min, max);
  };
  // Rates and bucket sizes are doubles set from whole numbers.
  auto whole = [&](std::string_view name, double& out, std::size_t min, std::size_t max) {
    if (auto value = env(name)) out = static_cast<double>(parse_count(name, *value, min, max));
  };

  if (auto value = env("HOOKGATE_LISTEN")) config.listen = parse_listen_address(*value, "HOOKGATE_LISTEN");
  if (auto value = env("HOOKGATE_DATABASE_URL"); value && !value->empty()) {
    try {
      config.database_url = db::with_connection_defaults(*value);
    } catch (const std::invalid_argument& e) {
      fail("HOOKGATE_DATABASE_URL", "(hidden)", std::string("a libpq connection URI or keyword=value string; ") + e.what());
    }
  }
  if (auto value = env("HOOKGATE_DATABASE_READ_URL"); value && !value->empty()) {
    try {
      config.database_read_url = db::with_connection_defaults(*value);
    } catch (const std::invalid_argument& e) {
      fail("HOOKGATE_DATABASE_READ_URL", "(hidden)",
           std::string("a libpq connection URI or keyword=value string; ") + e.what());
    }
  }
  millis("HOOKGATE_READ_MAX_LAG_MS", config.read_max_lag, 600'000);
  if (auto value = env("HOOKGATE_OPERATOR_TOKEN")) {
    if (value->size() < 16) fail("HOOKGATE_OPERATOR_TOKEN", "(hidden)", "at least 16 characters");
    config.operator_token = *value;
  }
  if (auto value = env("HOOKGATE_ALLOW_PRIVATE_TARGETS")) {
    config.allow_private_targets = parse_flag("HOOKGATE_ALLOW_PRIVATE_TARGETS", *value);
  }
  if (auto value = env("HOOKGATE_MIGRATE_ON_START")) {
    config.migrate_on_start = parse_flag("HOOKGATE_MIGRATE_ON_START", *value);
  }
  if (auto value = env(kSecretsKeysVariable)) {
    try {
      config.secrets_keys = SecretKeyRing::parse(*value);
    } catch (const std::invalid_argument& e) {
      fail(kSecretsKeysVariable, "(hidden)", std::string("comma-separated base64 32-byte keys; ") + e.what());
    }
  }
  count("HOOKGATE_DB_POOL_SIZE", config.db_pool_size, 1, 256);
  count("HOOKGATE_HTTP_THREADS", config.http_threads, 1, 64);
  count("HOOKGATE_MAX_HEADER_BYTES", config.max_header_bytes, 1024, 1024 * 1024);
  count("HOOKGATE_MAX_BODY_BYTES", config.max_body_bytes, 1024, 64 * 1024 * 1024);
  millis("HOOKGATE_READ_TIMEOUT_MS", config.read_timeout, 3'600'000);
  millis("HOOKGATE_IDLE_TIMEOUT_MS", config.idle_timeout, 3'600'000);
  millis("HOOKGATE_SHUTDOWN_GRACE_MS", config.shutdown_grace, 600'000);
  millis("HOOKGATE_DB_ACQUIRE_TIMEOUT_MS", config.db_acquire_timeout, 600'000);
  whole("HOOKGATE_RATE_LIMIT_PER_SECOND", config.rate_limit_per_second, 1, 1'000'000);
  whole("HOOKGATE_RATE_LIMIT_BURST", config.rate_limit_burst, 1, 10'000'000);
  whole("HOOKGATE_AUTH_FAILURES_PER_MINUTE", config.auth_failures_per_minute, 1, 1'000'000);
  whole("HOOKGATE_AUTH_FAILURE_BURST", config.auth_failure_burst, 1, 10'000'000);
  if (auto value = env("HOOKGATE_CLIENT_IP_HEADER")) config.client_ip_header = *value;
  std::size_t ttl = 0;
  count("HOOKGATE_KEY_CACHE_TTL_SECONDS", ttl, 1, 3600);
  if (ttl != 0) config.key_cache_ttl = std::chrono::seconds(ttl);
  count("HOOKGATE_MAX_ENDPOINTS_PER_ACCOUNT", config.max_endpoints_per_account, 1, 10'000'000);
  millis("HOOKGATE_KEY_USE_FLUSH_MS", config.key_use_flush_interval, 3'600'000);
  millis("HOOKGATE_METRICS_DATABASE_MS", config.metrics_database_interval, 3'600'000);
  if (auto value = env("HOOKGATE_ROLE")) {
    if (*value == "all") config.role = Config::Role::all;
    else if (*value == "api") config.role = Config::Role::api;
    else if (*value == "worker") config.role = Config::Role::worker;
    else fail("HOOKGATE_ROLE", *value, "all, api or worker");
  }
  count("HOOKGATE_DELIVERY_CONCURRENCY", config.delivery_concurrency, 1, 100'000);
  count("HOOKGATE_DELIVERY_BATCH", config.delivery_batch, 1, 1'000);
  millis("HOOKGATE_DELIVERY_TIMEOUT_MS", config.delivery_timeout, 300'000);
  millis("HOOKGATE_DELIVERY_CONNECT_TIMEOUT_MS", config.delivery_connect_timeout, 300'000);
  millis("HOOKGATE_DELIVERY_POLL_MS", config.delivery_poll_interval, 3'600'000);
  if (auto value = env("HOOKGATE_RETRY_SCHEDULE")) {
    try {
      config.retry_schedule = delivery::parse_retry_schedule(*value);
    } catch (const std::invalid_argument& e) {
      fail("HOOKGATE_RETRY_SCHEDULE", *value, e.what());
    }
    if (config.retry_schedule.empty()) fail("HOOKGATE_RETRY_SCHEDULE", *value, "at least one delay");
  }
  std::size_t seconds = 0;
  count("HOOKGATE_RETRY_AFTER_MAX_SECONDS", seconds, 0, 7 * 24 * 3'600);
  if (env("HOOKGATE_RETRY_AFTER_MAX_SECONDS")) config.retry_after_max = std::chrono::seconds(seconds);
  seconds = 0;
  count("HOOKGATE_DISABLE_AFTER_SECONDS", seconds, 1, 365 * 24 * 3'600);
  if (seconds != 0) config.disable_after = std::chrono::seconds(seconds);
  count("HOOKGATE_MAX_EVENT_BYTES", config.max_event_bytes, 2, 16 * 1024 * 1024);
  if (auto value = env("HOOKGATE_CA_FILE")) config.ca_file = *value;
  count("HOOKGATE_RECOVER_RATE", config.recover_rate, 1, 100'000);
  seconds = 0;
  count("HOOKGATE_RECOVER_MAX_WINDOW_SECONDS", seconds, 60, 365 * 24 * 3'600);
  if (seconds != 0) config.recover_max_window = std::chrono::seconds(seconds);
  count("HOOKGATE_ERASURE_BATCH", config.erasure_batch, 1, 100'000);
  millis("HOOKGATE_ERASURE_PAUSE_MS", config.erasure_pause, 600'000);
  std::size_t days = 0;
  count("HOOKGATE_RETENTION_DAYS", days, 1, 36'500);
  if (days != 0) config.retention_days = static_cast<int>(days);
  if (auto value = env("HOOKGATE_MAINTENANCE_INTERVAL_SECONDS")) {
    config.maintenance_interval = std::chrono::seconds(parse_count("HOOKGATE_MAINTENANCE_INTERVAL_SECONDS", *value, 0,
                                                                   7 * 24 * 3'600));
  }
  if (auto value = env("HOOKGATE_LOG_LEVEL")) {
    if (*value != "debug" && *value != "info" && *value != "warn" && *value != "error") {
      fail("HOOKGATE_LOG_LEVEL", *value, "debug, info, warn or error");
    }
    config.log_level = *value;
  }
  return config;
}

delivery::RetryPolicy retry_policy(const Config& config) {
  auto policy = delivery::default_retry_policy();
  if (!config.retry_schedule.empty()) policy.schedule = config.retry_schedule;
  policy.max_retry_after = config.retry_after_max;
  return policy;
}

void require_retention(const Config& config) {
  if (auto problem = retention_problem(config.retention_days, longest_retry_span(retry_policy(config)),
                                       config.recover_max_window)) {
    throw ConfigError(*problem);
  }
}

}  // namespace hookgate

#pragma once
// Process configuration, read once from HOOKGATE_* environment variables.
// A bad value stops the process at start with a message naming the variable.

#include "core/config_error.h"
#include "core/listen_address.h"
#include "core/secret_sealing.h"
#include "domain/retention.h"
#include "domain/retry_policy.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate {

struct Config {
  ListenAddress listen;
  std::string database_url;             // empty: not configured
  std::string database_read_url;        // empty: every read on the primary
  std::chrono::milliseconds read_max_lag{1'000};  // a replica further behind gets no reads
  std::optional<std::string> operator_token;  // unset: operator plane off
  bool allow_private_targets = false;
  bool migrate_on_start = true;
  // HOOKGATE_SECRETS_KEYS: seals endpoint signing secrets at rest. Empty when
  // unset; `serve` refuses to start without it.
  SecretKeyRing secrets_keys;

  std::size_t db_pool_size = 4;         // connections, and threads running blocking work
  std::size_t http_threads = 1;         // Asio threads serving sockets
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};      // to receive one whole request
  std::chrono::milliseconds idle_timeout{60'000};      // keep-alive wait for the next request
  std::chrono::milliseconds shutdown_grace{10'000};    // in-flight requests may finish within this
  std::chrono::milliseconds db_acquire_timeout{5'000}; // waiting for a pooled connection

  double rate_limit_per_second = 100;   // per API key, per process
  double rate_limit_burst = 200;
  // Refused credentials per client address, per process: a token bucket.
  double auth_failures_per_minute = 60;
  double auth_failure_burst = 20;
  std::string client_ip_header;  // empty: the client is the socket's peer
  std::chrono::seconds key_cache_ttl{60};        // upper bound; revocations evict at once
  std::chrono::milliseconds key_use_flush_interval{5'000};
  // How often the metrics that live in the database (queue, partitions) are
  // read: a common scrape interval, as a count of the due queue is not free.
  std::chrono::milliseconds metrics_database_interval{15'000};
  std::string log_level = "info";
  std::size_t max_endpoints_per_account = 100;

  // What `serve` runs: the API and the delivery workers, or one of them.
  enum class Role { all, api, worker };
  Role role = Role::all;
  std::size_t delivery_concurrency = 512;  // sends in flight per process
  std::size_t delivery_batch = 200;        // deliveries claimed (and results written) per statement
  std::chrono::milliseconds delivery_timeout{15'000};        // whole attempt
  std::chrono::milliseconds delivery_connect_timeout{5'000};
  std::chrono::milliseconds delivery_poll_interval{2'000};   // fallback when no NOTIFY arrives
  std::vector<std::chrono::milliseconds> retry_schedule;     // empty: the default schedule
  std::chrono::seconds retry_after_max{3'600};
  std::chrono::seconds disable_after{5 * 24 * 3'600};        // continuous failure before an endpoint is disabled
  std::size_t max_event_bytes = 256 * 1024;                  // an event's data, serialized
  std::string ca_file;                                       // extra trust anchors for https deliveries
  std::size_t recover_rate = 10;                             // deliveries/s a retry job sends to its endpoint
  std::chrono::seconds recover_max_window{14 * 24 * 3'600};  // how far back a retry job may reach
  std::size_t erasure_batch = 500;                           // rows an account erasure deletes per batch
  std::chrono::milliseconds erasure_pause{100};              // between one erasure's batches
  int retention_days = kDefaultRetentionDays;                // history kept, in whole days (DESIGN §10)
  // How often each serve process runs partition maintenance; 0: never (the
  // operator runs `hookgate maintain` from cron instead).
  std::chrono::seconds maintenance_interval{3'600};
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the real process environment.
std::optional<std::string> process_env(std::string_view name);

Config load_config(const EnvLookup& env = process_env);

// The retry policy deliveries follow under `config` (the default schedule
// unless HOOKGATE_RETRY_SCHEDULE names one).
delivery::RetryPolicy retry_policy(const Config& config);

// `serve` and `maintain` stop here (ConfigError) when HOOKGATE_RETENTION_DAYS
// is too short for the retry schedule and the recover window.
void require_retention(const Config& config);

// "host:port" or "[v6]:port"; throws ConfigError naming `variable`.
ListenAddress parse_listen_address(std::string_view text, std::string_view variable);

// Every variable load_config reads, for documentation checks.
const std::vector<std::string_view>& known_config_variables();

}  // namespace hookgate

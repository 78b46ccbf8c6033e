#include "app/app.h"

#include "api/api_routes.h"
#include "api/dashboard_route.h"
#include "api/health_routes.h"
#include "api/openapi_route.h"
#include "api/operator_api.h"
#include "api/storage_failure.h"
#include "core/log.h"
#include "db/catalogue_repository.h"
#include "domain/retention.h"

#include <pqxx/connection>

namespace hookgate {

namespace {

constexpr const char* kKeyChannel = "hookgate_key_changes";
constexpr const char* kCatalogueChannel = "hookgate_catalogue_changes";
constexpr const char* kDeliveryChannel = "hookgate_deliveries";  // new deliveries are due

// Every process that serves or delivers seals and opens signing secrets.
Config with_secrets_keys(Config config) {
  if (config.secrets_keys.empty()) {
    throw ConfigError(std::string(kSecretsKeysVariable) + " is not set: it holds the keys that seal signing secrets");
  }
  return config;
}

std::optional<db::ReplicaOptions> replica_options(const Config& config) {
  if (config.database_read_url.empty()) return std::nullopt;
  return db::ReplicaOptions{.url = config.database_read_url,
                            .pool_size = config.db_pool_size,
                            .acquire_timeout = config.db_acquire_timeout,
                            .max_lag = config.read_max_lag};
}

// The channels this process LISTENs on: other processes' account writes only
// matter to one that reads from a replica.
std::vector<std::string> listened_channels(const Config& config) {
  std::vector<std::string> channels = {kKeyChannel, kCatalogueChannel, kDeliveryChannel};
  if (!config.database_read_url.empty()) channels.emplace_back(db::kAccountWritesChannel);
  return channels;
}

}  // namespace

App::App(Config config)
    : config_(with_secrets_keys(std::move(config))),
      migrations_(db::embedded_migration_set()),
      pool_(config_.database_url, config_.db_pool_size, config_.db_acquire_timeout),
      reads_(pool_, replica_options(config_)),
      key_cache_(clock_, config_.key_cache_ttl),
      key_uses_(pool_, clock_, config_.key_use_flush_interval),
      authenticator_(pool_, key_cache_, catalogue_, key_uses_),
      rate_limiter_(RateLimitPolicy{config_.rate_limit_per_second, config_.rate_limit_burst}, clock_),
      auth_failures_(config_.auth_failures_per_minute, config_.auth_failure_burst, clock_),
      idempotency_(pool_, config_.secrets_keys, random_),
      gate_(authenticator_, catalogue_, rate_limiter_, idempotency_, auth_failures_, config_.client_ip_header,
            [this](const GateOutcome& outcome) { telemetry_.gate_decided(outcome); }),
      operator_service_(pool_, catalogue_, random_),
      endpoint_service_(pool_, reads_, catalogue_, random_, config_.secrets_keys, UrlPolicy{config_.allow_private_targets},
                        EndpointLimits{config_.max_endpoints_per_account}),
      event_service_(pool_, catalogue_, config_.max_event_bytes),
      delivery_service_(pool_, reads_, catalogue_, random_, clock_, config_.recover_max_window),
      // History waits one delivery lease: attempts in flight at the DELETE end first.
      account_erasure_service_(pool_, random_, worker_options(config_).lease),
      router_(translate_storage_failure),
      delivery_(config_.role == Config::Role::api ? nullptr
                                                  : std::make_unique<DeliveryEngine>(
                                                        config_, clock_, random_,
                                                        [this](const auto& results) {
                                                          telemetry_.attempts_recorded(results);
                                                        })),
      retry_jobs_(config_.role == Config::Role::api
                      ? nullptr
                      : std::make_unique<delivery::RetryJobRunner>(
                            pool_, delivery::RetryJobOptions{static_cast<double>(config_.recover_rate)})),
      account_eraser_(config_.role == Config::Role::api
                          ? nullptr
                          : std::make_unique<delivery::AccountErasureRunner>(
                                pool_, delivery::AccountErasureOptions{static_cast<int>(config_.erasure_batch),
                                                                       config_.erasure_pause})),
      maintainer_(pool_, clock_,
                  MaintainerOptions{.interval = config_.maintenance_interval,
                                    .retention = {config_.retention_days,
                                                  event_retention_days(config_.retention_days,
                                                                       config_.recover_max_window)}}),
      listener_(
          config_.database_url, listened_channels(config_),
          [this](const std::string& channel, const std::string& payload) { on_change(channel, payload); },
          [this](bool listening) { on_listening(listening); }) {
  add_health_routes(router_, pool_, migrations_, catalogue_);
  add_openapi_route(router_);
  add_dashboard_routes(router_);
  add_metrics_route(router_, telemetry_);
  telemetry_.watch_pool("api", pool_);
  telemetry_.watch_key_cache(key_cache_);
  telemetry_.watch_auth_failures(auth_failures_);
  telemetry_.watch_delivery_queue(pool_);
  telemetry_.watch_partitions(pool_);
  telemetry_.start_database_reads(config_.metrics_database_interval);
  add_operator_routes(router_, OperatorServices{operator_service_, event_service_, account_erasure_service_},
                      config_.operator_token,
                      OperatorThrottle{auth_failures_, config_.client_ip_header});
  for (auto& route : api_routes(ApiServices{catalogue_, endpoint_service_, delivery_service_})) {
    api_route_specs_.push_back({route.method, route.pattern, route.scopes});
    router_.add(gate_.protect(std::move(route)));
  }
  telemetry_.watch_reads(reads_);
  listener_.start();
  reads_.start();
  key_uses_.start();
  if (delivery_) delivery_->start();
  if (retry_jobs_) retry_jobs_->start();
  if (account_eraser_) account_eraser_->start();
  if (config_.maintenance_interval.count() > 0) maintainer_.start();
}

App::~App() { shutdown(); }

http::Response App::handle(http::Request& request) {
  auto started = std::chrono::steady_clock::now();
  auto response = router_.dispatch(request);
  telemetry_.request_finished(request, response, std::chrono::steady_clock::now() - started);
  return response;
}

std::optional<http::Response> App::handle_inline(http::Request& request) {
  auto started = std::chrono::steady_clock::now();
  auto response = router_.dispatch_inline(request);
  if (response) telemetry_.request_finished(request, *response, std::chrono::steady_clock::now() - started);
  return response;
}

bool App::wait_until_listening(std::chrono::milliseconds timeout) { return listener_.wait_listening(timeout); }

void App::stop_background(std::chrono::steady_clock::time_point deadline) {
  maintainer_.stop();
  if (retry_jobs_) retry_jobs_->stop();
  if (account_eraser_) account_eraser_->stop();
  if (delivery_) delivery_->stop(deadline);
}

void App::shutdown() {
  listener_.stop();
  stop_background(std::chrono::steady_clock::now() + config_.shutdown_grace);
  key_uses_.stop();
  telemetry_.stop_database_reads();
  reads_.stop();
  pool_.close();
}

void App::reload_catalogue() {
  auto conn = pool_.acquire();
  catalogue_.set(db::load_catalogue(*conn));
}

void App::on_change(const std::string& channel, const std::string& payload) {
  if (channel == kKeyChannel) {
    key_cache_.invalidate_key(payload);
  } else if (channel == kCatalogueChannel) {
    reload_catalogue();
    key_cache_.invalidate_all();  // effective scopes depend on the catalogue
  } else if (channel == kDeliveryChannel && delivery_) {
    delivery_->wake();
  } else if (channel == db::kAccountWritesChannel) {
    reads_.note_write(payload);
  }
}

void App::on_listening(bool listening) {
  if (listening) {
    // Anything may have changed while we were not listening.
    reload_catalogue();
    key_cache_.set_trusted(true);
    reads_.set_hearing_writes(true);
    if (delivery_) delivery_->wake();  // a publish may have been missed
    log::info("change notifications active; key cache enabled");
  } else {
    key_cache_.set_trusted(false);
    reads_.set_hearing_writes(false);  // another process's write could go unheard
  }
}

db::MigrationResult run_migrations(const std::string& database_url) {
  pqxx::connection conn(database_url);
  auto result = db::migrate(conn, db::embedded_migration_set());
  for (int version : result.applied) log::info("migration applied", {{"version", version}});
  for (const auto& name : result.repeatables_applied) log::info("repeatable migration applied", {{"file", name}});
  return result;
}

}  // namespace hookgate

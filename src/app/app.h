#pragma once
// Wires configuration, storage, the gate and the routes into one service.

#include "api/gate.h"
#include "api/telemetry.h"
#include "app/config.h"
#include "app/delivery_engine.h"
#include "app/maintainer.h"
#include "auth/authenticator.h"
#include "auth/key_cache.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/rate_limiter.h"
#include "db/migrator.h"
#include "db/notification_listener.h"
#include "db/pool.h"
#include "db/read_router.h"
#include "delivery/account_erasure_runner.h"
#include "delivery/retry_job_runner.h"
#include "domain/catalogue_store.h"
#include "http/router.h"
#include "services/account_erasure_service.h"
#include "services/delivery_service.h"
#include "services/endpoint_service.h"
#include "services/event_service.h"
#include "services/operator_service.h"

#include <memory>

namespace hookgate {

class App {
 public:
  explicit App(Config config);
  ~App();

  const Config& config() const { return config_; }
  db::ConnectionPool& pool() { return pool_; }
  db::ReadRouter& reads() { return reads_; }
  const http::Router& router() const { return router_; }
  KeyCache& key_cache() { return key_cache_; }
  KeyUseRecorder& key_uses() { return key_uses_; }
  // Routes the request, then logs it and counts it in the metrics.
  http::Response handle(http::Request& request);
  // The same on an I/O thread for a request that needs no blocking work
  // (http::Router::dispatch_inline); nullopt leaves it to handle().
  std::optional<http::Response> handle_inline(http::Request& request);
  Telemetry& telemetry() { return telemetry_; }
  OperatorService& operators() { return operator_service_; }
  const CatalogueStore& catalogue() const { return catalogue_; }
  EventService& events() { return event_service_; }
  DeliveryService& deliveries() { return delivery_service_; }
  // Null when this process runs no delivery workers (HOOKGATE_ROLE=api).
  delivery::RetryJobRunner* retry_jobs() { return retry_jobs_.get(); }
  // Null when this process runs no delivery workers (HOOKGATE_ROLE=api).
  DeliveryEngine* delivery() { return delivery_.get(); }
  AccountErasureService& account_erasures() { return account_erasure_service_; }
  // Null when this process runs no delivery workers (HOOKGATE_ROLE=api).
  delivery::AccountErasureRunner* account_eraser() { return account_eraser_.get(); }
  Maintainer& maintainer() { return maintainer_; }

  // The /v1 route table as registered (method, pattern, declared scopes).
  struct ApiRouteSpec {
    std::string method;
    std::string pattern;
    ResourceScopes scopes;
  };
  const std::vector<ApiRouteSpec>& api_route_specs() const { return api_route_specs_; }

  // Blocks until caches are backed by change notifications (for tests and
  // start-up ordering); false on timeout.
  bool wait_until_listening(std::chrono::milliseconds timeout);
  // On SIGTERM, while the server drains: stops the retry-job runner and the
  // delivery engine (in-flight sends finish until `deadline`, the rest are
  // released for another worker at once). Idempotent.
  void stop_background(std::chrono::steady_clock::time_point deadline);
  // Stops background work and closes the pool (after the server has drained).
  void shutdown();

 private:
  void on_change(const std::string& channel, const std::string& payload);
  void on_listening(bool listening);
  void reload_catalogue();

  Config config_;
  Telemetry telemetry_;
  SystemClock clock_;
  OpenSslRandom random_;
  db::MigrationSet migrations_;
  db::ConnectionPool pool_;
  db::ReadRouter reads_;  // dashboard reads, on a replica when one is configured
  CatalogueStore catalogue_{nullptr};
  KeyCache key_cache_;
  KeyUseRecorder key_uses_;
  Authenticator authenticator_;
  RateLimiter rate_limiter_;
  AuthFailureThrottle auth_failures_;
  Idempotency idempotency_;
  Gate gate_;
  OperatorService operator_service_;
  EndpointService endpoint_service_;
  EventService event_service_;
  DeliveryService delivery_service_;
  AccountErasureService account_erasure_service_;
  http::Router router_;
  std::vector<ApiRouteSpec> api_route_specs_;
  std::unique_ptr<DeliveryEngine> delivery_;
  std::unique_ptr<delivery::RetryJobRunner> retry_jobs_;
  std::unique_ptr<delivery::AccountErasureRunner> account_eraser_;
  Maintainer maintainer_;
  db::NotificationListener listener_;  // last: its callbacks use everything above
};

// Applies pending migrations and changed repeatables; returns what it applied.
db::MigrationResult run_migrations(const std::string& database_url);

}  // namespace hookgate

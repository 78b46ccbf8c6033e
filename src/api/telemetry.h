#pragma once
// What hookgate tells operators: a structured log line per request and the
// Prometheus metrics served at GET /metrics (requests by route and status,
// latency, authentication outcomes by scope, delivery attempts, the delivery
// queue, connection pools and the key cache).

#include "api/gate_outcome.h"
#include "auth/failure_throttle.h"
#include "auth/key_cache.h"
#include "core/background_loop.h"
#include "core/metrics.h"
#include "db/pool.h"
#include "db/read_router.h"
#include "domain/delivery_attempt.h"
#include "http/message.h"
#include "http/router.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace hookgate {

class Telemetry {
 public:
  Telemetry();

  metrics::Registry& registry() { return registry_; }

  // Counts and logs one finished request: its route, status, duration and
  // the fields its handlers added (for /v1 routes the account and key id).
  void request_finished(const http::Request& request, const http::Response& response,
                        std::chrono::steady_clock::duration elapsed);
  // Counts one of the gate's decisions on a /v1 request.
  void gate_decided(const GateOutcome& outcome);
  // Counts and logs each recorded delivery attempt.
  void attempts_recorded(const std::vector<AttemptResult>& results);

  // Gauges read at scrape time.
  void watch_pool(std::string name, db::ConnectionPool& pool);
  void watch_key_cache(const KeyCache& cache);
  void watch_auth_failures(const AuthFailureThrottle& throttle);
  void watch_delivery_queue(db::ConnectionPool& pool);
  // Counts where routed reads went and why; with a replica, its lag and pool.
  // Call before reads.start().
  void watch_reads(db::ReadRouter& reads);
  // Day partitions per history table, their age and size, and when
  // maintenance last ran (any process).
  void watch_partitions(db::ConnectionPool& pool);

  // The gauges that live in the database (the last two above) are read by
  // one background round every `interval`, from the start, and scrapes
  // serve the last reading, so /metrics answers from memory on the I/O
  // thread. A gauge whose last reading failed is left out.
  void start_database_reads(std::chrono::milliseconds interval);
  void stop_database_reads();

 private:
  struct DatabaseGauge {
    metrics::GaugeReader read;
    std::mutex mutex;
    std::optional<std::vector<std::pair<metrics::Labels, double>>> last;  // nullopt: not read, or failed
  };
  void database_gauge(std::string name, std::string help, std::vector<std::string> label_names,
                      metrics::GaugeReader read);
  void read_database_gauges();

  metrics::Registry registry_;
  std::vector<std::shared_ptr<DatabaseGauge>> database_gauges_;
  std::unique_ptr<BackgroundLoop> database_reads_;
  metrics::CounterFamily& requests_;
  metrics::HistogramFamily& request_seconds_;
  metrics::CounterFamily& auth_;
  metrics::CounterFamily& attempts_;
  metrics::CounterFamily& reads_;
  metrics::HistogramFamily& attempt_seconds_;
};

// GET /metrics, text exposition format; no key needed (DESIGN §4).
void add_metrics_route(http::Router& router, Telemetry& telemetry);

}  // namespace hookgate

#pragma once
// What hookgate tells operators: a structured log line per request and the
// Prometheus metrics served at GET /metrics (requests by route and status,
// latency, authentication outcomes by scope, delivery attempts, the delivery
// queue, connection pools and the key cache).

#include "api/gate_outcome.h"
#include "auth/failure_throttle.h"
#include "auth/key_cache.h"
#include "core/metrics.h"
#include "db/pool.h"
#include "domain/delivery_attempt.h"
#include "http/message.h"
#include "http/router.h"

#include <chrono>
#include <string_view>

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
  // Day partitions per history table, their age and size, and when
  // maintenance last ran (any process), read from the database when scraped.
  void watch_partitions(db::ConnectionPool& pool);

 private:
  metrics::Registry registry_;
  metrics::CounterFamily& requests_;
  metrics::HistogramFamily& request_seconds_;
  metrics::CounterFamily& auth_;
  metrics::CounterFamily& attempts_;
  metrics::HistogramFamily& attempt_seconds_;
};

// GET /metrics, text exposition format; no key needed (DESIGN §4).
void add_metrics_route(http::Router& router, Telemetry& telemetry);

}  // namespace hookgate

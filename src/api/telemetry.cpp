#include "api/telemetry.h"

#include "core/log.h"
#include "db/partition_repository.h"
#include "db/sql_text.h"

#include <pqxx/pqxx>

namespace hookgate {

namespace {

// The metric's outcome label for a gate decision.
std::string_view auth_outcome(const GateOutcome& outcome) {
  if (outcome.admitted()) return "allowed";
  switch (*outcome.refusal) {
    case GateRefusal::rate_limited: return "rate_limited";
    case GateRefusal::scope_required: return "forbidden";
    case GateRefusal::missing_key:
    case GateRefusal::invalid_key:
    case GateRefusal::key_unchecked:
    case GateRefusal::throttled: break;
  }
  return "unauthenticated";
}

constexpr db::Statement kQueue{
    "telemetry_delivery_queue",
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(due_at)), 0)::float8 "
    "FROM webhook_delivery_queue WHERE due_at <= now()"};

std::pair<double, double> read_queue(db::ConnectionPool& pool) {
  auto conn = pool.acquire();
  pqxx::read_transaction tx(conn->raw());
  auto row = db::exec(tx, *conn, kQueue)[0];
  return {row[0].as<double>(), row[1].as<double>()};
}

}  // namespace

Telemetry::Telemetry()
    : requests_(registry_.counter("hookgate_http_requests_total", "HTTP requests answered, by route and status.",
                                  {"route", "method", "status"})),
      request_seconds_(registry_.histogram("hookgate_http_request_duration_seconds",
                                           "Time from a parsed request to its response, by route.", {"route"},
                                           metrics::latency_buckets())),
      auth_(registry_.counter("hookgate_auth_outcomes_total",
                              "Gate decisions on /v1 requests: allowed, unauthenticated (401), forbidden (403, by "
                              "the scope the route needs) or rate_limited (429).",
                              {"outcome", "scope"})),
      attempts_(registry_.counter("hookgate_delivery_attempts_total", "Delivery attempts finished, by outcome.",
                                  {"outcome"})),
      reads_(registry_.counter("hookgate_db_reads_total",
                               "Dashboard reads (lists and gets), by where they ran (replica or primary) and why.",
                               {"target", "reason"})),
      attempt_seconds_(registry_.histogram("hookgate_delivery_attempt_duration_seconds",
                                           "Duration of delivery attempts (connect, send, response).", {},
                                           metrics::latency_buckets())) {}

void Telemetry::request_finished(const http::Request& request, const http::Response& response,
                                 std::chrono::steady_clock::duration elapsed) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  const std::string route = request.route.empty() ? "unmatched" : request.route;
  requests_.inc({route, request.method, std::to_string(response.status)});
  request_seconds_.observe({route}, seconds);
  if (log::enabled(log::Level::info)) {
    nlohmann::json fields = {{"request_id", request.request_id},
                             {"method", request.method},
                             {"route", route},
                             {"path", request.path},
                             {"status", response.status},
                             {"duration_ms", seconds * 1000.0}};
    for (const auto& [name, value] : request.log_fields) fields[name] = value;
    log::info("request", fields);
  }
}

void Telemetry::gate_decided(const GateOutcome& outcome) {
  bool forbidden = outcome.refusal == GateRefusal::scope_required;
  auth_.inc({std::string(auth_outcome(outcome)), forbidden ? std::string(outcome.required_scope) : ""});
}

void Telemetry::attempts_recorded(const std::vector<AttemptResult>& results) {
  bool log_each = log::enabled(log::Level::info);
  for (const auto& result : results) {
    attempts_.inc({result.outcome});
    attempt_seconds_.observe({}, std::chrono::duration<double>(result.duration).count());
    if (!log_each) continue;
    // Ids, outcome and timing only: never the payload, the URL's secrets or headers.
    nlohmann::json fields = {{"delivery", result.delivery.str()},
                             {"attempt", result.attempt.str()},
                             {"endpoint", result.endpoint.str()},
                             {"outcome", result.outcome},
                             {"duration_ms", static_cast<double>(result.duration.count()) / 1000.0}};
    if (result.status_code) fields["status_code"] = *result.status_code;
    if (result.error) fields["error"] = *result.error;
    fields["final"] = !result.next_attempt.has_value();
    log::info("delivery attempt", fields);
  }
}

void Telemetry::watch_pool(std::string name, db::ConnectionPool& pool) {
  registry_.gauge("hookgate_db_pool_connections_" + name, "Connections of the " + name + " pool, by state.",
                  {"state"}, [&pool] {
                    auto stats = pool.stats();
                    return std::vector<std::pair<metrics::Labels, double>>{
                        {{"in_use"}, static_cast<double>(stats.in_use)},
                        {{"size"}, static_cast<double>(stats.size)},
                        {{"waiting"}, static_cast<double>(stats.waiting)}};
                  });
}

void Telemetry::watch_reads(db::ReadRouter& reads) {
  reads.on_read([this](db::ReadTarget target, db::ReadReason reason) {
    reads_.inc({target == db::ReadTarget::replica ? "replica" : "primary", std::string(db::to_string(reason))});
  });
  if (auto* replica = reads.replica_pool()) {
    watch_pool("replica", *replica);
    registry_.gauge("hookgate_read_replica_lag_seconds",
                    "How far the read replica is behind the primary (absent while unknown).", {}, [&reads] {
                      std::vector<std::pair<metrics::Labels, double>> series;
                      if (auto lag = reads.replica_lag()) series.push_back({{}, static_cast<double>(lag->count()) / 1000});
                      return series;
                    });
  }
}

void Telemetry::watch_key_cache(const KeyCache& cache) {
  registry_.gauge("hookgate_key_cache_hit_ratio", "Share of key lookups answered from this process's cache.", {},
                  [&cache] {
                    double hits = static_cast<double>(cache.hits());
                    double total = hits + static_cast<double>(cache.misses());
                    return std::vector<std::pair<metrics::Labels, double>>{{{}, total == 0 ? 0 : hits / total}};
                  });
  registry_.gauge("hookgate_key_cache_lookups", "Key lookups since start, by result.", {"result"}, [&cache] {
    return std::vector<std::pair<metrics::Labels, double>>{{{"hit"}, static_cast<double>(cache.hits())},
                                                           {{"miss"}, static_cast<double>(cache.misses())}};
  });
}

void Telemetry::watch_auth_failures(const AuthFailureThrottle& throttle) {
  registry_.gauge("hookgate_auth_failures", "Refused credentials since start, and requests refused (429) because "
                  "their client address had too many of them.", {"event"}, [&throttle] {
                    return std::vector<std::pair<metrics::Labels, double>>{
                        {{"refused"}, static_cast<double>(throttle.failures())},
                        {{"throttled"}, static_cast<double>(throttle.throttled())}};
                  });
  registry_.gauge("hookgate_auth_failure_clients", "Client addresses with a recent refused credential.", {},
                  [&throttle] {
                    return std::vector<std::pair<metrics::Labels, double>>{
                        {{}, static_cast<double>(throttle.tracked_clients())}};
                  });
}

void Telemetry::database_gauge(std::string name, std::string help, std::vector<std::string> label_names,
                               metrics::GaugeReader read) {
  auto gauge = std::make_shared<DatabaseGauge>();
  gauge->read = std::move(read);
  database_gauges_.push_back(gauge);
  registry_.gauge(std::move(name), std::move(help), std::move(label_names), [gauge] {
    std::lock_guard lock(gauge->mutex);
    // The registry leaves out a gauge whose reader throws.
    if (!gauge->last) throw std::runtime_error("no reading");
    return *gauge->last;
  });
}

void Telemetry::read_database_gauges() {
  for (const auto& gauge : database_gauges_) {
    std::optional<std::vector<std::pair<metrics::Labels, double>>> reading;
    try {
      reading = gauge->read();
    } catch (const std::exception&) {
      // Left out until a reading succeeds; /readyz says why the database is away.
    }
    std::lock_guard lock(gauge->mutex);
    gauge->last = std::move(reading);
  }
}

void Telemetry::start_database_reads(std::chrono::milliseconds interval) {
  if (database_reads_) return;
  database_reads_ = std::make_unique<BackgroundLoop>("metrics database reads", interval,
                                                     [this] { read_database_gauges(); });
  database_reads_->start();
}

void Telemetry::stop_database_reads() {
  if (database_reads_) database_reads_->stop();
}

void Telemetry::watch_delivery_queue(db::ConnectionPool& pool) {
  database_gauge("hookgate_delivery_queue_depth", "Pending deliveries that are due now (all processes).", {},
                 [&pool] {
                   return std::vector<std::pair<metrics::Labels, double>>{{{}, read_queue(pool).first}};
                 });
  database_gauge("hookgate_delivery_oldest_due_age_seconds",
                 "How long the longest-waiting due delivery has been due (0 when none is).", {}, [&pool] {
                   return std::vector<std::pair<metrics::Labels, double>>{{{}, read_queue(pool).second}};
                 });
}

void Telemetry::watch_partitions(db::ConnectionPool& pool) {
  using Series = std::vector<std::pair<metrics::Labels, double>>;
  auto per_table = [&pool](double (*value)(const db::PartitionedTableStats&)) {
    return [&pool, value] {
      auto conn = pool.acquire();
      Series series;
      for (const auto& table : db::partitioned_table_stats(*conn)) series.push_back({{table.table}, value(table)});
      return series;
    };
  };
  database_gauge("hookgate_partitions", "Day partitions of each history table (kept and made ahead).", {"table"},
                 per_table([](const db::PartitionedTableStats& t) { return static_cast<double>(t.partitions); }));
  database_gauge("hookgate_oldest_partition_age_seconds",
                 "Time since the start of each history table's oldest day partition.", {"table"},
                 per_table([](const db::PartitionedTableStats& t) { return t.oldest_age_seconds; }));
  database_gauge("hookgate_table_bytes", "Disk taken by each history table: all partitions, indexes and TOAST.",
                 {"table"}, per_table([](const db::PartitionedTableStats& t) { return t.bytes; }));
  database_gauge("hookgate_maintenance_last_run_timestamp_seconds",
                 "When partition maintenance last finished, in any process (absent: never).", {}, [&pool] {
                   auto conn = pool.acquire();
                   Series series;
                   if (auto last = db::last_maintenance_run(*conn)) series.push_back({{}, *last});
                   return series;
                 });
}

void add_metrics_route(http::Router& router, Telemetry& telemetry) {
  router.add({"GET", "/metrics", "metrics", [&telemetry](http::Request&) {
                http::Response response;
                response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                response.body = telemetry.registry().render();
                return response;
              },
              false});  // from memory: the database's gauges are read in the background
}

}  // namespace hookgate

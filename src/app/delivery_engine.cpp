#include "app/delivery_engine.h"

#include "core/log.h"

#include <algorithm>

namespace hookgate {

namespace {

// One connection claims, one records: the worker's two threads.
constexpr std::size_t kWorkerConnections = 2;
// A lease outlives the longest attempt by at least this much (and by the
// attempt timeout itself when that is longer): a live worker never loses its
// claim mid-request, a dead one's claims come back soon.
constexpr std::chrono::milliseconds kMinLeaseMargin{1'000};

}  // namespace

delivery::SenderOptions sender_options(const Config& config) {
  delivery::SenderOptions options;
  options.allow_private_targets = config.allow_private_targets;
  options.connect_timeout = config.delivery_connect_timeout;
  options.total_timeout = config.delivery_timeout;
  options.extra_ca_file = config.ca_file;
  // Every send in flight to one origin hands its connection back when it
  // ends; a pool smaller than the in-flight cap closes the surplus each
  // round and the next sends open new connections (churn on both ends).
  options.max_idle_per_origin = std::max(options.max_idle_per_origin, config.delivery_concurrency);
  return options;
}

delivery::WorkerOptions worker_options(const Config& config) {
  delivery::WorkerOptions options;
  options.batch_size = config.delivery_batch;
  options.max_in_flight = config.delivery_concurrency;
  options.poll_interval = config.delivery_poll_interval;
  options.lease = config.delivery_timeout + std::max(config.delivery_timeout, kMinLeaseMargin);
  options.disable_after = config.disable_after;
  options.stop_grace = config.shutdown_grace;
  options.retry = retry_policy(config);
  options.secrets_keys = config.secrets_keys;
  return options;
}

DeliveryEngine::DeliveryEngine(const Config& config, const Clock& clock, RandomSource& random,
                               AttemptsRecorded on_recorded)
    : pool_(config.database_url, kWorkerConnections, config.db_acquire_timeout, std::string(db::kWorkerSessionSql)),
      sender_(sender_options(config)),
      worker_(pool_, sender_, clock, random, [&] {
        auto options = worker_options(config);
        options.on_recorded = std::move(on_recorded);
        return options;
      }()),
      grace_(config.shutdown_grace) {}

DeliveryEngine::~DeliveryEngine() { stop(); }

void DeliveryEngine::stop(std::chrono::steady_clock::time_point deadline) {
  worker_.stop_claiming();
  bool finished = worker_.wait_for_sends(deadline);
  // Cancelled sends complete as interrupted (due again now); the worker's
  // stop records them with the rest, in batches, fenced by claim token.
  sender_.stop();
  worker_.stop();
  pool_.close();
  if (!finished) {
    log::info("delivery worker stopped; attempts still in flight were interrupted and released",
              {{"interrupted", worker_.counters().interrupted}});
  }
}

void DeliveryEngine::stop() { stop(std::chrono::steady_clock::now() + grace_); }

}  // namespace hookgate

#pragma once
// The delivery side of a hookgate process: its own small connection pool,
// the outbound HTTP sender and the worker, built from the configuration.

#include "app/config.h"
#include "core/clock.h"
#include "core/random.h"
#include "db/pool.h"
#include "delivery/beast_sender.h"
#include "delivery/worker.h"

namespace hookgate {

class DeliveryEngine {
 public:
  using AttemptsRecorded = std::function<void(const std::vector<AttemptResult>&)>;
  DeliveryEngine(const Config& config, const Clock& clock, RandomSource& random, AttemptsRecorded on_recorded = {});
  ~DeliveryEngine();

  void start() { worker_.start(); }
  // Stops claiming, lets in-flight attempts finish until `deadline` and
  // records them, then cancels the rest: those are recorded as interrupted
  // and their deliveries are due again at once (claims released, not left to
  // their leases). Idempotent.
  void stop(std::chrono::steady_clock::time_point deadline);
  // stop() with the whole shutdown grace from now.
  void stop();
  void wake() { worker_.wake(); }
  delivery::DeliveryWorker& worker() { return worker_; }

 private:
  db::ConnectionPool pool_;
  delivery::BeastSender sender_;
  delivery::DeliveryWorker worker_;
  std::chrono::milliseconds grace_;
};

delivery::SenderOptions sender_options(const Config& config);
delivery::WorkerOptions worker_options(const Config& config);

}  // namespace hookgate

#pragma once
// The delivery worker of one hookgate process (DESIGN §5): claims due
// deliveries in batches, sends them concurrently through the HttpSender and
// records the results in batches. Any number of processes may run one
// against the same database: claims use FOR UPDATE SKIP LOCKED and a lease,
// results are fenced by the claim token.
//
// Two threads: the dispatcher claims and hands requests to the sender; the
// recorder turns completions into attempt results and writes them. Both use
// their own pooled connections, never the API's.

#include "core/clock.h"
#include "core/random.h"
#include "core/secret_sealing.h"
#include "db/delivery_repository.h"
#include "db/pool.h"
#include "delivery/http_sender.h"
#include "delivery/signing_secret_cache.h"
#include "domain/retry_policy.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace hookgate::delivery {

struct WorkerOptions {
  std::size_t batch_size = 50;         // deliveries per claim statement
  std::size_t max_in_flight = 512;     // sends outstanding at once, per process
  // Fallback when no NOTIFY arrives (e.g. the listener connection is down).
  std::chrono::milliseconds poll_interval{2'000};
  // How long a claim is exclusive: longer than the sender's total timeout plus
  // a margin, so a live worker never loses its claim mid-request.
  std::chrono::milliseconds lease{30'000};
  std::chrono::seconds disable_after{5 * 24 * 3600};  // continuous failure before an endpoint is disabled
  std::size_t snippet_bytes = 1024;
  std::chrono::milliseconds stop_grace{10'000};       // in-flight sends may finish within this on stop
  RetryPolicy retry = default_retry_policy();
  // Opens the endpoints' sealed signing secrets (HOOKGATE_SECRETS_KEYS).
  SecretKeyRing secrets_keys;
  // Told of each batch of results once it is recorded (metrics, log lines).
  std::function<void(const std::vector<AttemptResult>&)> on_recorded;
};

struct WorkerCounters {
  std::uint64_t claimed = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t interrupted = 0;
};

class DeliveryWorker {
 public:
  DeliveryWorker(db::ConnectionPool& pool, HttpSender& sender, const Clock& clock, RandomSource& random,
                 WorkerOptions options);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void start();
  // Stops claiming, lets in-flight sends finish within stop_grace, records
  // their results, then stops. Idempotent. An owner that can cancel the
  // sender's in-flight sends stops in steps instead (DeliveryEngine::stop):
  // stop_claiming(), wait_for_sends(), cancel the rest, then stop(), which
  // records the cancelled ones as interrupted and releases their claims.
  void stop();
  // Claims nothing more; returns once the dispatcher has handed its last
  // claimed batch to the sender. Idempotent.
  void stop_claiming();
  // Waits until every claimed delivery has a result (recorded, being
  // written or queued for the recorder), or `deadline` passes; true when no
  // send is left in flight.
  bool wait_for_sends(std::chrono::steady_clock::time_point deadline);
  // Something may be due now: a NOTIFY arrived, or a test moved its clock.
  void wake();

  WorkerCounters counters() const;
  std::size_t in_flight() const;

 private:
  struct Completion {
    ClaimedDelivery claimed;
    SendResult sent;
    bool was_sent = true;  // false: refused before sending (rule 3)
  };

  void dispatch_loop();
  void record_loop();
  // Claims one batch and starts sending it; returns how many were claimed.
  std::size_t claim_and_send(std::size_t capacity);
  void send(ClaimedDelivery claimed);
  void complete(Completion completion);
  void record(std::deque<Completion>& batch);
  bool wake_requested() const;
  void wait_before_next_claim(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds delay);

  db::ConnectionPool& pool_;
  HttpSender& sender_;
  const Clock& clock_;
  RandomSource& random_;
  const WorkerOptions options_;
  SigningSecretCache secrets_;  // dispatcher thread only

  mutable std::mutex mutex_;
  std::condition_variable dispatcher_wakeup_;
  std::condition_variable recorder_wakeup_;
  std::condition_variable drained_;
  bool wake_pending_ = true;
  bool stopping_ = false;
  bool recorder_stopping_ = false;
  std::size_t in_flight_ = 0;  // claimed and not yet recorded
  std::size_t recording_ = 0;  // of those, completed and being written now
  // While stopping, a result that cannot be written is retried until this.
  std::chrono::steady_clock::time_point record_deadline_ = std::chrono::steady_clock::time_point::max();
  std::deque<Completion> completed_;
  WorkerCounters counters_;

  std::thread dispatcher_;
  std::thread recorder_;
  std::atomic<bool> started_{false};
};

}  // namespace hookgate::delivery

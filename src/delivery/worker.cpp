#include "delivery/worker.h"

#include "core/log.h"
#include "delivery/attempt_outcome.h"
#include "delivery/claim_schedule.h"
#include "delivery/signing.h"


namespace hookgate::delivery {

namespace {

constexpr std::chrono::milliseconds kDatabaseRetryDelay{1'000};
// On stop, results (the interrupted ones too: they release their claims at
// once) may take this long past the grace to be written; then the worker
// gives up and the leases bring those deliveries back instead.
constexpr std::chrono::milliseconds kFinalRecordAllowance{2'000};
constexpr std::chrono::milliseconds kRecordRetryWhileStopping{100};
constexpr std::string_view kNotAuthorized =
    "not sent: the subscription is no longer authorized (its key was revoked or lost the event's read scope)";
constexpr std::string_view kSecretUnopened =
    "not sent: the endpoint's signing secret does not open with this process's HOOKGATE_SECRETS_KEYS";

std::int64_t unix_seconds(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace

DeliveryWorker::DeliveryWorker(db::ConnectionPool& pool, HttpSender& sender, const Clock& clock,
                               RandomSource& random, WorkerOptions options)
    : pool_(pool), sender_(sender), clock_(clock), random_(random), options_(std::move(options)),
      secrets_(options_.secrets_keys) {}

DeliveryWorker::~DeliveryWorker() { stop(); }

void DeliveryWorker::start() {
  if (started_.exchange(true)) return;
  recorder_ = std::thread([this] { record_loop(); });
  dispatcher_ = std::thread([this] { dispatch_loop(); });
}

void DeliveryWorker::stop_claiming() {
  if (!started_) return;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      record_deadline_ = std::chrono::steady_clock::now() + options_.stop_grace + kFinalRecordAllowance;
    }
    stopping_ = true;
  }
  dispatcher_wakeup_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
}

bool DeliveryWorker::wait_for_sends(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return drained_.wait_until(lock, deadline, [this] { return in_flight_ == completed_.size() + recording_; });
}

void DeliveryWorker::stop() {
  if (!started_) return;
  stop_claiming();
  // Sends still in flight after the grace are cancelled by the sender's
  // owner (after this, or before it: DeliveryEngine::stop); they complete as
  // interrupted, and the recorder writes whatever has completed.
  wait_for_sends(std::chrono::steady_clock::now() + options_.stop_grace);
  {
    std::unique_lock lock(mutex_);
    recorder_stopping_ = true;
  }
  recorder_wakeup_.notify_all();
  if (recorder_.joinable()) recorder_.join();
}

void DeliveryWorker::wake() {
  {
    std::lock_guard lock(mutex_);
    wake_pending_ = true;
  }
  dispatcher_wakeup_.notify_all();
}

WorkerCounters DeliveryWorker::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::size_t DeliveryWorker::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

void DeliveryWorker::dispatch_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!wake_pending_ || in_flight_ >= options_.max_in_flight) {
      wait_before_next_claim(lock, options_.poll_interval);
      if (stopping_) break;
      if (in_flight_ >= options_.max_in_flight) continue;
    }
    wake_pending_ = false;
    std::size_t capacity = claim_capacity(options_.batch_size, options_.max_in_flight, in_flight_);
    lock.unlock();
    std::size_t claimed = 0;
    std::optional<TimePoint> next_due;
    bool database_failed = false;
    try {
      claimed = claim_and_send(capacity);
      // A short batch means nothing else is due now: sleep until the next
      // due time (retries) unless a NOTIFY brings new work first. A NOTIFY
      // that came during the claim means claiming again at once instead.
      if (claimed < capacity && !wake_requested()) {
        auto conn = pool_.acquire();
        next_due = db::next_due_time(*conn);
      }
    } catch (const std::exception& e) {
      log::warn("delivery claim failed", {{"error", e.what()}});
      database_failed = true;
    }
    lock.lock();
    if (database_failed) {
      wait_before_next_claim(lock, kDatabaseRetryDelay);
      wake_pending_ = true;
      continue;
    }
    auto next = next_claim(claimed, capacity, next_due, clock_.now(), options_.poll_interval);
    if (next.now) {
      wake_pending_ = true;
    } else if (next.after && !wake_pending_) {
      wait_before_next_claim(lock, *next.after);
      wake_pending_ = true;
    }
  }
}

bool DeliveryWorker::wake_requested() const {
  std::lock_guard lock(mutex_);
  return wake_pending_;
}

void DeliveryWorker::wait_before_next_claim(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds delay) {
  bool woken = dispatcher_wakeup_.wait_for(lock, delay, [this] {
    return stopping_ || (wake_pending_ && in_flight_ < options_.max_in_flight);
  });
  if (!woken) wake_pending_ = true;  // the poll interval passed: look again
}

std::size_t DeliveryWorker::claim_and_send(std::size_t capacity) {
  std::vector<ClaimedDelivery> claimed;
  {
    auto conn = pool_.acquire();
    claimed = db::claim_due_deliveries(*conn, capacity, clock_.now(), options_.lease);
  }
  {
    std::lock_guard lock(mutex_);
    in_flight_ += claimed.size();
    counters_.claimed += claimed.size();
  }
  auto count = claimed.size();
  for (auto& delivery : claimed) {
    if (!delivery.authorized) {
      complete({std::move(delivery), SendResult{}, false});
      continue;
    }
    auto secrets = secrets_.open(delivery.endpoint, delivery.sealed_secrets);
    if (!secrets) {
      // Sealed under a key this process lacks (another process has a newer
      // ring): a failed attempt, retried on schedule, never an unsigned send.
      SendResult unopened;
      unopened.error = std::string(kSecretUnopened);
      complete({std::move(delivery), std::move(unopened), true});
      continue;
    }
    delivery.secrets = std::move(*secrets);
    send(std::move(delivery));
  }
  return count;
}

void DeliveryWorker::send(ClaimedDelivery claimed) {
  OutboundRequest request;
  request.url = claimed.url;
  auto timestamp = unix_seconds(clock_.now());
  request.headers = {
      {"webhook-id", claimed.id.str()},
      {"webhook-timestamp", std::to_string(timestamp)},
      {"webhook-signature", signature_header(claimed.id.str(), timestamp, claimed.payload, claimed.secrets)},
  };
  request.body = claimed.payload;
  // The completion runs on a sender thread: it only queues.
  auto shared = std::make_shared<ClaimedDelivery>(std::move(claimed));
  sender_.send(std::move(request), [this, shared](SendResult sent) {
    complete({std::move(*shared), std::move(sent), true});
  });
}

void DeliveryWorker::complete(Completion completion) {
  {
    std::lock_guard lock(mutex_);
    completed_.push_back(std::move(completion));
  }
  recorder_wakeup_.notify_one();
  drained_.notify_all();
}

void DeliveryWorker::record_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    recorder_wakeup_.wait(lock, [this] { return !completed_.empty() || recorder_stopping_; });
    if (completed_.empty()) break;  // stopping and nothing left
    std::deque<Completion> batch;
    batch.swap(completed_);
    recording_ = batch.size();
    lock.unlock();
    record(batch);
    lock.lock();
    recording_ = 0;
    in_flight_ -= batch.size();
    drained_.notify_all();
    dispatcher_wakeup_.notify_all();
  }
}

void DeliveryWorker::record(std::deque<Completion>& batch) {
  auto now = clock_.now();
  std::vector<AttemptResult> results;
  results.reserve(batch.size());
  WorkerCounters delta;
  for (const auto& completion : batch) {
    auto result = completion.was_sent
                      ? attempt_result(completion.claimed, completion.sent, now, options_.retry, random_,
                                       options_.snippet_bytes)
                      : not_sent_result(completion.claimed, now, std::string(kNotAuthorized));
    (result.outcome == "succeeded" ? delta.succeeded
     : result.outcome == "interrupted" ? delta.interrupted
                                       : delta.failed)++;
    results.push_back(std::move(result));
  }
  // A result that cannot be written is retried until it is, or until the
  // worker stops: then the lease expires and the delivery is claimed again
  // (at least once, never lost).
  while (true) {
    try {
      auto conn = pool_.acquire();
      auto disabled = db::record_attempt_results(*conn, results, now, options_.disable_after);
      for (const auto& endpoint : disabled) {
        log::warn("webhook endpoint disabled", {{"endpoint", endpoint.id.str()}, {"reason", endpoint.reason}});
      }
      break;
    } catch (const std::exception& e) {
      log::warn("recording delivery attempts failed", {{"error", e.what()}, {"attempts", results.size()}});
      std::unique_lock lock(mutex_);
      bool stopping = recorder_stopping_;
      if (stopping && std::chrono::steady_clock::now() >= record_deadline_) {
        log::warn("delivery results left unrecorded at stop: sent again once their leases expire",
                  {{"attempts", results.size()}});
        return;
      }
      recorder_wakeup_.wait_for(lock, stopping ? kRecordRetryWhileStopping : kDatabaseRetryDelay,
                                [&] { return recorder_stopping_ != stopping; });
    }
  }
  if (options_.on_recorded) options_.on_recorded(results);
  std::lock_guard lock(mutex_);
  counters_.succeeded += delta.succeeded;
  counters_.failed += delta.failed;
  counters_.interrupted += delta.interrupted;
}

}  // namespace hookgate::delivery

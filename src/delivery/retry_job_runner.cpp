#include "delivery/retry_job_runner.h"

#include "core/log.h"
#include "db/retry_job_repository.h"

#include <algorithm>
#include <cmath>

namespace hookgate::delivery {

int items_per_slice(double rate_per_second, std::chrono::milliseconds tick) {
  double items = rate_per_second * static_cast<double>(tick.count()) / 1000.0;
  // The epsilon keeps 1/30 per second over 60 s at 2, not 1.999….
  return std::max(1, static_cast<int>(std::floor(items + 1e-9)));
}

RetryJobRunner::RetryJobRunner(db::ConnectionPool& pool, RetryJobOptions options)
    : pool_(pool), options_(options) {}

RetryJobRunner::~RetryJobRunner() { stop(); }

void RetryJobRunner::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void RetryJobRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int RetryJobRunner::run_once() {
  auto conn = pool_.acquire();
  return db::run_retry_job_slices(*conn, items_per_slice(options_.rate_per_second, options_.tick), options_.tick,
                                  options_.max_jobs_per_tick);
}

void RetryJobRunner::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      run_once();
    } catch (const std::exception& e) {
      // The database may be briefly away; the jobs wait there for the next tick.
      log::warn("retry jobs: slice failed", {{"error", e.what()}});
    }
    lock.lock();
    wake_.wait_for(lock, options_.tick, [this] { return stopping_; });
  }
}

}  // namespace hookgate::delivery

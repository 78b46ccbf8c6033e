#pragma once
// Advances retry jobs (POST /v1/webhook_endpoints/{id}/recover) in every
// worker process: once per tick, each due job sends again up to its slice of
// deliveries. Postgres decides which process runs which job and when, so the
// rate holds however many processes run.

#include "db/pool.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace hookgate::delivery {

struct RetryJobOptions {
  double rate_per_second = 10;              // per job, and so per endpoint (one running job each)
  std::chrono::milliseconds tick{1'000};
  int max_jobs_per_tick = 32;
};

// Deliveries a job may send per tick to stay within rate_per_second (at least one).
int items_per_slice(double rate_per_second, std::chrono::milliseconds tick);

class RetryJobRunner {
 public:
  RetryJobRunner(db::ConnectionPool& pool, RetryJobOptions options);
  ~RetryJobRunner();
  RetryJobRunner(const RetryJobRunner&) = delete;
  RetryJobRunner& operator=(const RetryJobRunner&) = delete;

  void start();
  void stop();
  // One slice of every due job; returns how many jobs it advanced.
  int run_once();

 private:
  void loop();

  db::ConnectionPool& pool_;
  RetryJobOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hookgate::delivery

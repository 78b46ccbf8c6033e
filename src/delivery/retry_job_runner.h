#pragma once
// Advances retry jobs (POST /v1/webhook_endpoints/{id}/recover) in every
// worker process: once per tick, each due job sends again up to its slice of
// deliveries. Postgres decides which process runs which job and when, so the
// rate holds however many processes run.

#include "core/background_loop.h"
#include "db/pool.h"

#include <chrono>

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

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  // One slice of every due job; returns how many jobs it advanced.
  int run_once();

 private:
  db::ConnectionPool& pool_;
  RetryJobOptions options_;
  BackgroundLoop loop_;  // last: its thread uses the members above
};

}  // namespace hookgate::delivery

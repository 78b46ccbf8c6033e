#include "delivery/retry_job_runner.h"

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
    : pool_(pool), options_(options), loop_("retry jobs", options.tick, [this] { run_once(); }) {}

RetryJobRunner::~RetryJobRunner() { stop(); }

int RetryJobRunner::run_once() {
  auto conn = pool_.acquire();
  return db::run_retry_job_slices(*conn, items_per_slice(options_.rate_per_second, options_.tick), options_.tick,
                                  options_.max_jobs_per_tick);
}

}  // namespace hookgate::delivery

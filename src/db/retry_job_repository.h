#pragma once
// Retry jobs ("recover"): re-send an endpoint's failed deliveries of a time
// window. The set is fixed when the job is created; workers send it in
// rate-limited slices, and all state lives here, so a job outlives the
// process that started it.

#include "core/clock.h"
#include "db/pool.h"
#include "domain/ids.h"
#include "domain/retry_job.h"

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace hookgate::db {


// Why no job was created.
enum class RetryJobRefusal {
  endpoint_missing,   // the endpoint is not the account's
  endpoint_disabled,  // its deliveries cannot be sent until it is enabled
  job_running,        // another job of the endpoint is still running
};

struct RetryJobRefused {
  RetryJobRefusal reason;
  std::optional<RetryJobId> running_job;  // for job_running: the job in the way
};

using RetryJobCreation = std::variant<RetryJobRecord, RetryJobRefused>;

// Creates the job with the endpoint's failed deliveries created in
// [since, until], or says why not (nothing is written then).
RetryJobCreation create_retry_job(Connection& conn, const NewRetryJob& job);

std::optional<RetryJobRecord> find_retry_job(Connection& conn, const AccountId& account, const RetryJobId& id);

// One slice of up to `max_jobs` due jobs, each sending at most `items` and
// then resting for `tick`. Returns how many jobs it advanced.
int run_retry_job_slices(Connection& conn, int items, std::chrono::milliseconds tick, int max_jobs);

}  // namespace hookgate::db

#pragma once
// Account erasure (DELETE /internal/v1/accounts/{id}): the job, what the
// DELETE does at once, and the batches workers run afterwards. All state is
// the job row, so an erasure outlives the process that started it.

#include "db/pool.h"
#include "domain/account.h"
#include "domain/account_erasure.h"
#include "domain/ids.h"

#include <chrono>
#include <optional>

namespace hookgate::db {

struct AccountErasureStart {
  AccountErasureRecord job;
  bool created = false;  // false: the account's erasure had already begun
};

// In one transaction, under a lock on the account row (which waits for
// writes to the account in progress): writes the job (id `id`), revokes the
// account's keys, removes its deliveries from the queue and ends its running
// retry jobs. The job's first batch waits `settle`, so that no claim made
// before the DELETE can record an attempt after its delivery is erased.
// An account whose erasure began already returns that job; nullopt when
// there is no such account.
std::optional<AccountErasureStart> begin_account_erasure(Connection& conn, const AccountErasureId& id,
                                                         const AccountId& account, std::chrono::milliseconds settle);

std::optional<AccountErasureRecord> find_account_erasure(Connection& conn, const AccountErasureId& id);

AccountState account_state(Connection& conn, const AccountId& account);

// One batch (up to `batch` rows of one kind) of up to `max_jobs` due
// erasures, each then resting `pause`. Returns how many jobs it advanced.
int run_account_erasures(Connection& conn, int batch, std::chrono::milliseconds pause, int max_jobs);

}  // namespace hookgate::db

#pragma once
// Erasing an account (DELETE /internal/v1/accounts/{id}, `hookgate accounts
// delete`): what stops at once, and the job that tracks what the workers
// then delete in the background.

#include "core/error.h"
#include "core/random.h"
#include "db/pool.h"
#include "domain/account_erasure.h"
#include "domain/ids.h"

#include <chrono>

namespace hookgate {

// 409 ACCOUNT_ERASED: what writes to an account being (or already) erased get.
ApiError account_erased(const AccountId& account);

struct AccountErasureStarted {
  AccountErasureRecord job;
  bool created = false;  // false: the same job as an earlier DELETE's
};

class AccountErasureService {
 public:
  // `settle`: how long the background waits before it deletes history, so
  // that attempts in flight at the DELETE have ended (one delivery lease).
  AccountErasureService(db::ConnectionPool& pool, RandomSource& random, std::chrono::milliseconds settle);

  // Revokes the keys, unqueues the deliveries and ends the retry jobs of the
  // account at once; 404 RESOURCE_MISSING for an account that does not exist.
  AccountErasureStarted erase(const AccountId& account);
  AccountErasureRecord find(const AccountErasureId& id);

 private:
  db::ConnectionPool& pool_;
  RandomSource& random_;
  std::chrono::milliseconds settle_;
};

}  // namespace hookgate

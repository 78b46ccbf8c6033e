#include "services/account_erasure_service.h"

#include "core/error.h"
#include "db/account_erasure_repository.h"

namespace hookgate {

ApiError account_erased(const AccountId& account) {
  return ApiError(Errc::account_erased, "Account " + account.str() + " is erased (or being erased) and takes no more writes.",
                  {{"param", "account"}});
}

AccountErasureService::AccountErasureService(db::ConnectionPool& pool, RandomSource& random,
                                             std::chrono::milliseconds settle)
    : pool_(pool), random_(random), settle_(settle) {}

AccountErasureStarted AccountErasureService::erase(const AccountId& account) {
  auto conn = pool_.acquire();
  auto started = db::begin_account_erasure(*conn, AccountErasureId::generate(random_), account, settle_);
  if (!started) {
    throw ApiError(Errc::resource_missing, "No such account: " + account.str() + ".", {{"param", "account"}});
  }
  return {started->job, started->created};
}

AccountErasureRecord AccountErasureService::find(const AccountErasureId& id) {
  auto conn = pool_.acquire();
  auto job = db::find_account_erasure(*conn, id);
  if (!job) throw ApiError(Errc::resource_missing, "No such account erasure: " + id.str() + ".", {{"param", "id"}});
  return *job;
}

}  // namespace hookgate

#include "delivery/account_erasure_runner.h"

#include "db/account_erasure_repository.h"

namespace hookgate::delivery {

AccountErasureRunner::AccountErasureRunner(db::ConnectionPool& pool, AccountErasureOptions options)
    : pool_(pool), options_(options), loop_("account erasures", options.pause, options.idle_poll, [this] { return run_once() > 0; }) {}

AccountErasureRunner::~AccountErasureRunner() { stop(); }

int AccountErasureRunner::run_once() {
  auto conn = pool_.acquire();
  return db::run_account_erasures(*conn, options_.batch, options_.pause, options_.max_jobs_per_round);
}

}  // namespace hookgate::delivery

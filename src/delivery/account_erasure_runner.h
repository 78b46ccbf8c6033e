#pragma once
// Deletes erased accounts' rows in the background, in every process that
// runs background work: each round, every due erasure job deletes one batch
// (HOOKGATE_ERASURE_BATCH rows of one kind) and then rests for the pause
// (HOOKGATE_ERASURE_PAUSE_MS), so other accounts' deliveries keep the
// database. With no job due it looks again after `idle_poll`. Jobs are locked while a batch runs, so processes share them
// without doing the same work twice.

#include "core/background_loop.h"
#include "db/pool.h"

#include <chrono>

namespace hookgate::delivery {

struct AccountErasureOptions {
  int batch = 500;
  std::chrono::milliseconds pause{100};
  std::chrono::milliseconds idle_poll{1000};
  int max_jobs_per_round = 8;
};

class AccountErasureRunner {
 public:
  AccountErasureRunner(db::ConnectionPool& pool, AccountErasureOptions options);
  ~AccountErasureRunner();

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  // One batch of every due job; returns how many jobs it advanced.
  int run_once();

 private:
  db::ConnectionPool& pool_;
  AccountErasureOptions options_;
  BackgroundLoop loop_;  // last: its thread uses the members above
};

}  // namespace hookgate::delivery

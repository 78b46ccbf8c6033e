#pragma once
// Keeps the history tables' day partitions made ahead of the rows that will
// need them: at start and then every `interval`, in every serve process, once
// across processes at a time (db::kPartitionUpkeepLock). A row whose day has
// no partition could not be written, so this runs whatever the role.

#include "core/background_loop.h"
#include "db/pool.h"

#include <chrono>
#include <optional>

namespace hookgate {

struct PartitionKeeperOptions {
  std::chrono::milliseconds interval{3'600'000};
  int days_ahead = 7;
};

class PartitionKeeper {
 public:
  PartitionKeeper(db::ConnectionPool& pool, PartitionKeeperOptions options);
  ~PartitionKeeper();

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  // One round; the partitions it made, or nullopt when another process held the lock.
  std::optional<int> run_once();

 private:
  db::ConnectionPool& pool_;
  PartitionKeeperOptions options_;
  BackgroundLoop loop_;  // last: its thread uses the members above
};

}  // namespace hookgate

#include "app/partition_keeper.h"

#include "core/log.h"
#include "db/partition_repository.h"

namespace hookgate {

PartitionKeeper::PartitionKeeper(db::ConnectionPool& pool, PartitionKeeperOptions options)
    : pool_(pool), options_(options), loop_("partitions", options.interval, [this] { run_once(); }) {}

PartitionKeeper::~PartitionKeeper() { stop(); }

std::optional<int> PartitionKeeper::run_once() {
  auto conn = pool_.acquire();
  auto made = db::create_partitions_ahead(*conn, options_.days_ahead);
  if (made && *made > 0) log::info("partitions created ahead", {{"count", *made}, {"days_ahead", options_.days_ahead}});
  return made;
}

}  // namespace hookgate

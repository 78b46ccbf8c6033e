#pragma once
// Partition maintenance (DESIGN §10): make the coming days' partitions,
// detach and drop the expired ones, never one that holds a delivery still
// to be sent, and ANALYZE the parents when the set changed. Run by
// `hookgate maintain` and by every serve process's Maintainer; one process
// at a time across all of them.

#include "core/clock.h"
#include "db/partition_repository.h"

#include <cstdint>
#include <vector>

namespace hookgate {

struct MaintenanceOptions {
  TimePoint as_of;          // act as if it were this time
  int days_ahead = 7;       // partitions made for today through this many days on
  db::RetentionDays retention{30, 44};
  bool dry_run = false;     // plan only: change nothing
  int lock_timeout_ms = 5'000;
};

struct MaintenanceReport {
  bool ran = false;  // false: another process held the maintenance lock
  // What was done (or, in a dry run, would be): creates, drops, then keeps.
  // A drop found queued deliveries at the last moment is reported as a keep.
  std::vector<db::PartitionChange> changes;
  int created = 0, dropped = 0, kept = 0;
  int finished_detaches = 0;          // interrupted detaches of an earlier run, finished and dropped
  std::int64_t forgotten_work_rows = 0;  // queue and retry job rows of dropped days
  bool analyzed = false;
};

MaintenanceReport run_maintenance(db::Connection& conn, const MaintenanceOptions& options);

}  // namespace hookgate

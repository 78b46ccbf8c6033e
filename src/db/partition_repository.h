#pragma once
// Day partitions of the history tables (V018, hookgate_partitioned_tables):
// what maintenance would create, drop and keep, and the statements that do
// it. The decisions are made in SQL (hookgate_maintenance_plan) so that
// `hookgate maintain --dry-run` prints exactly what a run would do;
// services/maintenance.h runs the plan.

#include "core/clock.h"
#include "db/pool.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookgate::db {

// The advisory lock that makes maintenance run in one process at a time.
inline constexpr long long kPartitionUpkeepLock = 0x686b67'70617274;  // "hkgpart"

struct PartitionChange {
  enum class Action { create, drop, keep };
  Action action;
  std::string table;      // the partitioned parent
  std::string partition;  // <table>_pYYYYMMDD
  std::string day;        // YYYY-MM-DD (UTC)
  std::string reason;
  // Which retention clock the table follows: "deliveries" (a delivery and
  // what is keyed by its id), "events" or "idempotency".
  std::string expires_with;
  // How long the create, or the detach and drop, took (zero in a plan), and
  // of a drop, how much of it was the detach.
  std::chrono::microseconds took{0};
  std::chrono::microseconds detach_took{0};
};

struct RetentionDays {
  int deliveries;  // deliveries, their attempts and retries
  int events;
};

std::vector<PartitionChange> maintenance_plan(Connection& conn, TimePoint as_of, int days_ahead,
                                              RetentionDays retention);

// A session-level lock (DETACH ... CONCURRENTLY runs outside transactions);
// false when another process holds it.
bool try_lock_maintenance(Connection& conn);
void unlock_maintenance(Connection& conn);

// Ends detaches that an interrupted run left pending (their partition is
// then dropped by the plan's next run); returns how many.
int finish_interrupted_detaches(Connection& conn);

// Returns whether it made the partition (false: it was there already).
bool create_partition(Connection& conn, PartitionChange& change);

// Deliveries of the change's day that are queued now (a retry may have
// queued one since the plan was made): such a day must be kept.
std::int64_t queued_deliveries_of_day(Connection& conn, const PartitionChange& change);

// Detaches the partition without blocking reads and writes of its parent
// (waiting at most `lock_timeout_ms` for locks), then drops it; sets the
// change's took and detach_took.
void detach_and_drop(Connection& conn, PartitionChange& change, int lock_timeout_ms);

// Work rows left pointing into a dropped deliveries day (queue rows queued
// after the check, retry job items): deletes them; returns how many.
std::int64_t forget_dropped_deliveries(Connection& conn, const PartitionChange& change);

// Autovacuum never analyzes partitioned parents; the planner's estimates
// for queries over the parent come from these statistics.
void analyze_partitioned_tables(Connection& conn);

struct MaintenanceRun {
  TimePoint as_of;
  int created = 0;
  int dropped = 0;
  int kept = 0;
};
void record_maintenance_run(Connection& conn, const MaintenanceRun& run);

struct PartitionedTableStats {
  std::string table;
  int partitions = 0;            // day partitions
  double oldest_age_seconds = 0;  // from the start of the oldest day partition to now
  double bytes = 0;              // all partitions, indexes and TOAST included
};
std::vector<PartitionedTableStats> partitioned_table_stats(Connection& conn);
// When maintenance last finished (seconds since the epoch); nullopt: never.
std::optional<double> last_maintenance_run(Connection& conn);

}  // namespace hookgate::db

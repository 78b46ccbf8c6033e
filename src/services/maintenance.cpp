#include "services/maintenance.h"

#include "core/log.h"

#include <map>

namespace hookgate {

namespace {

using Action = db::PartitionChange::Action;

class MaintenanceLock {
 public:
  explicit MaintenanceLock(db::Connection& conn) : conn_(conn), held_(db::try_lock_maintenance(conn)) {}
  ~MaintenanceLock() {
    if (!held_) return;
    try {
      db::unlock_maintenance(conn_);
    } catch (const std::exception&) {
      // A broken connection took the session lock with it.
    }
  }
  MaintenanceLock(const MaintenanceLock&) = delete;
  MaintenanceLock& operator=(const MaintenanceLock&) = delete;
  bool held() const { return held_; }

 private:
  db::Connection& conn_;
  bool held_;
};

void count(MaintenanceReport& report, const db::PartitionChange& change) {
  report.changes.push_back(change);
  if (change.action == Action::create) ++report.created;
  if (change.action == Action::drop) ++report.dropped;
  if (change.action == Action::keep) ++report.kept;
}

// Drops one day's expired partitions; a deliveries day in which a delivery
// was queued since the plan was made is kept whole instead.
void drop_day(db::Connection& conn, const std::vector<db::PartitionChange>& day, const MaintenanceOptions& options,
              MaintenanceReport& report) {
  bool deliveries = day.front().expires_with == "deliveries";
  if (deliveries) {
    if (auto queued = db::queued_deliveries_of_day(conn, day.front()); queued > 0) {
      for (auto change : day) {
        change.action = Action::keep;
        change.reason += ", but " + std::to_string(queued) + " delivery(ies) were queued since";
        count(report, change);
      }
      return;
    }
  }
  for (auto change : day) {
    db::detach_and_drop(conn, change, options.lock_timeout_ms);
    log::info("partition dropped", {{"partition", change.partition},
                                    {"reason", change.reason},
                                    {"duration_ms", static_cast<double>(change.took.count()) / 1000.0},
                                    {"detach_ms", static_cast<double>(change.detach_took.count()) / 1000.0}});
    count(report, change);
  }
  if (deliveries) report.forgotten_work_rows += db::forget_dropped_deliveries(conn, day.front());
}

}  // namespace

MaintenanceReport run_maintenance(db::Connection& conn, const MaintenanceOptions& options) {
  MaintenanceReport report;
  if (options.dry_run) {
    report.ran = true;
    for (const auto& change : db::maintenance_plan(conn, options.as_of, options.days_ahead, options.retention)) {
      count(report, change);
    }
    report.analyzed = report.created + report.dropped > 0;
    return report;
  }
  MaintenanceLock lock(conn);
  if (!lock.held()) return report;
  report.ran = true;
  report.finished_detaches = db::finish_interrupted_detaches(conn);

  auto plan = db::maintenance_plan(conn, options.as_of, options.days_ahead, options.retention);
  // Drops go by (retention group, day), so a day's deliveries, attempts and
  // retries are checked once and dropped together.
  std::map<std::pair<std::string, std::string>, std::vector<db::PartitionChange>> drops;
  for (const auto& change : plan) {
    if (change.action == Action::create) {
      auto made = change;
      if (db::create_partition(conn, made)) count(report, made);
    } else if (change.action == Action::drop) {
      drops[{change.expires_with, change.day}].push_back(change);
    }
  }
  for (const auto& [key, day] : drops) drop_day(conn, day, options, report);
  for (const auto& change : plan) {
    if (change.action != Action::keep) continue;
    log::info("expired partition kept", {{"partition", change.partition}, {"reason", change.reason}});
    count(report, change);
  }
  if (report.created + report.dropped + report.finished_detaches > 0) {
    db::analyze_partitioned_tables(conn);
    report.analyzed = true;
  }
  db::record_maintenance_run(conn, {options.as_of, report.created, report.dropped, report.kept});
  return report;
}

}  // namespace hookgate

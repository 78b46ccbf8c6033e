#include "cli/maintenance_commands.h"

#include "app/config.h"
#include "cli/command_config.h"
#include "cli/options.h"
#include "core/timefmt.h"
#include "db/pool.h"
#include "domain/retention.h"
#include "services/maintenance.h"

#include <iostream>

namespace hookgate::cli {

namespace {

using Action = db::PartitionChange::Action;

const char* verb(Action action, bool dry_run) {
  switch (action) {
    case Action::create: return dry_run ? "would create" : "created";
    case Action::drop: return dry_run ? "would drop" : "dropped";
    case Action::keep: return dry_run ? "would keep" : "kept";
  }
  return "";
}

}  // namespace

int maintain_command(const std::vector<std::string>& args) {
  Options options(args, {"--as-of"}, {"--dry-run"});
  if (!options.command().empty()) throw UsageError("usage: hookgate maintain [--as-of <RFC 3339 time>] [--dry-run]");
  TimePoint as_of = std::chrono::system_clock::now();
  if (auto text = options.optional("--as-of")) {
    auto parsed = parse_rfc3339(*text);
    if (!parsed) throw UsageError("--as-of must be an RFC 3339 time such as 2026-12-02T00:00:00Z");
    as_of = *parsed;
  }
  Config config = database_command_config();
  require_retention(config);

  MaintenanceOptions request{
      .as_of = as_of,
      .retention = {config.retention_days, event_retention_days(config.retention_days, config.recover_max_window)},
      .dry_run = options.has("--dry-run")};
  std::cout << "maintenance as of " << format_rfc3339(as_of) << ": deliveries kept " << request.retention.deliveries
            << " days, events " << request.retention.events << " days, partitions made " << request.days_ahead
            << " days ahead" << (request.dry_run ? " (dry run: nothing is changed)" : "") << "\n";
  db::Connection conn(config.database_url);
  auto report = run_maintenance(conn, request);
  if (!report.ran) {
    std::cout << "another process is maintaining the partitions now; nothing done\n";
    return 0;
  }
  if (report.finished_detaches > 0) {
    std::cout << "finished " << report.finished_detaches << " detach(es) an interrupted run left\n";
  }
  for (const auto& change : report.changes) {
    std::cout << verb(change.action, request.dry_run) << " " << change.partition << " (" << change.day << ": "
              << change.reason << ")";
    auto ms = [](std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; };
    if (change.took.count() > 0) std::cout << " in " << ms(change.took) << " ms";
    if (change.detach_took.count() > 0) std::cout << " (detach " << ms(change.detach_took) << " ms)";
    std::cout << "\n";
  }
  if (report.forgotten_work_rows > 0) {
    std::cout << "deleted " << report.forgotten_work_rows << " queue and retry job row(s) of dropped days\n";
  }
  if (report.analyzed) std::cout << (request.dry_run ? "would analyze" : "analyzed") << " the partitioned tables\n";
  if (request.dry_run) {
    std::cout << "would create " << report.created << ", drop " << report.dropped << ", keep " << report.kept << "\n";
  } else {
    std::cout << "created " << report.created << ", dropped " << report.dropped << ", kept " << report.kept << "\n";
  }
  return 0;
}

}  // namespace hookgate::cli

#include "app/maintainer.h"

#include "core/log.h"

namespace hookgate {

Maintainer::Maintainer(db::ConnectionPool& pool, const Clock& clock, MaintainerOptions options)
    : pool_(pool), clock_(clock), options_(options), loop_("maintenance", options.interval, [this] { run_once(); }) {}

Maintainer::~Maintainer() { stop(); }

MaintenanceReport Maintainer::run_once() {
  auto conn = pool_.acquire();
  MaintenanceOptions options{.as_of = clock_.now(), .days_ahead = options_.days_ahead, .retention = options_.retention};
  auto report = run_maintenance(*conn, options);
  if (report.created + report.dropped > 0) {
    log::info("partitions maintained", {{"created", report.created}, {"dropped", report.dropped}, {"kept", report.kept}});
  }
  return report;
}

}  // namespace hookgate

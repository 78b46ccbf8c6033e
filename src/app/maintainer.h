#pragma once
// Runs partition maintenance (services/maintenance.h) in every serve
// process, whatever its role: at start and then every `interval`, once
// across processes at a time. A row whose day has no partition could not be
// written, so the days ahead are made long before they are needed.

#include "core/background_loop.h"
#include "core/clock.h"
#include "db/pool.h"
#include "services/maintenance.h"

#include <chrono>

namespace hookgate {

struct MaintainerOptions {
  std::chrono::milliseconds interval{3'600'000};
  int days_ahead = 7;
  db::RetentionDays retention{30, 44};
};

class Maintainer {
 public:
  Maintainer(db::ConnectionPool& pool, const Clock& clock, MaintainerOptions options);
  ~Maintainer();

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  // One round as of the clock's now.
  MaintenanceReport run_once();

 private:
  db::ConnectionPool& pool_;
  const Clock& clock_;
  MaintainerOptions options_;
  BackgroundLoop loop_;  // last: its thread uses the members above
};

}  // namespace hookgate

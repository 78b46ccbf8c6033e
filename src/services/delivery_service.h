#pragma once
// Deliveries as dashboards and integrators see them (DESIGN §3 rules 4-5,
// §4): listing, one delivery with its attempts (the payload only for keys
// that could read the event), manual retries and retry jobs. Every call acts
// for one authenticated key, within that key's account.

#include "core/clock.h"
#include "core/random.h"
#include "db/pool.h"
#include "db/read_router.h"
#include "domain/catalogue_store.h"
#include "domain/delivery.h"
#include "domain/pagination.h"
#include "domain/principal.h"
#include "domain/retry_job.h"
#include "domain/subscription_rules.h"

#include <chrono>
#include <optional>

namespace hookgate {

struct DeliveryView {
  DeliveryDetail detail;
  PayloadVisibility payload;
};

struct RecoverRequest {
  TimePoint since;
  std::optional<TimePoint> until;  // default: now
};

class DeliveryService {
 public:
  DeliveryService(db::ConnectionPool& pool, db::ReadRouter& reads, const CatalogueStore& catalogue, RandomSource& random, const Clock& clock,
                  std::chrono::seconds recover_max_window);

  // An event_type the catalogue does not know → invalid_parameter.
  Page<DeliverySummary> list(const Principal& caller, const DeliveryFilter& filter, const PageRequest& page);
  DeliveryView retrieve(const Principal& caller, const DeliveryId& id);
  // Refused (409) while the endpoint is disabled, an attempt is in flight, or
  // no authorized subscription covers the delivery's type any more.
  DeliverySummary retry(const Principal& caller, const DeliveryId& id);
  // `since` older than the window or after `until`, or `until` in the
  // future → invalid_parameter naming it.
  RetryJobRecord recover(const Principal& caller, const EndpointId& endpoint, const RecoverRequest& request);
  RetryJobRecord retrieve_job(const Principal& caller, const RetryJobId& id);

  std::chrono::seconds recover_max_window() const { return recover_max_window_; }

 private:
  db::ConnectionPool& pool_;
  db::ReadRouter& reads_;  // list, retrieve and retrieve_job may use a replica
  const CatalogueStore& catalogue_;
  RandomSource& random_;
  const Clock& clock_;
  std::chrono::seconds recover_max_window_;
};

}  // namespace hookgate

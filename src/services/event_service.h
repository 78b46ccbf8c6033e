#pragma once
// Publishing events (DESIGN §5, issue "delivery engine"): validates what the
// platform sends and fans it out in Postgres. Shared by
// POST /internal/v1/events and `hookgate events publish`.

#include "core/clock.h"
#include "db/delivery_repository.h"
#include "db/pool.h"
#include "domain/catalogue_store.h"
#include "domain/ids.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace hookgate {

struct PublishRequest {
  std::optional<EventId> id;  // the producer's own id makes publishing idempotent
  AccountId account;
  std::string type;
  nlohmann::json data;  // a JSON object
  std::optional<TimePoint> occurred_at;
};

struct PublishedEvent {
  EventId id;
  AccountId account;
  std::string type;
  int deliveries = 0;
  bool duplicate = false;  // the id was published before: nothing new was fanned out
};

class EventService {
 public:
  EventService(db::ConnectionPool& pool, const CatalogueStore& catalogue, std::size_t max_data_bytes);

  // Unknown type → 400; unknown account → 404; `data` over the size bound →
  // 413; an id already used for another account or type → 409.
  PublishedEvent publish(const PublishRequest& request);

 private:
  db::ConnectionPool& pool_;
  const CatalogueStore& catalogue_;
  std::size_t max_data_bytes_;
};

}  // namespace hookgate

#include "services/event_service.h"

#include "core/error.h"
#include "core/stored_json_size.h"
#include "db/account_erasure_repository.h"
#include "services/account_erasure_service.h"

namespace hookgate {

EventService::EventService(db::ConnectionPool& pool, const CatalogueStore& catalogue, std::size_t max_data_bytes)
    : pool_(pool), catalogue_(catalogue), max_data_bytes_(max_data_bytes) {}

PublishedEvent EventService::publish(const PublishRequest& request) {
  if (catalogue_.require()->event_type(request.type) == nullptr) {
    throw invalid_parameter("type", "Unknown event type: " + request.type + ".");
  }
  if (!request.data.is_object()) throw invalid_parameter("data", "data must be a JSON object.");
  auto data = request.data.dump();
  // Counted as stored: numbers in exponent form are written out in full.
  if (auto size = stored_json_size(request.data); size > max_data_bytes_) {
    throw ApiError(Errc::body_too_large, "data is " + std::to_string(size) + " bytes as stored (numbers written out "
                                             "in plain decimal); the limit is " + std::to_string(max_data_bytes_) + ".",
                   {{"param", "data"}});
  }
  auto conn = pool_.acquire();
  auto state = db::account_state(*conn, request.account);
  if (state == AccountState::missing) {
    throw ApiError(Errc::resource_missing, "No such account: " + request.account.str() + ".", {{"param", "account"}});
  }
  if (state == AccountState::erased) throw account_erased(request.account);
  auto published = db::publish_event(*conn, request.account, request.type, data, request.id, request.occurred_at);
  // Its erasure began between the two statements.
  if (published.outcome == "account_erased") throw account_erased(request.account);
  if (published.outcome == "conflict") {
    throw ApiError(Errc::conflict, "Event " + published.id.str() + " was already published with another account or type.",
                   {{"param", "id"}});
  }
  return {published.id, request.account, request.type, published.deliveries, published.outcome == "existing"};
}

}  // namespace hookgate

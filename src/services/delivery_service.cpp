#include "services/delivery_service.h"

#include "core/error.h"
#include "core/timefmt.h"
#include "db/delivery_query_repository.h"
#include "db/retry_job_repository.h"
#include "services/list_page.h"

namespace hookgate {

namespace {

ApiError no_such(std::string_view noun, const std::string& id) {
  return ApiError(Errc::resource_missing, "No such " + std::string(noun) + ": " + id + ".", {{"param", "id"}});
}

// Sending a delivery again (one, or a retry job's) needs its endpoint enabled.
ApiError endpoint_disabled(const EndpointId& endpoint) {
  return ApiError(Errc::endpoint_disabled,
                  "Webhook endpoint " + endpoint.str() + " is disabled; enable it before sending its deliveries again.");
}

ApiError retry_refused(RetryRefusal reason, const DeliverySummary& delivery) {
  switch (reason) {
    case RetryRefusal::endpoint_disabled: return endpoint_disabled(delivery.endpoint);
    case RetryRefusal::attempt_in_progress:
      return ApiError(Errc::delivery_in_progress,
                      "An attempt of this delivery is in flight; retry once its result is recorded.");
    case RetryRefusal::subscription_unauthorized: break;
  }
  return ApiError(Errc::subscription_unauthorized,
                  "Webhook endpoint " + delivery.endpoint.str() + " no longer has an authorized subscription to " +
                      delivery.event_type +
                      " (the key that authorized it was revoked or lost the scope); re-authorize it by updating "
                      "the endpoint's enabled_events with a key that holds the scope.");
}

ApiError retry_job_refused(const db::RetryJobRefused& refused, const EndpointId& endpoint) {
  switch (refused.reason) {
    case db::RetryJobRefusal::endpoint_missing: return no_such("webhook endpoint", endpoint.str());
    case db::RetryJobRefusal::endpoint_disabled: return endpoint_disabled(endpoint);
    case db::RetryJobRefusal::job_running: break;
  }
  auto other = refused.running_job ? refused.running_job->str() : std::string();
  return ApiError(Errc::retry_job_running,
                  "Retry job " + other + " is still running for this endpoint; wait for it to complete.",
                  {{"retry_job", other}});
}

}  // namespace

DeliveryService::DeliveryService(db::ConnectionPool& pool, db::ReadRouter& reads, const CatalogueStore& catalogue, RandomSource& random,
                                 const Clock& clock, std::chrono::seconds recover_max_window)
    : pool_(pool), reads_(reads), catalogue_(catalogue), random_(random), clock_(clock), recover_max_window_(recover_max_window) {}

Page<DeliverySummary> DeliveryService::list(const Principal& caller, const DeliveryFilter& filter,
                                                const PageRequest& page) {
  if (filter.event_type && catalogue_.require()->event_type(*filter.event_type) == nullptr) {
    throw invalid_parameter("event_type", "Unknown event type: " + *filter.event_type + ".");
  }
  if (filter.created_gte && filter.created_lte && *filter.created_gte > *filter.created_lte) {
    throw invalid_parameter("created[gte]", "created[gte] must not be later than created[lte].");
  }
  auto rows = reads_.read(caller.account,
                          [&](db::Connection& conn) { return db::list_deliveries(conn, caller.account, filter, page); });
  return found_page(std::move(rows), page, "webhook delivery");
}

DeliveryView DeliveryService::retrieve(const Principal& caller, const DeliveryId& id) {
  auto detail =
      reads_.read(caller.account, [&](db::Connection& conn) { return db::find_delivery(conn, caller.account, id); });
  if (!detail) throw no_such("webhook delivery", id.str());
  // Rule 4, decided from the key's effective scopes and today's catalogue.
  auto visibility = payload_visibility(detail->summary.event_type, caller.scopes, *catalogue_.require());
  if (!visibility.visible) detail->payload.clear();
  return DeliveryView{std::move(*detail), std::move(visibility)};
}

DeliverySummary DeliveryService::retry(const Principal& caller, const DeliveryId& id) {
  RetryResult result;
  {
    auto conn = pool_.acquire();
    result = db::retry_delivery(*conn, caller.account, id, caller.key_id);
    if (result.found && !result.refusal) reads_.wrote(*conn, caller.account);
  }
  if (!result.found) throw no_such("webhook delivery", id.str());
  if (result.refusal) throw retry_refused(*result.refusal, *result.delivery);
  return *result.delivery;
}

RetryJobRecord DeliveryService::recover(const Principal& caller, const EndpointId& endpoint,
                                            const RecoverRequest& request) {
  auto now = clock_.now();
  auto until = request.until.value_or(now);
  if (until > now) throw invalid_parameter("until", "until must not be in the future.");
  if (request.since > until) throw invalid_parameter("since", "since must not be later than until.");
  if (request.since < now - recover_max_window_) {
    throw invalid_parameter("since", "since may reach back at most " +
                                         std::to_string(recover_max_window_.count()) + " seconds (to " +
                                         format_rfc3339(now - recover_max_window_) + ").");
  }
  NewRetryJob job{RetryJobId::generate(random_), caller.account, endpoint, caller.key_id, request.since, until};
  auto conn = pool_.acquire();
  auto created = db::create_retry_job(*conn, job);
  if (std::holds_alternative<RetryJobRecord>(created)) reads_.wrote(*conn, caller.account);
  if (auto* refused = std::get_if<db::RetryJobRefused>(&created)) throw retry_job_refused(*refused, endpoint);
  return std::get<RetryJobRecord>(std::move(created));
}

RetryJobRecord DeliveryService::retrieve_job(const Principal& caller, const RetryJobId& id) {
  auto job =
      reads_.read(caller.account, [&](db::Connection& conn) { return db::find_retry_job(conn, caller.account, id); });
  if (!job) throw no_such("retry job", id.str());
  return *job;
}

}  // namespace hookgate

#pragma once
// JSON shapes of the objects hookgate returns, in one place so the HTTP API
// and the command line print the same thing.

#include "domain/account.h"
#include "domain/account_erasure.h"
#include "domain/api_key.h"
#include "domain/endpoint.h"
#include "domain/pagination.h"
#include "domain/scopes.h"
#include "services/delivery_service.h"
#include "services/endpoint_service.h"
#include "services/event_service.h"
#include "services/operator_service.h"

#include <nlohmann/json.hpp>

namespace hookgate::views {

nlohmann::json account(const AccountRecord& record);
nlohmann::json api_key(const KeyRecord& record, const Catalogue& catalogue);
nlohmann::json api_key_with_secret(const KeyWithSecret& created, const Catalogue& catalogue);
nlohmann::json endpoint(const EndpointRecord& record, const Catalogue& catalogue);
nlohmann::json endpoint_with_secret(const EndpointWithSecret& created, const Catalogue& catalogue);
nlohmann::json endpoint_secret(const EndpointSecretView& view);
nlohmann::json published_event(const PublishedEvent& event);
nlohmann::json event_type(const EventTypeDefinition& type, const ScopeSet& held);
nlohmann::json delivery(const DeliverySummary& summary);
// With attempts, retries and the payload (or why it is withheld, rule 4).
nlohmann::json delivery_detail(const DeliveryView& view);
nlohmann::json retry_job(const RetryJobRecord& job);
nlohmann::json account_erasure(const AccountErasureRecord& job);

template <class T, class Render>
nlohmann::json list(const Page<T>& page, const std::string& url, Render render) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& item : page.data) data.push_back(render(item));
  return {{"object", "list"}, {"url", url}, {"data", std::move(data)}, {"has_more", page.has_more}};
}

}  // namespace hookgate::views

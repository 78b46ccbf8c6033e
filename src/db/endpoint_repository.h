#pragma once
// Storage of webhook endpoints, their secrets and subscriptions. Every query
// takes the account id: another account's endpoint is simply not found.

#include "core/clock.h"
#include "db/pool.h"
#include "domain/endpoint.h"
#include "domain/ids.h"
#include "domain/pagination.h"
#include "domain/subscription_rules.h"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookgate::db {



// nullopt (nothing written) when the account already has max_endpoints.
std::optional<EndpointRecord> insert_endpoint(Connection& conn, const NewEndpoint& endpoint,
                                              std::size_t max_endpoints);

std::optional<EndpointRecord> find_endpoint(Connection& conn, const AccountId& account, const EndpointId& id);

// Newest first; nullopt when the page's cursor is not an endpoint of the account.
std::optional<Page<EndpointRecord>> list_endpoints(Connection& conn, const AccountId& account,
                                                   const EndpointFilter& filter, const PageRequest& page);


// Locks the endpoint, lets `decide` (which may throw) compute the write from
// its current state, applies it and returns the result, all in one transaction.
std::optional<EndpointRecord> update_endpoint(Connection& conn, const AccountId& account, const EndpointId& id,
                                              const std::function<EndpointWrite(const EndpointRecord&)>& decide);

bool delete_endpoint(Connection& conn, const AccountId& account, const EndpointId& id);

// The endpoint's current signing secret (sealed) and, while a roll's grace
// period runs, when the last of the older ones stops signing; nullopt when
// the account has no such endpoint.
struct EndpointSecrets {
  std::string current_sealed;
  std::optional<TimePoint> previous_expires_at;
};
std::optional<EndpointSecrets> find_endpoint_secrets(Connection& conn, const AccountId& account, const EndpointId& id);

// Makes `sealed_secret` current; older secrets keep signing until now + grace.
bool roll_endpoint_secret(Connection& conn, const AccountId& account, const EndpointId& id,
                          const std::string& sealed_secret, std::chrono::seconds grace);

}  // namespace hookgate::db

#pragma once
// Storage of webhook endpoints, their secrets and subscriptions. Every query
// takes the account id: another account's endpoint is simply not found.

#include "core/clock.h"
#include "db/pool.h"
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

using Metadata = std::map<std::string, std::string>;

struct SubscriptionRecord {
  std::string pattern;
  AuthorizingKey key;
  TimePoint authorized_at;
};

struct EndpointRecord {
  EndpointId id;
  AccountId account;
  std::string url;
  std::string description;
  Metadata metadata;
  bool enabled = true;
  std::optional<std::string> disabled_reason;
  TimePoint created;
  std::vector<SubscriptionRecord> subscriptions;  // sorted by pattern

  std::vector<std::string> patterns() const;
};

struct NewEndpoint {
  EndpointId id;
  AccountId account;
  std::string url;
  std::string description;
  Metadata metadata;
  std::vector<std::string> patterns;
  ApiKeyId authorized_by;
  std::string sealed_secret;  // bound with endpoint_secret_binding(id)
};

// nullopt (nothing written) when the account already has max_endpoints.
std::optional<EndpointRecord> insert_endpoint(Connection& conn, const NewEndpoint& endpoint,
                                              std::size_t max_endpoints);

std::optional<EndpointRecord> find_endpoint(Connection& conn, const AccountId& account, const EndpointId& id);

struct EndpointFilter {
  std::optional<std::string> status;      // "enabled" / "disabled"
  std::optional<std::string> event_type;  // endpoints whose patterns match it
};
Page<EndpointRecord> list_endpoints(Connection& conn, const AccountId& account, const EndpointFilter& filter,
                                    const PageRequest& page);

// What an update writes; unset members stay as they are.
struct EndpointWrite {
  std::optional<std::string> url;
  std::optional<std::string> description;
  std::optional<Metadata> metadata;  // the whole resulting map
  std::optional<bool> enabled;
  std::optional<std::string> disabled_reason;
  // Patterns to keep/add with the key that (re)authorizes them; patterns not
  // listed are removed. Unset: subscriptions untouched.
  std::optional<std::map<std::string, std::string>> subscriptions;  // pattern -> authorizing key id
};

// Locks the endpoint, lets `decide` (which may throw) compute the write from
// its current state, applies it and returns the result, all in one transaction.
std::optional<EndpointRecord> update_endpoint(Connection& conn, const AccountId& account, const EndpointId& id,
                                              const std::function<EndpointWrite(const EndpointRecord&)>& decide);

bool delete_endpoint(Connection& conn, const AccountId& account, const EndpointId& id);

// Makes `sealed_secret` current; older secrets keep signing until now + grace.
bool roll_endpoint_secret(Connection& conn, const AccountId& account, const EndpointId& id,
                          const std::string& sealed_secret, std::chrono::seconds grace);

}  // namespace hookgate::db

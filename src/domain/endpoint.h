#pragma once
// A webhook endpoint as storage returns it and services and handlers use it,
// and what creating, listing and updating endpoints take.

#include "core/clock.h"
#include "domain/ids.h"
#include "domain/subscription_rules.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookgate {

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

struct EndpointFilter {
  std::optional<std::string> status;      // "enabled" / "disabled"
  std::optional<std::string> event_type;  // endpoints whose patterns match it
};

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

}  // namespace hookgate

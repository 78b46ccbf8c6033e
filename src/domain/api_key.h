#pragma once
// An API key as storage returns it (the operator's record, the grant that
// authentication checks) and what creating a key and recording its use take.

#include "core/clock.h"
#include "domain/api_key_format.h"
#include "domain/ids.h"
#include "domain/scopes.h"

#include <optional>
#include <string>
#include <vector>

namespace hookgate {

// What authentication needs to know about a presented secret.
struct KeyGrant {
  ApiKeyId id;
  AccountId account;
  KeyKind kind;
  ScopeSet assigned;
  std::optional<TimePoint> secret_expires_at;  // set while a rolled-away secret is in its grace period
};

// The operator's view of a key.
struct KeyRecord {
  ApiKeyId id;
  AccountId account;
  KeyKind kind;
  std::string description;
  std::string display_prefix;  // of the current secret
  ScopeSet assigned;
  TimePoint created;
  std::optional<TimePoint> revoked;
  std::optional<TimePoint> last_used;
};

struct NewKey {
  ApiKeyId id;
  AccountId account;
  KeyKind kind;
  std::string description;
  ScopeSet scopes;
  std::vector<unsigned char> secret_hash;
  std::string display_prefix;
};

struct KeyUse {
  ApiKeyId id;
  TimePoint at;
};

}  // namespace hookgate

#pragma once
// DESIGN §3 rules 1-4 as pure functions: which scopes an endpoint change
// needs, whether a stored subscription is still authorized by its key, and
// whether a key may see a delivered event's payload.

#include "domain/api_key_format.h"
#include "domain/scopes.h"

#include <optional>
#include <string>
#include <vector>

namespace hookgate {

// What a subscription's authorizing key holds now.
struct AuthorizingKey {
  std::string id;
  KeyKind kind = KeyKind::secret;
  bool revoked = false;
  ScopeSet assigned;
};

struct SubscriptionStatus {
  bool authorized = false;
  std::optional<std::string> reason;  // "key_revoked" or "scope_missing" when not authorized
  std::vector<std::string> missing_scopes;
};

// Rule 3: authorized while its key is not revoked and still effectively holds
// every scope the pattern needs by today's catalogue (none when no type
// matches it any more). hookgate_subscription_authorized() is the same rule
// in SQL; tests/integration/rule3_parity_pgtest.cpp keeps them equal.
SubscriptionStatus subscription_status(const std::string& pattern, const AuthorizingKey& key,
                                       const Catalogue& catalogue);

struct EndpointChange {
  std::vector<std::string> current_patterns;
  std::optional<std::vector<std::string>> new_patterns;  // full replacement list, when given
  bool url_changes = false;
  bool re_enables = false;
};

// Rules 1-2: the read scopes a change needs. Added patterns need theirs;
// changing the url or re-enabling needs those of every pattern the endpoint
// will then receive. (`manage` itself is checked by the gate.)
std::vector<std::string> scopes_needed_for_change(const EndpointChange& change, const Catalogue& catalogue);

// Rule 4: a delivery's payload is shown only to a key that could read the
// event itself. When withheld, `required_scope` is the scope that would show
// it (empty when the type has left the catalogue: then nothing shows it).
struct PayloadVisibility {
  bool visible = false;
  std::string required_scope;
};
PayloadVisibility payload_visibility(std::string_view event_type, const ScopeSet& held, const Catalogue& catalogue);

}  // namespace hookgate

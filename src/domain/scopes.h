#pragma once
// Every scope decision hookgate makes, as pure functions of the catalogue
// (loaded from Postgres), a key's kind and scopes, and what is asked for.
// No I/O here: unit-tested without a server or a database.

#include "core/error.h"
#include "domain/api_key_format.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate {

struct ScopeDefinition {
  std::string name;
  std::string description;
  bool requires_sk = false;
};

struct EventTypeDefinition {
  std::string name;
  std::string scope;  // read scope a subscriber must hold
  std::string description;
};

// An immutable snapshot of the scope, bundle and event-type catalogue.
class Catalogue {
 public:
  Catalogue(std::vector<ScopeDefinition> scopes, std::map<std::string, std::vector<std::string>> bundles,
            std::vector<EventTypeDefinition> event_types);

  const ScopeDefinition* scope(std::string_view name) const;
  const std::vector<std::string>* bundle(std::string_view name) const;
  const EventTypeDefinition* event_type(std::string_view name) const;

  const std::vector<ScopeDefinition>& scopes() const { return scopes_; }
  const std::map<std::string, std::vector<std::string>>& bundles() const { return bundles_; }
  const std::vector<EventTypeDefinition>& event_types() const { return event_types_; }

 private:
  std::vector<ScopeDefinition> scopes_;  // sorted by name
  std::map<std::string, std::vector<std::string>> bundles_;
  std::vector<EventTypeDefinition> event_types_;  // sorted by name
};

using ScopeSet = std::set<std::string, std::less<>>;

// A pk_ key never holds a scope that requires sk_, even when assigned; an
// assigned scope the catalogue no longer knows grants nothing.
ScopeSet effective_scopes(KeyKind kind, const ScopeSet& assigned, const Catalogue& catalogue);

// Resolves a key-creation request (individual scopes and/or a bundle) to the
// scopes to assign. Unknown names → invalid_parameter naming them.
ScopeSet resolve_scope_request(const Catalogue& catalogue, const std::vector<std::string>& scopes,
                               const std::optional<std::string>& bundle);

// The scopes a route declares for its resource: GET needs `read`, every
// other method needs `write`. Empty means "any valid key".
struct ResourceScopes {
  std::string read;
  std::string write;
};
std::string_view required_scope(std::string_view method, const ResourceScopes& scopes);

// Required scopes the key lacks, sorted and without repeats.
std::vector<std::string> missing_scopes(const ScopeSet& held, const std::vector<std::string>& required);

// 403 SCOPE_REQUIRED naming every missing scope.
ApiError scope_required(const std::vector<std::string>& missing);
// The same for a key of `kind`: a pk_ key missing scopes that only sk_ keys
// may hold is told so, since no grant could give them to it.
ApiError scope_required(const std::vector<std::string>& missing, KeyKind kind, const Catalogue& catalogue);

// Throws scope_required when anything in `required` is not held.
void require_scopes(const ScopeSet& held, const std::vector<std::string>& required);

// Event subscriptions: an exact type, a family wildcard ("order.*", matching
// every type whose name starts with "order."), or "*".
bool is_wildcard(std::string_view pattern);
bool pattern_matches(std::string_view pattern, std::string_view event_type);
// Every subscription pattern that matches `event_type`: the type itself, the
// wildcard of each dotted family it belongs to ("ledger.entry.*", "ledger.*")
// and "*". Lets storage find subscribers with an index probe (pattern = ANY)
// instead of testing every stored pattern.
std::vector<std::string> patterns_matching(std::string_view event_type);

// Every read scope the patterns need, now, by the catalogue's types. A
// pattern that matches no known type → invalid_parameter naming it.
std::vector<std::string> scopes_for_patterns(const Catalogue& catalogue, const std::vector<std::string>& patterns,
                                             std::string_view param_name);

}  // namespace hookgate

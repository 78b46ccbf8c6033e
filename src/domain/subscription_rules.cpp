#include "domain/subscription_rules.h"

#include <algorithm>

namespace hookgate {

SubscriptionStatus subscription_status(const std::string& pattern, const AuthorizingKey& key,
                                       const Catalogue& catalogue) {
  if (key.revoked) return {false, "key_revoked", {}};
  // Not scopes_for_patterns(): a stored pattern whose types all left the
  // catalogue needs nothing (and receives nothing); it is no request error.
  std::vector<std::string> needed;
  for (const auto& type : catalogue.event_types()) {
    if (pattern_matches(pattern, type.name)) needed.push_back(type.scope);
  }
  auto missing = missing_scopes(effective_scopes(key.kind, key.assigned, catalogue), needed);
  if (!missing.empty()) return {false, "scope_missing", missing};
  return {true, std::nullopt, {}};
}

std::vector<std::string> scopes_needed_for_change(const EndpointChange& change, const Catalogue& catalogue) {
  const auto& resulting = change.new_patterns ? *change.new_patterns : change.current_patterns;
  if (change.url_changes || change.re_enables) return scopes_for_patterns(catalogue, resulting, "enabled_events");
  if (!change.new_patterns) return {};
  std::vector<std::string> added;
  for (const auto& pattern : *change.new_patterns) {
    if (std::find(change.current_patterns.begin(), change.current_patterns.end(), pattern) ==
        change.current_patterns.end()) {
      added.push_back(pattern);
    }
  }
  return scopes_for_patterns(catalogue, added, "enabled_events");
}

PayloadVisibility payload_visibility(std::string_view event_type, const ScopeSet& held, const Catalogue& catalogue) {
  const auto* type = catalogue.event_type(event_type);
  if (type == nullptr) return {false, ""};
  return {held.count(type->scope) != 0, type->scope};
}

}  // namespace hookgate

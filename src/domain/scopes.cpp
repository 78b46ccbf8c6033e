#include "domain/scopes.h"

#include <algorithm>

namespace hookgate {

namespace {

template <class T>
const T* find_by_name(const std::vector<T>& sorted, std::string_view name) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), name,
                             [](const T& item, std::string_view n) { return item.name < n; });
  return (it != sorted.end() && it->name == name) ? &*it : nullptr;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

Catalogue::Catalogue(std::vector<ScopeDefinition> scopes, std::map<std::string, std::vector<std::string>> bundles,
                     std::vector<EventTypeDefinition> event_types)
    : scopes_(std::move(scopes)), bundles_(std::move(bundles)), event_types_(std::move(event_types)) {
  auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  std::sort(scopes_.begin(), scopes_.end(), by_name);
  std::sort(event_types_.begin(), event_types_.end(), by_name);
}

const ScopeDefinition* Catalogue::scope(std::string_view name) const { return find_by_name(scopes_, name); }

const std::vector<std::string>* Catalogue::bundle(std::string_view name) const {
  auto it = bundles_.find(std::string(name));
  return it == bundles_.end() ? nullptr : &it->second;
}

const EventTypeDefinition* Catalogue::event_type(std::string_view name) const {
  return find_by_name(event_types_, name);
}

ScopeSet effective_scopes(KeyKind kind, const ScopeSet& assigned, const Catalogue& catalogue) {
  ScopeSet out;
  for (const auto& name : assigned) {
    const auto* scope = catalogue.scope(name);
    if (scope == nullptr) continue;
    if (scope->requires_sk && kind != KeyKind::secret) continue;
    out.insert(name);
  }
  return out;
}

ScopeSet resolve_scope_request(const Catalogue& catalogue, const std::vector<std::string>& scopes,
                               const std::optional<std::string>& bundle) {
  ScopeSet out;
  std::vector<std::string> unknown;
  for (const auto& name : scopes) {
    if (catalogue.scope(name) == nullptr) unknown.push_back(name);
    else out.insert(name);
  }
  if (!unknown.empty()) {
    throw ApiError(Errc::invalid_parameter, "Unknown scope(s): " + join(unknown) + ".",
                   {{"param", "scopes"}, {"unknown_scopes", unknown}});
  }
  if (bundle) {
    const auto* members = catalogue.bundle(*bundle);
    if (members == nullptr) {
      throw ApiError(Errc::invalid_parameter, "Unknown bundle: " + *bundle + ".", {{"param", "bundle"}});
    }
    out.insert(members->begin(), members->end());
  }
  return out;
}

std::string_view required_scope(std::string_view method, const ResourceScopes& scopes) {
  return (method == "GET" || method == "HEAD") ? scopes.read : scopes.write;
}

std::vector<std::string> missing_scopes(const ScopeSet& held, const std::vector<std::string>& required) {
  std::vector<std::string> out;
  for (const auto& scope : required) {
    if (!scope.empty() && held.count(scope) == 0) out.push_back(scope);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

ApiError scope_required(const std::vector<std::string>& missing) {
  return ApiError(Errc::scope_required,
                  "This API key lacks the scope(s) " + join(missing) + " required for this request.",
                  {{"required_scopes", missing}});
}

ApiError scope_required(const std::vector<std::string>& missing, KeyKind kind, const Catalogue& catalogue) {
  std::vector<std::string> sk_only;
  if (kind == KeyKind::publishable) {
    for (const auto& name : missing) {
      if (const auto* scope = catalogue.scope(name); scope != nullptr && scope->requires_sk) sk_only.push_back(name);
    }
  }
  if (sk_only.empty()) return scope_required(missing);
  return ApiError(Errc::scope_required,
                  "This API key lacks the scope(s) " + join(missing) + " required for this request. pk_ (publishable) "
                  "keys cannot hold " + join(sk_only) + ": only sk_ (secret) keys can; use an sk_ key.",
                  {{"required_scopes", missing}});
}

void require_scopes(const ScopeSet& held, const std::vector<std::string>& required) {
  auto missing = missing_scopes(held, required);
  if (!missing.empty()) throw scope_required(missing);
}

bool is_wildcard(std::string_view pattern) {
  return pattern == "*" || (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*");
}

bool pattern_matches(std::string_view pattern, std::string_view event_type) {
  if (pattern == "*") return true;
  if (is_wildcard(pattern)) {
    auto family = pattern.substr(0, pattern.size() - 1);  // keeps the dot: "order."
    return event_type.size() > family.size() && event_type.substr(0, family.size()) == family;
  }
  return pattern == event_type;
}

std::vector<std::string> patterns_matching(std::string_view event_type) {
  std::vector<std::string> out{std::string(event_type)};
  for (auto dot = event_type.find('.'); dot != std::string_view::npos; dot = event_type.find('.', dot + 1)) {
    auto family = std::string(event_type.substr(0, dot)) + ".*";
    if (family != event_type) out.push_back(std::move(family));
  }
  if (event_type != "*") out.emplace_back("*");
  return out;
}

std::vector<std::string> scopes_for_patterns(const Catalogue& catalogue, const std::vector<std::string>& patterns,
                                             std::string_view param_name) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    bool matched = false;
    for (const auto& type : catalogue.event_types()) {
      if (pattern_matches(patterns[i], type.name)) {
        matched = true;
        out.push_back(type.scope);
      }
    }
    if (!matched) {
      std::string param = std::string(param_name) + "[" + std::to_string(i) + "]";
      throw ApiError(Errc::invalid_parameter, "Unknown event type: " + patterns[i] + ".", {{"param", param}});
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace hookgate

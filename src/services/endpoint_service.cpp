#include "services/endpoint_service.h"

#include "core/error.h"
#include "core/json_body.h"
#include "db/endpoint_repository.h"
#include "db/sealed_columns.h"
#include "domain/api_key_format.h"
#include "domain/subscription_rules.h"
#include "services/endpoint_url.h"
#include "services/list_page.h"

#include <algorithm>
#include <set>

namespace hookgate {

namespace {

ApiError no_such_endpoint(const EndpointId& id) {
  return ApiError(Errc::resource_missing, "No such webhook endpoint: " + id.str() + ".", {{"param", "id"}});
}

}  // namespace

EndpointService::EndpointService(db::ConnectionPool& pool, db::ReadRouter& reads, const CatalogueStore& catalogue, RandomSource& random,
                                 const SecretKeyRing& secrets, UrlPolicy url_policy, EndpointLimits limits)
    : pool_(pool), reads_(reads), catalogue_(catalogue), random_(random), secrets_(secrets), url_policy_(url_policy), limits_(limits) {}

std::vector<std::string> EndpointService::checked_patterns(const std::vector<std::string>& patterns) const {
  if (patterns.empty()) throw invalid_parameter("enabled_events", "enabled_events must list at least one event type.");
  if (patterns.size() > limits_.max_enabled_events) {
    throw invalid_parameter("enabled_events", "enabled_events may list at most " +
                                                  std::to_string(limits_.max_enabled_events) + " event types.");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (!seen.insert(patterns[i]).second) {
      throw invalid_parameter("enabled_events[" + std::to_string(i) + "]",
                              "enabled_events lists " + patterns[i] + " more than once.");
    }
  }
  // Unknown types and wildcards matching nothing are refused here, naming the index.
  scopes_for_patterns(*catalogue_.require(), patterns, "enabled_events");
  return {seen.begin(), seen.end()};
}

void EndpointService::check_description(const std::string& description) const {
  if (json_body::utf8_length(description) > limits_.max_description_length) {
    throw invalid_parameter("description", "description must be at most " +
                                               std::to_string(limits_.max_description_length) + " characters.");
  }
}

EndpointWithSecret EndpointService::create(const Principal& caller, const EndpointCreate& request) {
  auto url = validate_endpoint_url(request.url, url_policy_);
  auto patterns = checked_patterns(request.enabled_events);
  check_description(request.description);
  // Rule 1: the read scope of every event type subscribed, all named at once.
  require_scopes(caller.scopes, scopes_for_patterns(*catalogue_.require(), patterns, "enabled_events"));

  auto secret = generate_signing_secret(random_);
  auto id = EndpointId::generate(random_);
  NewEndpoint endpoint{id,       caller.account, url.normalized,
                           request.description, request.metadata, patterns,
                           caller.key_id, secrets_.seal(secret, db::endpoint_secret_binding(id))};
  auto conn = pool_.acquire();
  auto record = db::insert_endpoint(*conn, endpoint, limits_.max_endpoints_per_account);
  if (record) reads_.wrote(*conn, caller.account);
  if (!record) {
    throw ApiError(Errc::limit_exceeded, "This account already has the maximum of " +
                                             std::to_string(limits_.max_endpoints_per_account) + " webhook endpoints.");
  }
  return EndpointWithSecret{std::move(*record), secret};
}

EndpointRecord EndpointService::retrieve(const Principal& caller, const EndpointId& id) {
  auto record = reads_.read(caller.account, [&](db::Connection& conn) { return db::find_endpoint(conn, caller.account, id); });
  if (!record) throw no_such_endpoint(id);
  return *record;
}

Page<EndpointRecord> EndpointService::list(const Principal& caller, const EndpointFilter& filter,
                                               const PageRequest& page) {
  if (filter.event_type && catalogue_.require()->event_type(*filter.event_type) == nullptr) {
    throw invalid_parameter("enabled_event", "Unknown event type: " + *filter.event_type + ".");
  }
  auto rows = reads_.read(caller.account,
                          [&](db::Connection& conn) { return db::list_endpoints(conn, caller.account, filter, page); });
  return found_page(std::move(rows), page, "webhook endpoint");
}

EndpointRecord EndpointService::update(const Principal& caller, const EndpointId& id,
                                           const EndpointUpdate& request) {
  std::optional<std::string> url;
  if (request.url) url = validate_endpoint_url(*request.url, url_policy_).normalized;
  std::optional<std::vector<std::string>> patterns;
  if (request.enabled_events) patterns = checked_patterns(*request.enabled_events);
  if (request.description) check_description(*request.description);
  auto catalogue = catalogue_.require();

  auto decide = [&](const EndpointRecord& current) {
    // Rules 1-2 need the current state; the gate already checked `manage`.
    EndpointChange change{current.patterns(), patterns, url && *url != current.url,
                          request.disabled && !*request.disabled && !current.enabled};
    require_scopes(caller.scopes, scopes_needed_for_change(change, *catalogue));

    EndpointWrite write;
    write.url = url;
    write.description = request.description;
    if (request.disabled) {
      write.enabled = !*request.disabled;
      if (*request.disabled) write.disabled_reason = "manual";
    }
    if (request.metadata) {
      auto merged = current.metadata;
      for (const auto& [key, value] : *request.metadata) {
        if (value) merged[key] = *value;
        else merged.erase(key);
      }
      if (merged.size() > limits_.max_metadata_keys) {
        throw invalid_parameter("metadata", "metadata may hold at most " + std::to_string(limits_.max_metadata_keys) +
                                                " keys.");
      }
      write.metadata = std::move(merged);
    }
    if (patterns) {
      // Listed patterns keep their authorizer, unless they are new or no
      // longer authorized and this key can vouch for them (re-authorization).
      std::map<std::string, std::string> subscriptions;
      for (const auto& pattern : *patterns) {
        auto existing = std::find_if(current.subscriptions.begin(), current.subscriptions.end(),
                                     [&](const auto& s) { return s.pattern == pattern; });
        bool keep = existing != current.subscriptions.end() &&
                    (subscription_status(pattern, existing->key, *catalogue).authorized ||
                     !missing_scopes(caller.scopes, scopes_for_patterns(*catalogue, {pattern}, "enabled_events"))
                          .empty());
        subscriptions[pattern] = keep ? existing->key.id : caller.key_id.str();
      }
      write.subscriptions = std::move(subscriptions);
    }
    return write;
  };
  auto conn = pool_.acquire();
  auto record = db::update_endpoint(*conn, caller.account, id, decide);
  if (!record) throw no_such_endpoint(id);
  reads_.wrote(*conn, caller.account);
  return *record;
}

void EndpointService::remove(const Principal& caller, const EndpointId& id) {
  auto conn = pool_.acquire();
  if (!db::delete_endpoint(*conn, caller.account, id)) throw no_such_endpoint(id);
  reads_.wrote(*conn, caller.account);
}

EndpointSecretView EndpointService::reveal_secret(const Principal& caller, const EndpointId& id) {
  require_scopes(caller.scopes, {"webhooks.endpoints:read", "webhooks.endpoints:manage"});
  std::optional<db::EndpointSecrets> found;
  {
    // The primary: a secret rolled a moment ago must be the one shown.
    auto conn = pool_.acquire();
    found = db::find_endpoint_secrets(*conn, caller.account, id);
  }
  if (!found) throw no_such_endpoint(id);
  auto secret = secrets_.open(found->current_sealed, db::endpoint_secret_binding(id));
  if (!secret) {
    // Sealed under a key this process lacks (HOOKGATE_SECRETS_KEYS): the
    // operator's to fix, and the deliveries would fail the same way.
    throw ApiError(Errc::internal, "The endpoint's signing secret cannot be opened with this server's keys.");
  }
  return EndpointSecretView{id, std::move(*secret), found->previous_expires_at};
}

EndpointWithSecret EndpointService::roll_secret(const Principal& caller, const EndpointId& id,
                                                std::optional<std::chrono::seconds> grace) {
  auto period = grace.value_or(limits_.default_secret_grace);
  auto secret = generate_signing_secret(random_);
  auto conn = pool_.acquire();
  auto sealed = secrets_.seal(secret, db::endpoint_secret_binding(id));
  if (!db::roll_endpoint_secret(*conn, caller.account, id, sealed, period)) throw no_such_endpoint(id);
  reads_.wrote(*conn, caller.account);
  auto record = db::find_endpoint(*conn, caller.account, id);
  if (!record) throw no_such_endpoint(id);
  return EndpointWithSecret{*record, secret};
}

}  // namespace hookgate

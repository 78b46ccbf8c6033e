#include "app/views.h"

#include "core/timefmt.h"

namespace hookgate::views {

namespace {

nlohmann::json optional_time(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(format_rfc3339(*time)) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json account(const db::AccountRecord& record) {
  return {{"id", record.id.str()},
          {"object", "account"},
          {"name", record.name},
          {"created", format_rfc3339(record.created)}};
}

nlohmann::json api_key(const db::KeyRecord& record, const Catalogue& catalogue) {
  auto effective = effective_scopes(record.kind, record.assigned, catalogue);
  return {{"id", record.id.str()},
          {"object", "api_key"},
          {"account", record.account.str()},
          {"kind", key_kind_name(record.kind)},
          {"description", record.description},
          {"prefix", record.display_prefix},
          {"scopes", record.assigned},
          {"effective_scopes", effective},
          {"created", format_rfc3339(record.created)},
          {"revoked", record.revoked.has_value()},
          {"revoked_at", optional_time(record.revoked)},
          {"last_used", optional_time(record.last_used)}};
}

nlohmann::json api_key_with_secret(const KeyWithSecret& created, const Catalogue& catalogue) {
  auto body = api_key(created.key, catalogue);
  body["secret"] = created.secret;
  return body;
}

nlohmann::json endpoint(const db::EndpointRecord& record, const Catalogue& catalogue) {
  nlohmann::json subscriptions = nlohmann::json::array();
  for (const auto& subscription : record.subscriptions) {
    auto status = subscription_status(subscription.pattern, subscription.key, catalogue);
    subscriptions.push_back({{"event", subscription.pattern},
                             {"authorized", status.authorized},
                             {"authorized_by", subscription.key.id},
                             {"authorized_at", format_rfc3339(subscription.authorized_at)},
                             {"unauthorized_reason", status.reason ? nlohmann::json(*status.reason) : nullptr},
                             {"missing_scopes", status.missing_scopes}});
  }
  return {{"id", record.id.str()},
          {"object", "webhook_endpoint"},
          {"url", record.url},
          {"description", record.description},
          {"enabled_events", record.patterns()},
          {"subscriptions", std::move(subscriptions)},
          {"status", record.enabled ? "enabled" : "disabled"},
          {"disabled_reason", record.disabled_reason ? nlohmann::json(*record.disabled_reason) : nullptr},
          {"metadata", record.metadata},
          {"created", format_rfc3339(record.created)}};
}

nlohmann::json endpoint_with_secret(const EndpointWithSecret& created, const Catalogue& catalogue) {
  auto body = endpoint(created.endpoint, catalogue);
  body["secret"] = created.secret;
  return body;
}

nlohmann::json event_type(const EventTypeDefinition& type, const ScopeSet& held) {
  return {{"object", "event_type"},
          {"name", type.name},
          {"description", type.description},
          {"required_scope", type.scope},
          {"subscribable", held.count(type.scope) != 0}};
}

nlohmann::json published_event(const PublishedEvent& event) {
  return {{"id", event.id.str()},
          {"object", "event"},
          {"account", event.account.str()},
          {"type", event.type},
          {"deliveries", event.deliveries},
          {"duplicate", event.duplicate}};
}

}  // namespace hookgate::views

#include "api/views.h"

#include "core/timefmt.h"

namespace hookgate::views {

namespace {

nlohmann::json optional_time(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(format_rfc3339(*time)) : nlohmann::json(nullptr);
}

// The one response that shows a secret: the one that created it.
nlohmann::json with_secret(nlohmann::json body, const std::string& secret) {
  body["secret"] = secret;
  return body;
}

}  // namespace

nlohmann::json account(const AccountRecord& record) {
  return {{"id", record.id.str()},
          {"object", "account"},
          {"name", record.name},
          {"created", format_rfc3339(record.created)}};
}

nlohmann::json api_key(const KeyRecord& record, const Catalogue& catalogue) {
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
  return with_secret(api_key(created.key, catalogue), created.secret);
}

nlohmann::json endpoint(const EndpointRecord& record, const Catalogue& catalogue) {
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
  return with_secret(endpoint(created.endpoint, catalogue), created.secret);
}

nlohmann::json endpoint_secret(const EndpointSecretView& view) {
  return {{"object", "webhook_endpoint_secret"},
          {"endpoint", view.endpoint.str()},
          {"secret", view.secret},
          {"previous_secret_expires_at", optional_time(view.previous_expires_at)}};
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

nlohmann::json delivery(const DeliverySummary& summary) {
  nlohmann::json last_attempt = nullptr;
  if (summary.last_attempt_at) {
    last_attempt = {{"at", format_rfc3339(*summary.last_attempt_at)},
                    {"status_code", summary.last_status_code ? nlohmann::json(*summary.last_status_code) : nullptr},
                    {"error", summary.last_error ? nlohmann::json(*summary.last_error) : nullptr}};
  }
  return {{"id", summary.id.str()},
          {"object", "webhook_delivery"},
          {"endpoint", summary.endpoint.str()},
          {"event", summary.event.str()},
          {"event_type", summary.event_type},
          {"status", summary.status},
          {"attempt_count", summary.attempt_count},
          {"last_attempt", std::move(last_attempt)},
          {"next_attempt_at", optional_time(summary.next_attempt_at)},
          {"created", format_rfc3339(summary.created)}};
}

nlohmann::json delivery_detail(const DeliveryView& view) {
  const auto& detail = view.detail;
  auto body = delivery(detail.summary);
  nlohmann::json attempts = nlohmann::json::array();
  for (const auto& attempt : detail.attempts) {
    auto optional_text = [](const std::optional<std::string>& text) {
      return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
    };
    attempts.push_back(
        {{"id", attempt.id.str()},
         {"object", "webhook_attempt"},
         {"attempt_number", attempt.attempt_number},
         {"started_at", format_rfc3339(attempt.started)},
         {"finished_at", optional_time(attempt.finished)},
         {"duration_ms", attempt.duration_us ? nlohmann::json(static_cast<double>(*attempt.duration_us) / 1000.0)
                                             : nullptr},
         // No outcome yet: the attempt is in flight (or its worker died and
         // the next claim will mark it interrupted).
         {"outcome", attempt.outcome.value_or("in_progress")},
         {"status_code", attempt.status_code ? nlohmann::json(*attempt.status_code) : nullptr},
         {"error", optional_text(attempt.error)},
         {"response_snippet", optional_text(attempt.response_snippet)}});
  }
  nlohmann::json retries = nlohmann::json::array();
  for (const auto& retry : detail.retries) {
    retries.push_back({{"requested_by", retry.requested_by.str()},
                       {"requested_at", format_rfc3339(retry.requested_at)},
                       {"retry_job", retry.retry_job ? nlohmann::json(retry.retry_job->str()) : nullptr}});
  }
  body["attempts"] = std::move(attempts);
  body["retries"] = std::move(retries);
  if (view.payload.visible) {
    body["payload"] = nlohmann::json::parse(detail.payload);
    body["payload_withheld"] = nullptr;
  } else {
    const auto& scope = view.payload.required_scope;
    body["payload"] = nullptr;
    body["payload_withheld"] = {
        {"required_scope", scope.empty() ? nlohmann::json(nullptr) : nlohmann::json(scope)},
        {"message", scope.empty() ? "The event type " + detail.summary.event_type +
                                        " is no longer in the catalogue, so no key can read its payload."
                                  : "The payload is shown only to keys that also hold " + scope + "."}};
  }
  return body;
}

nlohmann::json retry_job(const RetryJobRecord& job) {
  return {{"id", job.id.str()},
          {"object", "retry_job"},
          {"endpoint", job.endpoint.str()},
          {"status", job.status},
          {"since", format_rfc3339(job.since)},
          {"until", format_rfc3339(job.until)},
          {"total", job.total},
          {"done", job.done},
          {"failed", job.failed},
          {"skipped", job.skipped},
          {"requested_by", job.requested_by.str()},
          {"created", format_rfc3339(job.created)},
          {"completed_at", optional_time(job.completed)}};
}

nlohmann::json account_erasure(const AccountErasureRecord& job) {
  nlohmann::json erased = nlohmann::json::object();
  std::int64_t total = 0;
  for (const auto& [kind, count] : job.erased) {
    erased[kind] = count;
    total += count;
  }
  return {{"id", job.id.str()},
          {"object", "account_erasure"},
          {"account", job.account.str()},
          {"status", job.status},
          {"erased", std::move(erased)},
          {"erased_total", total},
          {"created", format_rfc3339(job.created)},
          {"completed_at", optional_time(job.completed)}};
}

}  // namespace hookgate::views

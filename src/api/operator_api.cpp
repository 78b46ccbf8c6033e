#include "api/operator_api.h"

#include "api/gate.h"
#include "api/request_decoding.h"
#include "api/views.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/json_body.h"
#include "core/timefmt.h"

namespace hookgate {

namespace {

class OperatorGuard {
 public:
  OperatorGuard(std::optional<std::string> token, OperatorThrottle throttle) : throttle_(std::move(throttle)) {
    if (token) token_hash_ = crypto::sha256(*token);
  }

  // Null when the request may go on; a 429 while the caller's address is
  // throttled and its token is wrong. Other refusals throw.
  std::optional<http::Response> check(const http::Request& request) const {
    if (token_matches(request)) return std::nullopt;
    auto client = client_address(request, throttle_.client_ip_header);
    if (auto wait = throttle_.failures.blocked(client)) {
      throttle_.failures.record_throttled();
      return auth_throttled_response(*wait, request);
    }
    throttle_.failures.record_failure(client);
    throw ApiError(Errc::invalid_operator_token, "The operator token is invalid.");
  }

 private:
  // Throws for a missing header or a disabled plane (nothing to guess there).
  bool token_matches(const http::Request& request) const {
    if (token_hash_.empty()) {
      throw ApiError(Errc::operator_plane_disabled,
                     "The operator plane is disabled: HOOKGATE_OPERATOR_TOKEN is not configured.");
    }
    auto header = request.header("Authorization");
    if (!header || request.header_count("Authorization") != 1) {
      throw ApiError(Errc::authentication_required, "Send the operator token as 'Authorization: Bearer <token>'.");
    }
    std::string_view value = *header;
    constexpr std::string_view scheme = "Bearer ";
    auto presented = value.size() > scheme.size() && value.substr(0, scheme.size()) == scheme
                         ? value.substr(scheme.size())
                         : std::string_view();
    // Comparing digests keeps the comparison's time independent of the token's length.
    auto digest = crypto::sha256(presented);
    return crypto::constant_time_equal(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()),
                                       std::string_view(reinterpret_cast<const char*>(token_hash_.data()),
                                                        token_hash_.size()));
  }

  OperatorThrottle throttle_;
  std::vector<unsigned char> token_hash_;
};

ScopeRequest scope_request(const nlohmann::json& body) {
  return ScopeRequest{json_body::optional_string_array(body, "scopes", 100).value_or(std::vector<std::string>{}),
                      json_body::optional_string(body, "bundle")};
}

http::Response json_ok(const nlohmann::json& body) { return http::json_response(200, body); }

PublishRequest decode_publish(const http::Request& request) {
  auto body = json_body::parse_object(request.body);
  json_body::reject_unknown(body, {"id", "account", "type", "data", "occurred_at"});
  auto account_text = json_body::required_string(body, "account");
  auto account = AccountId::parse(account_text);
  if (!account) throw invalid_parameter("account", "account must be an account id (acct_...).");
  PublishRequest publish{std::nullopt, *account, json_body::required_string(body, "type"), {}, std::nullopt};
  if (auto id_text = json_body::optional_string(body, "id")) {
    publish.id = EventId::parse(*id_text);
    if (!publish.id) throw invalid_parameter("id", "id must be evt_ followed by 1 to 64 letters or digits.");
  }
  if (!body.contains("data")) throw missing_parameter("data");
  publish.data = body["data"];
  if (auto when = json_body::optional_string(body, "occurred_at")) {
    publish.occurred_at = parse_rfc3339(*when);
    if (!publish.occurred_at) throw invalid_parameter("occurred_at", "occurred_at must be an RFC 3339 timestamp.");
  }
  return publish;
}

}  // namespace

void add_operator_routes(http::Router& router, OperatorServices services, std::optional<std::string> token,
                         OperatorThrottle throttle) {
  auto& service = services.accounts;
  auto& events = services.events;
  auto& erasures = services.erasures;
  auto guard = std::make_shared<OperatorGuard>(std::move(token), std::move(throttle));
  auto add = [&](std::string method, std::string pattern, std::string name,
                 std::function<http::Response(http::Request&)> handler) {
    router.add({std::move(method), std::move(pattern), std::move(name),
                [guard, handler = std::move(handler)](http::Request& request) {
                  if (auto refusal = guard->check(request)) return *refusal;
                  return handler(request);
                }});
  };
  auto catalogue = [&service] { return service.catalogue().require(); };

  add("POST", "/internal/v1/accounts", "operator.accounts.create", [&service](http::Request& request) {
    auto body = json_body::parse_object(request.body);
    json_body::reject_unknown(body, {"name"});
    return json_ok(views::account(service.create_account(json_body::required_string(body, "name"))));
  });

  // 202 with a new job; 200 with the same job when the erasure had begun.
  add("DELETE", "/internal/v1/accounts/{account}", "operator.accounts.erase", [&erasures](http::Request& request) {
    auto account = path_id<AccountId>(request, "account", "account");
    auto started = erasures.erase(account);
    return http::json_response(started.created ? 202 : 200, views::account_erasure(started.job));
  });

  add("GET", "/internal/v1/account_erasures/{id}", "operator.account_erasures.get", [&erasures](http::Request& request) {
    return json_ok(views::account_erasure(erasures.find(path_id<AccountErasureId>(request, "id", "account erasure"))));
  });

  add("POST", "/internal/v1/accounts/{account}/api_keys", "operator.api_keys.create",
      [&service, catalogue](http::Request& request) {
        auto account = path_id<AccountId>(request, "account", "account");
        auto body = json_body::parse_object(request.body);
        json_body::reject_unknown(body, {"kind", "scopes", "bundle", "description"});
        auto kind_text = json_body::required_string(body, "kind");
        auto kind = parse_key_kind(kind_text);
        if (!kind) throw invalid_parameter("kind", "kind must be \"pk\" or \"sk\".");
        auto request_scopes = scope_request(body);
        if (request_scopes.scopes.empty() && !request_scopes.bundle) {
          throw missing_parameter("scopes");
        }
        auto created = service.create_key(account, *kind, request_scopes,
                                          json_body::optional_string(body, "description").value_or(""));
        return json_ok(views::api_key_with_secret(created, *catalogue()));
      });

  add("GET", "/internal/v1/accounts/{account}/api_keys", "operator.api_keys.list",
      [&service, catalogue](http::Request& request) {
        auto account = path_id<AccountId>(request, "account", "account");
        auto page = service.list_keys(account, page_request(request));
        auto snapshot = catalogue();
        return json_ok(views::list(page, "/internal/v1/accounts/" + account.str() + "/api_keys",
                                   [&](const KeyRecord& key) { return views::api_key(key, *snapshot); }));
      });

  add("PATCH", "/internal/v1/api_keys/{id}", "operator.api_keys.update", [&service, catalogue](http::Request& request) {
    auto id = path_id<ApiKeyId>(request, "id", "API key");
    auto body = json_body::parse_object(request.body);
    json_body::reject_unknown(body, {"scopes", "bundle"});
    if (!body.contains("scopes") && !body.contains("bundle")) throw missing_parameter("scopes");
    return json_ok(views::api_key(service.replace_scopes(id, scope_request(body)), *catalogue()));
  });

  add("POST", "/internal/v1/api_keys/{id}/revoke", "operator.api_keys.revoke",
      [&service, catalogue](http::Request& request) {
        auto id = path_id<ApiKeyId>(request, "id", "API key");
        json_body::reject_unknown(json_body::parse_object(request.body), {});
        return json_ok(views::api_key(service.revoke_key(id), *catalogue()));
      });

  add("POST", "/internal/v1/api_keys/{id}/roll", "operator.api_keys.roll", [&service, catalogue](http::Request& request) {
    auto id = path_id<ApiKeyId>(request, "id", "API key");
    auto body = json_body::parse_object(request.body);
    json_body::reject_unknown(body, {"grace_period_seconds"});
    auto grace = json_body::optional_integer(body, "grace_period_seconds", 0, 7 * 24 * 3600).value_or(0);
    return json_ok(views::api_key_with_secret(service.roll_key(id, std::chrono::seconds(grace)), *catalogue()));
  });

  add("POST", "/internal/v1/events", "operator.events.publish", [&events](http::Request& request) {
    return json_ok(views::published_event(events.publish(decode_publish(request))));
  });
}

}  // namespace hookgate

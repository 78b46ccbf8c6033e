#include "support/api_fixture.h"

#include <stdexcept>
#include <thread>

namespace hookgate::testing {

namespace {

Headers with_key(const std::string& key, const Headers& extra, bool json_body) {
  Headers headers{{"Authorization", "Bearer " + key}};
  if (json_body) headers.emplace_back("Content-Type", "application/json");
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

CreatedKey created_key(nlohmann::json body) {
  CreatedKey key;
  key.id = body.at("id").get<std::string>();
  key.secret = body.at("secret").get<std::string>();
  key.body = std::move(body);
  return key;
}

}  // namespace

HttpResponse ApiFixture::operator_request(const std::string& method, const std::string& target,
                                          const std::optional<nlohmann::json>& body) const {
  Headers headers{{"Authorization", std::string("Bearer ") + kOperatorToken}};
  if (body) headers.emplace_back("Content-Type", "application/json");
  return request(port_, method, target, body ? body->dump() : std::string(), headers);
}

nlohmann::json ApiFixture::expect_ok(const std::string& method, const std::string& target,
                                     const nlohmann::json& body) const {
  auto response = operator_request(method, target, body);
  if (response.status != 200) {
    throw std::runtime_error(method + " " + target + " answered " + std::to_string(response.status) + ": " +
                             response.body);
  }
  return response.json();
}

std::string ApiFixture::create_account(const std::string& name) const {
  return expect_ok("POST", "/internal/v1/accounts", {{"name", name}}).at("id").get<std::string>();
}

CreatedKey ApiFixture::create_key(const std::string& account, const std::string& kind,
                                  const std::vector<std::string>& scopes,
                                  const std::optional<std::string>& bundle) const {
  nlohmann::json body = {{"kind", kind}};
  if (!scopes.empty()) body["scopes"] = scopes;
  if (bundle) body["bundle"] = *bundle;
  return created_key(expect_ok("POST", "/internal/v1/accounts/" + account + "/api_keys", body));
}

CreatedKey ApiFixture::create_account_and_key(const std::string& kind, const std::vector<std::string>& scopes,
                                              const std::optional<std::string>& bundle) const {
  return create_key(create_account(), kind, scopes, bundle);
}

std::string ApiFixture::publish_event(const std::string& account, const std::string& type,
                                      const nlohmann::json& data) const {
  return expect_ok("POST", "/internal/v1/events", {{"account", account}, {"type", type}, {"data", data}})
      .at("id")
      .get<std::string>();
}

nlohmann::json ApiFixture::revoke_key(const std::string& key_id) const {
  return expect_ok("POST", "/internal/v1/api_keys/" + key_id + "/revoke", nlohmann::json::object());
}

CreatedKey ApiFixture::roll_key(const std::string& key_id, long grace_period_seconds) const {
  return created_key(expect_ok("POST", "/internal/v1/api_keys/" + key_id + "/roll",
                               {{"grace_period_seconds", grace_period_seconds}}));
}

nlohmann::json ApiFixture::set_scopes(const std::string& key_id, const std::vector<std::string>& scopes) const {
  return expect_ok("PATCH", "/internal/v1/api_keys/" + key_id, {{"scopes", scopes}});
}

HttpResponse get(unsigned short port, const std::string& path, const std::string& key, const Headers& extra) {
  return request(port, "GET", path, "", with_key(key, extra, false));
}

HttpResponse post(unsigned short port, const std::string& path, const std::string& key, const nlohmann::json& body,
                  const Headers& extra) {
  return request(port, "POST", path, body.dump(), with_key(key, extra, true));
}

HttpResponse patch(unsigned short port, const std::string& path, const std::string& key, const nlohmann::json& body,
                   const Headers& extra) {
  return request(port, "PATCH", path, body.dump(), with_key(key, extra, true));
}

HttpResponse del(unsigned short port, const std::string& path, const std::string& key, const Headers& extra) {
  return request(port, "DELETE", path, "", with_key(key, extra, false));
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(interval);
  }
  return condition();
}

}  // namespace hookgate::testing

#pragma once
// Helpers for HTTP tests against a TestServer: the operator plane (accounts
// and keys, with the operator token) and the public API (with
// `Authorization: Bearer <key>`). Operator helpers throw std::runtime_error
// with the response when the server does not answer 200, so a broken set-up
// fails the test loudly instead of producing empty ids.

#include "support/http_client.h"
#include "support/test_server.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookgate::testing {

// Paths many API tests call.
inline const std::string kEndpointsPath = "/v1/webhook_endpoints";
inline const std::string kEventTypesPath = "/v1/event_types";

using Headers = std::vector<std::pair<std::string, std::string>>;

struct CreatedKey {
  std::string id;      // key_…
  std::string secret;  // the full key text (pk_…/sk_…), shown once
  nlohmann::json body; // the whole response object
};

class ApiFixture {
 public:
  explicit ApiFixture(TestServer& server) : port_(server.port()) {}
  explicit ApiFixture(unsigned short port) : port_(port) {}

  unsigned short port() const { return port_; }

  // Any operator-plane request with the operator token; no status check.
  HttpResponse operator_request(const std::string& method, const std::string& target,
                                const std::optional<nlohmann::json>& body = std::nullopt) const;

  // Returns the new account's id (acct_…).
  std::string create_account(const std::string& name = "test account") const;
  // kind is "pk" or "sk"; give scopes and/or a bundle.
  CreatedKey create_key(const std::string& account, const std::string& kind, const std::vector<std::string>& scopes,
                        const std::optional<std::string>& bundle = std::nullopt) const;
  // A fresh account plus one key in it.
  CreatedKey create_account_and_key(const std::string& kind, const std::vector<std::string>& scopes,
                                    const std::optional<std::string>& bundle = std::nullopt) const;
  nlohmann::json revoke_key(const std::string& key_id) const;
  CreatedKey roll_key(const std::string& key_id, long grace_period_seconds) const;
  nlohmann::json set_scopes(const std::string& key_id, const std::vector<std::string>& scopes) const;
  // Publishes an event through the operator plane; returns its id (evt_…).
  std::string publish_event(const std::string& account, const std::string& type, const nlohmann::json& data) const;

 private:
  nlohmann::json expect_ok(const std::string& method, const std::string& target, const nlohmann::json& body) const;

  unsigned short port_;
};

// Public API requests carrying `Authorization: Bearer <key>` (plus `extra`).
HttpResponse get(unsigned short port, const std::string& path, const std::string& key, const Headers& extra = {});
HttpResponse post(unsigned short port, const std::string& path, const std::string& key,
                  const nlohmann::json& body = nlohmann::json::object(), const Headers& extra = {});
HttpResponse patch(unsigned short port, const std::string& path, const std::string& key, const nlohmann::json& body,
                   const Headers& extra = {});
HttpResponse del(unsigned short port, const std::string& path, const std::string& key, const Headers& extra = {});

// Calls `condition` until it returns true or `timeout` passes (checking once
// more at the end); for effects that propagate asynchronously, such as cache
// invalidation by LISTEN/NOTIFY. Returns the last result.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(3),
                std::chrono::milliseconds interval = std::chrono::milliseconds(25));

}  // namespace hookgate::testing

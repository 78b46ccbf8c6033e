// The authorization matrix, generated rather than hand-listed: every /v1
// route the server registered × pk_/sk_ keys holding no scope, exactly one of
// the catalogue's scopes (read from Postgres), or one bundle. The expected
// outcome comes from the platform's reference page (docs/reference), so a
// requires_sk flag flipped in the data makes the matrix fail.

#include "domain/scopes.h"
#include "support/http_client.h"
#include "support/scope_reference.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <regex>

namespace hookgate::testing {
namespace {

struct KeyProfile {
  std::string label;
  KeyKind kind;
  ScopeRequest request;
  std::string secret;
  ScopeSet expected_effective;  // per the reference page
};

std::vector<std::string> column(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::read_transaction tx(conn);
  std::vector<std::string> out;
  for (const auto& row : tx.exec(sql)) out.push_back(row[0].as<std::string>());
  return out;
}

ScopeSet expected_effective(KeyKind kind, const std::vector<std::string>& assigned, const ScopeReference& ref) {
  ScopeSet out;
  for (const auto& scope : assigned) {
    if (kind == KeyKind::secret || !ref.requires_sk(scope)) out.insert(scope);
  }
  return out;
}

// Fills {placeholders} with well-formed ids that exist nowhere.
std::string concrete_path(const std::string& pattern) {
  static const std::regex placeholder(R"(\{[a-z_]+\})");
  return std::regex_replace(pattern, placeholder, "xx_matrixprobe000000000");
}

// Runs the whole matrix against a server and returns every disagreement.
std::vector<std::string> run_matrix(TestServer& server) {
  const auto ref = parse_scope_reference();
  const auto& url = server.config().database_url;
  auto account = server.app().operators().create_account("matrix");
  std::vector<KeyProfile> profiles;
  for (KeyKind kind : {KeyKind::publishable, KeyKind::secret}) {
    std::string prefix(key_kind_name(kind));
    profiles.push_back({prefix + " no scope", kind, {}, "", {}});
    for (const auto& scope : column(url, "SELECT name FROM scopes ORDER BY name")) {
      profiles.push_back({prefix + " " + scope, kind, {{scope}, std::nullopt}, "", {}});
    }
    for (const auto& bundle : column(url, "SELECT name FROM scope_bundles ORDER BY name")) {
      profiles.push_back({prefix + " bundle " + bundle, kind, {{}, bundle}, "", {}});
    }
  }
  for (auto& profile : profiles) {
    auto created = server.app().operators().create_key(account.id, profile.kind, profile.request, profile.label);
    profile.secret = created.secret;
    std::vector<std::string> assigned(created.key.assigned.begin(), created.key.assigned.end());
    profile.expected_effective = expected_effective(profile.kind, assigned, ref);
  }

  std::vector<std::string> mismatches;
  auto event_types = column(url, "SELECT name || ' ' || scope FROM event_types");
  for (const auto& route : server.app().api_route_specs()) {
    std::string path = concrete_path(route.pattern);
    std::string required(required_scope(route.method, route.scopes));
    for (const auto& profile : profiles) {
      auto response = request(server.port(), route.method, path, route.method == "GET" ? "" : "{}",
                              {{"Authorization", "Bearer " + profile.secret}});
      std::string where = route.method + " " + route.pattern + " with " + profile.label + ": ";
      bool allowed = required.empty() || profile.expected_effective.count(required) != 0;
      if (response.status == 401 || response.status >= 500) {
        mismatches.push_back(where + "status " + std::to_string(response.status));
      } else if (allowed && response.status == 403) {
        mismatches.push_back(where + "refused but the reference grants " + required);
      } else if (!allowed) {
        if (response.status != 403 || response.json()["error"]["required_scopes"] != nlohmann::json::array({required})) {
          mismatches.push_back(where + "expected 403 naming " + required + ", got " + std::to_string(response.status));
        }
      }
      // GET /v1/event_types also says, per type, whether the key could subscribe.
      if (route.pattern == "/v1/event_types" && response.status == 200) {
        auto body = response.json();
        for (const auto& item : body["data"]) {
          bool expected = profile.expected_effective.count(item["required_scope"].get<std::string>()) != 0;
          if (item["subscribable"].get<bool>() != expected) {
            mismatches.push_back(where + item["name"].get<std::string>() + " subscribable is wrong");
          }
        }
      }
    }
  }
  return mismatches;
}

TEST(AuthorizationMatrix, EveryRouteKeyKindAndScopeBehavesAsTheReferenceSays) {
  auto server = TestServer::start();
  ASSERT_FALSE(server->app().api_route_specs().empty());
  auto mismatches = run_matrix(*server);
  for (const auto& line : mismatches) ADD_FAILURE() << line;
}

// The matrix must be able to fail: flip one scope's requires_sk flag in the
// data and it has to notice.
TEST(AuthorizationMatrix, DetectsARequiresSkFlagFlippedInTheData) {
  auto url = fresh_database();
  {
    pqxx::connection conn(url);
    pqxx::work tx(conn);
    tx.exec("UPDATE scopes SET requires_sk = NOT requires_sk WHERE name = 'store.orders:read'");
    tx.commit();
  }
  TestServer server(test_config(url));
  auto mismatches = run_matrix(server);
  ASSERT_FALSE(mismatches.empty());
  bool names_flipped_scope = false;
  for (const auto& line : mismatches) names_flipped_scope |= line.find("store.orders:read") != std::string::npos;
  EXPECT_TRUE(names_flipped_scope);
}

}  // namespace
}  // namespace hookgate::testing

// The operator plane over HTTP (/internal/v1, authenticated by the operator
// token only) and the same operations as `hookgate` subcommands. Expected
// scopes come from the platform's scope reference, not from hookgate's data.

#include "app/config.h"
#include "support/api_fixture.h"
#include "support/hookgate_process.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/scope_reference.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <csignal>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace hookgate::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;
using Names = std::vector<std::string>;

const std::regex kSecretKey(R"(^(pk|sk)_[A-Za-z0-9_-]{43}$)");

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

Names names(const nlohmann::json& array) { return array.get<Names>(); }

Names sorted_union(Names a, const Names& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

class OperatorApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::start();
    api_.emplace(*server_);
  }

  unsigned short port() const { return server_->port(); }
  const ApiFixture& api() const { return *api_; }

  HttpResponse create_key_raw(const std::string& account, const nlohmann::json& body) {
    return api().operator_request("POST", "/internal/v1/accounts/" + account + "/api_keys", body);
  }

  Names store_bundle() const { return ref_.bundle_columns.at("store"); }
  Names without_sk_only(const Names& scopes) const {
    Names out;
    for (const auto& scope : scopes) {
      if (!ref_.requires_sk(scope)) out.push_back(scope);
    }
    return out;
  }

  ScopeReference ref_ = parse_scope_reference();
  std::unique_ptr<TestServer> server_;
  std::optional<ApiFixture> api_;
};

// --- The operator token -----------------------------------------------------

TEST_F(OperatorApiTest, MissingTokenIs401AuthenticationRequired) {
  auto create = request(port(), "POST", "/internal/v1/accounts", R"({"name":"x"})");
  EXPECT_EQ(create.status, 401);
  EXPECT_EQ(create.json()["error"]["code"], "AUTHENTICATION_REQUIRED");
  EXPECT_EQ(create.json()["error"]["type"], "authentication_error");

  auto account = api().create_account();
  auto list = request(port(), "GET", "/internal/v1/accounts/" + account + "/api_keys");
  EXPECT_EQ(list.status, 401);
  EXPECT_EQ(list.json()["error"]["code"], "AUTHENTICATION_REQUIRED");
}

TEST_F(OperatorApiTest, WrongTokenIs401InvalidOperatorToken) {
  const std::string token = kOperatorToken;
  const std::vector<std::string> values = {"Bearer wrong-token", "Bearer " + token + "x", "Bearer " + token.substr(1),
                                           "Basic " + token,       token,                 "Bearer  " + token,
                                           "Bearer"};
  for (const auto& value : values) {
    auto response = request(port(), "POST", "/internal/v1/accounts", R"({"name":"x"})", {{"Authorization", value}});
    EXPECT_EQ(response.status, 401) << value;
    EXPECT_EQ(response.json()["error"]["code"], "INVALID_OPERATOR_TOKEN") << value;
  }
}

TEST_F(OperatorApiTest, AnApiKeyIsNotAnOperatorToken) {
  auto key = api().create_account_and_key("sk", {}, "full");
  auto response = request(port(), "POST", "/internal/v1/accounts", R"({"name":"x"})",
                          {{"Authorization", "Bearer " + key.secret}});
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.json()["error"]["code"], "INVALID_OPERATOR_TOKEN");
}

TEST_F(OperatorApiTest, TheTokenSentTwiceIsRefused) {
  const std::string value = std::string("Bearer ") + kOperatorToken;
  auto response = request(port(), "POST", "/internal/v1/accounts", R"({"name":"x"})",
                          {{"Authorization", value}, {"Authorization", value}});
  EXPECT_EQ(response.status, 401);
}

TEST(OperatorApiDisabled, WithoutATokenThePlaneIs404OperatorPlaneDisabled) {
  auto server = TestServer::start([](Config& config) { config.operator_token = std::nullopt; });
  // Even the token tests normally use must not open it.
  for (const auto& headers : {Headers{}, Headers{{"Authorization", std::string("Bearer ") + kOperatorToken}}}) {
    auto create = request(server->port(), "POST", "/internal/v1/accounts", R"({"name":"x"})", headers);
    EXPECT_EQ(create.status, 404);
    EXPECT_EQ(create.json()["error"]["code"], "OPERATOR_PLANE_DISABLED");
    auto roll = request(server->port(), "POST", "/internal/v1/api_keys/key_abc/roll", "{}", headers);
    EXPECT_EQ(roll.status, 404);
    EXPECT_EQ(roll.json()["error"]["code"], "OPERATOR_PLANE_DISABLED");
  }
  // The public API still answers (with its own authentication).
  EXPECT_EQ(request(server->port(), "GET", "/v1/event_types").status, 401);
}

// --- Accounts ---------------------------------------------------------------

TEST_F(OperatorApiTest, CreatesAnAccount) {
  auto response = api().operator_request("POST", "/internal/v1/accounts", nlohmann::json{{"name", "Acme Ltd"}});
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  EXPECT_TRUE(std::regex_match(body["id"].get<std::string>(), std::regex("^acct_[A-Za-z0-9]+$"))) << body;
  EXPECT_EQ(body["object"], "account");
  EXPECT_EQ(body["name"], "Acme Ltd");
  EXPECT_TRUE(body["created"].is_string());

  auto second = api().create_account("Acme Ltd");
  EXPECT_NE(second, body["id"].get<std::string>());
}

TEST_F(OperatorApiTest, AccountWithoutANameIs400NamingIt) {
  auto response = api().operator_request("POST", "/internal/v1/accounts", nlohmann::json::object());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.json()["error"]["param"], "name");
  auto unknown = api().operator_request("POST", "/internal/v1/accounts", nlohmann::json{{"name", "x"}, {"nmae", "y"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["error"]["param"], "nmae");
}

// --- Creating keys ----------------------------------------------------------

TEST_F(OperatorApiTest, SecretKeyFromTheStoreBundle) {
  auto account = api().create_account();
  auto response = create_key_raw(account, {{"kind", "sk"}, {"bundle", "store"}});
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  auto secret = body["secret"].get<std::string>();
  EXPECT_TRUE(std::regex_match(secret, kSecretKey)) << secret;
  EXPECT_EQ(secret.rfind("sk_", 0), 0u);
  EXPECT_EQ(secret.size(), 3u + 43u);
  EXPECT_TRUE(std::regex_match(body["id"].get<std::string>(), std::regex("^key_[A-Za-z0-9]+$")));
  EXPECT_EQ(body["object"], "api_key");
  EXPECT_EQ(body["account"], account);
  EXPECT_EQ(body["kind"], "sk");
  EXPECT_EQ(body["revoked"], false);

  auto prefix = body["prefix"].get<std::string>();
  EXPECT_GT(prefix.size(), 3u);
  EXPECT_LE(prefix.size(), 12u);
  EXPECT_EQ(secret.rfind(prefix, 0), 0u) << prefix << " is not a prefix of the secret";

  EXPECT_THAT(names(body["scopes"]), UnorderedElementsAreArray(store_bundle()));
  // An sk_ key may use everything it holds.
  EXPECT_THAT(names(body["effective_scopes"]), UnorderedElementsAreArray(store_bundle()));
}

TEST_F(OperatorApiTest, PublishableKeyListsButDoesNotGrantSkOnlyScopes) {
  auto account = api().create_account();
  auto response = create_key_raw(account, {{"kind", "pk"}, {"bundle", "store"}});
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  auto secret = body["secret"].get<std::string>();
  EXPECT_TRUE(std::regex_match(secret, kSecretKey)) << secret;
  EXPECT_EQ(secret.rfind("pk_", 0), 0u);
  EXPECT_EQ(body["kind"], "pk");

  auto scopes = names(body["scopes"]);
  auto effective = names(body["effective_scopes"]);
  EXPECT_THAT(scopes, UnorderedElementsAreArray(store_bundle()));
  EXPECT_THAT(scopes, Contains("store.orders:write"));
  EXPECT_THAT(effective, Not(Contains("store.orders:write")));
  EXPECT_THAT(effective, Contains("store.orders:read"));
  EXPECT_THAT(effective, UnorderedElementsAreArray(without_sk_only(store_bundle())));
  EXPECT_LT(effective.size(), scopes.size());
}

TEST_F(OperatorApiTest, ExplicitScopesAndABundleCombine) {
  auto account = api().create_account();
  auto response =
      create_key_raw(account, {{"kind", "sk"}, {"scopes", {"pay.intents:read", "store.orders:read"}}, {"bundle", "store"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(names(response.json()["scopes"]),
              UnorderedElementsAreArray(sorted_union(store_bundle(), {"pay.intents:read"})));

  auto only_scopes =
      create_key_raw(account, {{"kind", "pk"}, {"scopes", {"pay.intents:read", "pay.intents:write"}}});
  ASSERT_EQ(only_scopes.status, 200) << only_scopes.body;
  EXPECT_THAT(names(only_scopes.json()["scopes"]),
              UnorderedElementsAreArray(Names{"pay.intents:read", "pay.intents:write"}));
  EXPECT_THAT(names(only_scopes.json()["effective_scopes"]), UnorderedElementsAreArray(Names{"pay.intents:read"}));
}

TEST_F(OperatorApiTest, UnknownScopesAre400NamingEveryOne) {
  auto account = api().create_account();
  auto response = create_key_raw(
      account, {{"kind", "sk"}, {"scopes", {"pay.intents:read", "pay.intents:admin", "store.orders:delete"}}});
  EXPECT_EQ(response.status, 400);
  auto error = response.json()["error"];
  EXPECT_EQ(error["code"], "INVALID_PARAMETER");
  EXPECT_EQ(error["param"], "scopes");
  EXPECT_THAT(names(error["unknown_scopes"]),
              UnorderedElementsAreArray(Names{"pay.intents:admin", "store.orders:delete"}));
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("pay.intents:admin"));
  // Nothing was created.
  auto list = api().operator_request("GET", "/internal/v1/accounts/" + account + "/api_keys");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.json()["data"].empty());
}

TEST_F(OperatorApiTest, UnknownBundleIs400NamingTheBundle) {
  auto account = api().create_account();
  auto response = create_key_raw(account, {{"kind", "sk"}, {"bundle", "everything"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.json()["error"]["code"], "INVALID_PARAMETER");
  EXPECT_EQ(response.json()["error"]["param"], "bundle");
  EXPECT_THAT(response.json()["error"]["message"].get<std::string>(), HasSubstr("everything"));
}

TEST_F(OperatorApiTest, InvalidKindOrNoScopesIs400) {
  auto account = api().create_account();
  auto bad_kind = create_key_raw(account, {{"kind", "rk"}, {"bundle", "store"}});
  EXPECT_EQ(bad_kind.status, 400);
  EXPECT_EQ(bad_kind.json()["error"]["param"], "kind");
  auto no_kind = create_key_raw(account, {{"bundle", "store"}});
  EXPECT_EQ(no_kind.status, 400);
  EXPECT_EQ(no_kind.json()["error"]["param"], "kind");
  auto nothing = create_key_raw(account, {{"kind", "sk"}});
  EXPECT_EQ(nothing.status, 400);
  EXPECT_EQ(nothing.json()["error"]["code"], "MISSING_PARAMETER");
}

TEST_F(OperatorApiTest, UnknownAccountIs404) {
  for (const std::string account : {"acct_doesnotexist000000000", "nope", "key_abc"}) {
    auto create = create_key_raw(account, {{"kind", "sk"}, {"bundle", "store"}});
    EXPECT_EQ(create.status, 404) << account;
    EXPECT_EQ(create.json()["error"]["code"], "RESOURCE_MISSING") << account;
    auto list = api().operator_request("GET", "/internal/v1/accounts/" + account + "/api_keys");
    EXPECT_EQ(list.status, 404) << account;
  }
}

// --- Listing keys -----------------------------------------------------------

TEST_F(OperatorApiTest, ListsKeysPaginatedWithoutSecrets) {
  auto account = api().create_account();
  std::vector<CreatedKey> keys;
  for (int i = 0; i < 3; ++i) keys.push_back(api().create_key(account, i == 0 ? "pk" : "sk", {}, "pay"));
  // Another account's key never shows up.
  auto other = api().create_account_and_key("sk", {}, "full");

  const std::string base = "/internal/v1/accounts/" + account + "/api_keys";
  auto first = api().operator_request("GET", base + "?limit=2");
  ASSERT_EQ(first.status, 200) << first.body;
  auto first_body = first.json();
  EXPECT_EQ(first_body["object"], "list");
  ASSERT_EQ(first_body["data"].size(), 2u);
  EXPECT_EQ(first_body["has_more"], true);

  auto last_id = first_body["data"][1]["id"].get<std::string>();
  auto rest = api().operator_request("GET", base + "?limit=2&starting_after=" + last_id);
  ASSERT_EQ(rest.status, 200) << rest.body;
  auto rest_body = rest.json();
  ASSERT_EQ(rest_body["data"].size(), 1u);
  EXPECT_EQ(rest_body["has_more"], false);

  std::set<std::string> seen;
  for (const auto* page : {&first_body, &rest_body}) {
    for (const auto& item : (*page)["data"]) {
      seen.insert(item["id"].get<std::string>());
      EXPECT_FALSE(item.contains("secret")) << item;
      EXPECT_TRUE(item.contains("prefix"));
      EXPECT_TRUE(item.contains("effective_scopes"));
      EXPECT_EQ(item["account"], account);
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{keys[0].id, keys[1].id, keys[2].id}));
  for (const auto& key : keys) {
    EXPECT_THAT(first.body + rest.body, Not(HasSubstr(key.secret.substr(3))));
  }

  auto everything = api().operator_request("GET", base);
  ASSERT_EQ(everything.status, 200);
  EXPECT_EQ(everything.json()["data"].size(), 3u);
  EXPECT_EQ(everything.json()["has_more"], false);
  EXPECT_THAT(everything.body, Not(HasSubstr(other.id)));
}

TEST_F(OperatorApiTest, ListWithABadCursorOrLimitIs400) {
  auto account = api().create_account();
  api().create_key(account, "sk", {}, "pay");
  auto other = api().create_account_and_key("sk", {}, "pay");
  const std::string base = "/internal/v1/accounts/" + account + "/api_keys";
  auto foreign_cursor = api().operator_request("GET", base + "?starting_after=" + other.id);
  EXPECT_EQ(foreign_cursor.status, 400);
  EXPECT_EQ(foreign_cursor.json()["error"]["param"], "starting_after");
  auto bad_limit = api().operator_request("GET", base + "?limit=0");
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_EQ(bad_limit.json()["error"]["param"], "limit");
}

// --- Revoke, scopes, roll ---------------------------------------------------

TEST_F(OperatorApiTest, RevokeSetScopesAndRollAnswerWithTheKey) {
  auto key = api().create_account_and_key("sk", {}, "store");

  auto updated = api().set_scopes(key.id, {"pay.intents:read"});
  EXPECT_THAT(names(updated["scopes"]), UnorderedElementsAreArray(Names{"pay.intents:read"}));
  EXPECT_FALSE(updated.contains("secret"));

  auto rolled = api().roll_key(key.id, 60);
  EXPECT_EQ(rolled.id, key.id);
  EXPECT_TRUE(std::regex_match(rolled.secret, kSecretKey));
  EXPECT_NE(rolled.secret, key.secret);
  EXPECT_EQ(rolled.secret.rfind("sk_", 0), 0u);
  EXPECT_EQ(rolled.secret.rfind(rolled.body["prefix"].get<std::string>(), 0), 0u);

  auto revoked = api().revoke_key(key.id);
  EXPECT_EQ(revoked["revoked"], true);
  EXPECT_TRUE(revoked["revoked_at"].is_string());
  EXPECT_FALSE(revoked.contains("secret"));

  auto roll_revoked = api().operator_request("POST", "/internal/v1/api_keys/" + key.id + "/roll",
                                             nlohmann::json{{"grace_period_seconds", 0}});
  EXPECT_EQ(roll_revoked.status, 409);

  auto unknown = api().operator_request("POST", "/internal/v1/api_keys/key_doesnotexist000/revoke",
                                        nlohmann::json::object());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json()["error"]["code"], "RESOURCE_MISSING");

  auto bad_grace = api().operator_request("POST", "/internal/v1/api_keys/" + key.id + "/roll",
                                          nlohmann::json{{"grace_period_seconds", -1}});
  EXPECT_EQ(bad_grace.status, 400);
  EXPECT_EQ(bad_grace.json()["error"]["param"], "grace_period_seconds");
}

// --- What Postgres stores ---------------------------------------------------

TEST_F(OperatorApiTest, PostgresStoresOnlyTheHashOfAKey) {
  auto key = api().create_account_and_key("sk", {}, "full");
  auto rolled = api().roll_key(key.id, 3600);  // two live secrets for one key
  pqxx::connection conn(server_->config().database_url);
  pqxx::read_transaction tx(conn);

  auto rows = tx.exec_params(
      "SELECT encode(secret_hash, 'hex'), display_prefix FROM api_key_secrets WHERE key_id = $1", key.id);
  std::set<std::string> hashes;
  for (const auto& row : rows) {
    hashes.insert(row[0].as<std::string>());
    auto prefix = row[1].as<std::string>();
    EXPECT_LE(prefix.size(), 12u);
    EXPECT_TRUE(key.secret.rfind(prefix, 0) == 0 || rolled.secret.rfind(prefix, 0) == 0) << prefix;
  }
  EXPECT_EQ(hashes, (std::set<std::string>{sha256_hex(key.secret), sha256_hex(rolled.secret)}));

  // No column of any table holds either key's text, or its random part.
  auto columns = tx.exec(
      "SELECT table_name, column_name FROM information_schema.columns "
      "WHERE table_schema = 'public' ORDER BY table_name, column_name");
  ASSERT_GT(columns.size(), 0u);
  bool saw_secret_table = false;
  for (const auto& column : columns) {
    auto table = column[0].as<std::string>();
    auto name = column[1].as<std::string>();
    saw_secret_table = saw_secret_table || table == "api_key_secrets";
    for (const auto& secret : {key.secret, rolled.secret}) {
      auto hits = tx.exec_params("SELECT count(*) FROM " + tx.quote_name(table) + " WHERE strpos(" +
                                     tx.quote_name(name) + "::text, $1) > 0",
                                 secret.substr(3));
      EXPECT_EQ(hits[0][0].as<long>(), 0) << table << "." << name << " contains a key";
    }
  }
  EXPECT_TRUE(saw_secret_table);
}

// --- The CLI ----------------------------------------------------------------

CliResult run_cli(const std::vector<std::string>& args, const std::string& database_url) {
  return run_hookgate(args, {{"HOOKGATE_DATABASE_URL", database_url}});
}

Names keys_in(const std::string& text, const std::string& kind) {
  static const std::regex key(R"((?:^|[^A-Za-z0-9_-])((pk|sk)_[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-]))");
  Names out;
  for (std::sregex_iterator it(text.begin(), text.end(), key), end; it != end; ++it) {
    if ((*it)[2] == kind) out.push_back((*it)[1]);
  }
  return out;
}

TEST_F(OperatorApiTest, CliCreatesAnAccountAndAKeyThatAuthenticates) {
  const auto& url = server_->config().database_url;
  auto account = run_cli({"accounts", "create", "--name", "x"}, url);
  ASSERT_TRUE(account.status.exited(0)) << account.description;
  auto account_json = nlohmann::json::parse(account.out);
  auto account_id = account_json["id"].get<std::string>();
  EXPECT_EQ(account_id.rfind("acct_", 0), 0u);
  EXPECT_EQ(account_json["name"], "x");

  auto key = run_cli({"keys", "create", "--account", account_id, "--kind", "sk", "--bundle", "store"}, url);
  ASSERT_TRUE(key.status.exited(0)) << key.description;
  auto key_json = nlohmann::json::parse(key.out);
  auto secret = key_json["secret"].get<std::string>();
  EXPECT_TRUE(std::regex_match(secret, kSecretKey)) << secret;
  EXPECT_EQ(secret.rfind("sk_", 0), 0u);
  EXPECT_EQ(key_json["account"], account_id);
  EXPECT_EQ(key_json["kind"], "sk");
  EXPECT_THAT(names(key_json["scopes"]), UnorderedElementsAreArray(store_bundle()));

  // The running server sees what the CLI wrote.
  auto listed = api().operator_request("GET", "/internal/v1/accounts/" + account_id + "/api_keys");
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json()["data"].size(), 1u);
  EXPECT_EQ(listed.json()["data"][0]["id"], key_json["id"]);
  auto event_types = get(port(), "/v1/event_types", secret);
  EXPECT_EQ(event_types.status, 200) << event_types.body;

  auto list_cli = run_cli({"keys", "list", "--account", account_id}, url);
  ASSERT_TRUE(list_cli.status.exited(0)) << list_cli.description;
  EXPECT_THAT(list_cli.out, HasSubstr(key_json["id"].get<std::string>()));
  EXPECT_THAT(list_cli.out, Not(HasSubstr(secret.substr(3))));
}

TEST_F(OperatorApiTest, CliRefusesAnUnknownBundleAndAccount) {
  const auto& url = server_->config().database_url;
  auto account = api().create_account();
  auto bad_bundle = run_cli({"keys", "create", "--account", account, "--kind", "sk", "--bundle", "everything"}, url);
  EXPECT_FALSE(bad_bundle.status.exited(0)) << bad_bundle.description;
  EXPECT_THAT(bad_bundle.err, HasSubstr("everything"));
  EXPECT_TRUE(keys_in(bad_bundle.out, "sk").empty());

  auto bad_account =
      run_cli({"keys", "create", "--account", "acct_doesnotexist000", "--kind", "sk", "--bundle", "store"}, url);
  EXPECT_FALSE(bad_account.status.exited(0)) << bad_account.description;
  EXPECT_THAT(bad_account.err, HasSubstr("RESOURCE_MISSING"));
}

TEST_F(OperatorApiTest, CliDemoCreatesItsKeysOnce) {
  const auto& url = server_->config().database_url;
  auto first = run_cli({"demo"}, url);
  ASSERT_TRUE(first.status.exited(0)) << first.description;
  auto sk = keys_in(first.out, "sk");
  auto pk = keys_in(first.out, "pk");
  ASSERT_EQ(sk.size(), 1u) << first.out;
  ASSERT_EQ(pk.size(), 1u) << first.out;

  auto with_sk = get(port(), "/v1/event_types", sk[0]);
  EXPECT_EQ(with_sk.status, 200) << with_sk.body;
  auto with_pk = get(port(), "/v1/event_types", pk[0]);
  EXPECT_EQ(with_pk.status, 200) << with_pk.body;

  auto second = run_cli({"demo"}, url);
  ASSERT_TRUE(second.status.exited(0)) << second.description;
  EXPECT_THAT(second.out, HasSubstr("already exists"));
  EXPECT_TRUE(keys_in(second.out, "sk").empty()) << second.out;
  EXPECT_TRUE(keys_in(second.out, "pk").empty()) << second.out;

  pqxx::connection conn(url);
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM accounts WHERE name = 'demo'")[0][0].as<long>(), 1);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM api_keys k JOIN accounts a ON a.id = k.account_id "
                    "WHERE a.name = 'demo'")[0][0]
                .as<long>(),
            2);
}

}  // namespace
}  // namespace hookgate::testing

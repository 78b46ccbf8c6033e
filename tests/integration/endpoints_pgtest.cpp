// Webhook endpoints over HTTP against a real Postgres: the gatekeeper rules of
// DESIGN §3 (1: subscribing needs the events' read scopes; 2: redirecting or
// re-enabling needs them too; 3: a subscription dies with its key's grant),
// the REST surface of §4 (shapes, secrets, pagination, filters) and account
// isolation. Servers run with private targets refused, as in production, so
// every URL here is a public https one (which needs no DNS at registration).

#include "db/sealed_columns.h"
#include "support/api_fixture.h"
#include "support/http_client.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hookgate::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
using json = nlohmann::json;
using Names = std::vector<std::string>;

const Names kManageOnly = {"webhooks.endpoints:manage", "webhooks.endpoints:read"};
const std::regex kRfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");

// Decoded length of standard base64 text, or nullopt when it is not base64.
std::optional<std::size_t> base64_decoded_length(const std::string& text) {
  static const std::regex shape(R"(^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$)");
  if (text.empty() || !std::regex_match(text, shape)) return std::nullopt;
  std::size_t padding = text.size() - text.find_last_not_of('=') - 1;
  return text.size() / 4 * 3 - padding;
}

void expect_signing_secret(const json& body) {
  ASSERT_TRUE(body.contains("secret")) << body.dump();
  ASSERT_TRUE(body["secret"].is_string());
  auto secret = body["secret"].get<std::string>();
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << secret;
  auto length = base64_decoded_length(secret.substr(6));
  ASSERT_TRUE(length.has_value()) << secret << " is not whsec_ + base64";
  EXPECT_GE(*length, 24u) << secret;
  EXPECT_LE(*length, 32u) << secret;
}

void expect_error(const HttpResponse& response, int status, const std::string& code,
                  const std::optional<std::string>& param = std::nullopt) {
  EXPECT_EQ(response.status, status) << response.body;
  ASSERT_TRUE(response.header("content-type").find("application/json") != std::string::npos) << response.body;
  const auto& error = response.json()["error"];
  EXPECT_EQ(error["code"], code) << response.body;
  if (param) {
    EXPECT_EQ(error["param"], *param) << response.body;
  }
}

void expect_scope_required(const HttpResponse& response, const Names& scopes) {
  expect_error(response, 403, "SCOPE_REQUIRED");
  EXPECT_EQ(response.json()["error"]["required_scopes"], json(scopes)) << response.body;
}

Names ids_of(const HttpResponse& list) {
  Names out;
  for (const auto& item : list.json()["data"]) out.push_back(item["id"].get<std::string>());
  return out;
}

const json* subscription(const json& endpoint, const std::string& event) {
  for (const auto& item : endpoint["subscriptions"]) {
    if (item["event"] == event) return &item;
  }
  return nullptr;
}

class EndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override { start_server([](Config&) {}); }

  void start_server(const std::function<void(Config&)>& adjust) {
    server_ = TestServer::start([&](Config& config) {
      config.allow_private_targets = false;
      adjust(config);
    });
    api_.emplace(*server_);
  }

  unsigned short port() const { return server_->port(); }
  ApiFixture& api() { return *api_; }

  HttpResponse create(const std::string& key, const Names& events,
                      const std::string& url = "https://example.com/hooks", json extra = json::object()) {
    json body = {{"url", url}, {"enabled_events", events}};
    body.update(extra);
    return post(port(), kEndpointsPath, key, body);
  }

  // Creates an endpoint and returns its JSON; throws when refused so a
  // broken set-up fails loudly.
  json create_ok(const std::string& key, const Names& events, const std::string& url = "https://example.com/hooks",
                 json extra = json::object()) {
    auto response = create(key, events, url, std::move(extra));
    if (response.status != 200) {
      throw std::runtime_error("create answered " + std::to_string(response.status) + ": " + response.body);
    }
    return response.json();
  }

  json retrieve_ok(const std::string& key, const std::string& id) {
    auto response = get(port(), kEndpointsPath + "/" + id, key);
    if (response.status != 200) {
      throw std::runtime_error("retrieve answered " + std::to_string(response.status) + ": " + response.body);
    }
    return response.json();
  }

  HttpResponse update(const std::string& key, const std::string& id, const json& body) {
    return patch(port(), kEndpointsPath + "/" + id, key, body);
  }

  // Each stored secret, opened, with the seconds until it stops signing
  // (nullopt while current).
  std::map<std::string, std::optional<double>> stored_secrets(const std::string& endpoint_id) {
    pqxx::connection conn(server_->config().database_url);
    pqxx::read_transaction tx(conn);
    std::map<std::string, std::optional<double>> out;
    auto binding = db::endpoint_secret_binding(EndpointId::from_trusted(endpoint_id));
    for (const auto& row : tx.exec_params("SELECT sealed_secret, extract(epoch FROM expires_at - now())::float8 "
                                          "FROM endpoint_secrets WHERE endpoint_id = $1",
                                          endpoint_id)) {
      auto secret = server_->config().secrets_keys.open(pqxx::binarystring(row[0]).str(), binding);
      if (!secret) throw std::runtime_error("a stored secret of " + endpoint_id + " does not open");
      out[*secret] = row[1].is_null() ? std::nullopt : std::optional<double>(row[1].as<double>());
    }
    return out;
  }

  std::vector<std::string> secrets_in_database(const std::string& endpoint_id) {
    Names out;
    for (const auto& [secret, expiry] : stored_secrets(endpoint_id)) out.push_back(secret);
    return out;
  }

  std::optional<double> seconds_until_expiry(const std::string& endpoint_id, const std::string& secret) {
    return stored_secrets(endpoint_id).at(secret);
  }

  std::unique_ptr<TestServer> server_;
  std::optional<ApiFixture> api_;
};

// ---------------------------------------------------------------------------
// Shape

TEST_F(EndpointsTest, CreateReturns200WithTheEndpointObjectAndItsSecret) {
  auto key = api().create_account_and_key("sk", {}, "store");
  auto response = create(key.secret, {"order.accepted", "inventory.*"}, "https://Example.COM/hooks?x=1",
                         {{"description", "orders"}, {"metadata", {{"team", "fulfilment"}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  const auto& body = response.json();
  EXPECT_EQ(body["object"], "webhook_endpoint");
  ASSERT_TRUE(body["id"].is_string());
  EXPECT_TRUE(std::regex_match(body["id"].get<std::string>(), std::regex("^we_[A-Za-z0-9]+$"))) << body["id"];
  EXPECT_EQ(body["url"], "https://example.com/hooks?x=1");
  EXPECT_EQ(body["description"], "orders");
  EXPECT_EQ(body["metadata"], json({{"team", "fulfilment"}}));
  EXPECT_EQ(body["status"], "enabled");
  EXPECT_TRUE(body["disabled_reason"].is_null());
  EXPECT_TRUE(std::regex_match(body["created"].get<std::string>(), kRfc3339)) << body["created"];
  EXPECT_THAT(body["enabled_events"].get<Names>(), ::testing::UnorderedElementsAre("order.accepted", "inventory.*"));
  ASSERT_EQ(body["subscriptions"].size(), 2u);
  for (const auto& item : body["subscriptions"]) {
    EXPECT_TRUE(item["authorized"].get<bool>()) << item;
    EXPECT_EQ(item["authorized_by"], key.id) << item;
    EXPECT_TRUE(std::regex_match(item["authorized_at"].get<std::string>(), kRfc3339)) << item;
    EXPECT_TRUE(item["unauthorized_reason"].is_null()) << item;
    EXPECT_EQ(item["missing_scopes"], json::array()) << item;
  }
  expect_signing_secret(body);

  // What GET returns is the same object, minus the secret.
  auto fetched = retrieve_ok(key.secret, body["id"].get<std::string>());
  auto without_secret = body;
  without_secret.erase("secret");
  EXPECT_EQ(fetched, without_secret);
}

// ---------------------------------------------------------------------------
// Rule 1: subscribing needs the read scope of every event type added

TEST_F(EndpointsTest, PayKeyCannotSubscribeToOrderEvents) {
  auto key = api().create_account_and_key("sk", {}, "pay");
  expect_scope_required(create(key.secret, {"order.accepted"}), {"store.orders:read"});
  // Lacking both: both named in one 403, whatever the order they are listed in.
  expect_scope_required(create(key.secret, {"order.accepted", "ledger.entry.created"}),
                        {"enterprise.ledger:read", "store.orders:read"});
  expect_scope_required(create(key.secret, {"ledger.entry.created", "payment_intent.created", "order.accepted"}),
                        {"enterprise.ledger:read", "store.orders:read"});
  // A key holding neither read scope, only manage: same answer.
  auto manage_only = api().create_key(key.body["account"].get<std::string>(), "sk", kManageOnly);
  expect_scope_required(create(manage_only.secret, {"order.accepted", "ledger.entry.created"}),
                        {"enterprise.ledger:read", "store.orders:read"});
  // Nothing was created; what the key may subscribe to still works.
  auto list = get(port(), kEndpointsPath, key.secret);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(list.json()["data"].empty()) << list.body;
  EXPECT_EQ(create(key.secret, {"payment_intent.succeeded"}).status, 200);
}

TEST_F(EndpointsTest, PublishableKeyCannotManageEndpointsButCanReadThem) {
  auto account = api().create_account();
  auto sk = api().create_key(account, "sk", {}, "store");
  auto pk = api().create_key(account, "pk", {}, "full");
  auto endpoint = create_ok(sk.secret, {"order.accepted"});
  std::string id = endpoint["id"];

  expect_scope_required(create(pk.secret, {"order.accepted"}), {"webhooks.endpoints:manage"});
  expect_scope_required(create(pk.secret, {"payment_intent.created"}), {"webhooks.endpoints:manage"});
  expect_scope_required(update(pk.secret, id, {{"description", "x"}}), {"webhooks.endpoints:manage"});
  expect_scope_required(post(port(), kEndpointsPath + "/" + id + "/secret/roll", pk.secret),
                        {"webhooks.endpoints:manage"});
  expect_scope_required(del(port(), kEndpointsPath + "/" + id, pk.secret), {"webhooks.endpoints:manage"});

  auto list = get(port(), kEndpointsPath, pk.secret);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(ids_of(list), Names{id});
  EXPECT_FALSE(list.json()["data"][0].contains("secret"));
  auto fetched = get(port(), kEndpointsPath + "/" + id, pk.secret);
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  EXPECT_EQ(fetched.json()["description"], "");
  EXPECT_EQ(fetched.json()["status"], "enabled");
  EXPECT_FALSE(fetched.json().contains("secret"));
}

TEST_F(EndpointsTest, WildcardsNeedTheScopesOfEveryTypeTheyMatch) {
  auto account = api().create_account();
  auto pay = api().create_key(account, "sk", {}, "pay");
  auto store = api().create_key(account, "sk", {}, "store");
  auto full = api().create_key(account, "sk", {}, "full");

  expect_scope_required(create(pay.secret, {"order.*"}), {"store.orders:read"});
  auto family = create(store.secret, {"order.*"});
  ASSERT_EQ(family.status, 200) << family.body;
  EXPECT_EQ(family.json()["enabled_events"], json({"order.*"}));

  auto everything = create(store.secret, {"*"});
  expect_error(everything, 403, "SCOPE_REQUIRED");
  auto required = everything.json()["error"]["required_scopes"].get<Names>();
  EXPECT_THAT(required, Contains("pay.intents:read"));
  EXPECT_THAT(required, Contains("enterprise.transfers:read"));
  EXPECT_THAT(required, Contains("enterprise.ledger:read"));
  EXPECT_THAT(required, Not(Contains("store.orders:read"))) << "the store key holds it";
  EXPECT_TRUE(std::is_sorted(required.begin(), required.end()));

  expect_scope_required(create(pay.secret, {"*"}), {"enterprise.ledger:read", "enterprise.transfers:read",
                                                    "store.inventory:read", "store.orders:read",
                                                    "store.products:read"});

  auto all = create(full.secret, {"*"});
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["enabled_events"], json({"*"}));
  const auto* star = subscription(all.json(), "*");
  ASSERT_NE(star, nullptr);
  EXPECT_TRUE((*star)["authorized"].get<bool>());
  EXPECT_EQ((*star)["authorized_by"], full.id);
}

// ---------------------------------------------------------------------------
// Rule 2: manage alone may edit, disable and delete, but not redirect

TEST_F(EndpointsTest, ManageOnlyKeyCanEditDisableAndDeleteButNotRedirectOrReEnable) {
  auto account = api().create_account();
  auto store = api().create_key(account, "sk", {}, "store");
  auto manage = api().create_key(account, "sk", kManageOnly);
  auto endpoint = create_ok(store.secret, {"order.*"}, "https://example.com/orders");
  std::string id = endpoint["id"];

  auto renamed = update(manage.secret, id, {{"description", "renamed by manage"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json()["description"], "renamed by manage");
  EXPECT_FALSE(renamed.json().contains("secret"));
  // Editing does not re-attribute the subscription.
  EXPECT_EQ((*subscription(renamed.json(), "order.*"))["authorized_by"], store.id);

  auto meta = update(manage.secret, id, {{"metadata", {{"a", "1"}, {"b", "2"}}}});
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(meta.json()["metadata"], json({{"a", "1"}, {"b", "2"}}));
  meta = update(manage.secret, id, {{"metadata", {{"a", nullptr}, {"c", "3"}}}});
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(meta.json()["metadata"], json({{"b", "2"}, {"c", "3"}})) << "metadata merges; null removes a key";

  expect_scope_required(update(manage.secret, id, {{"url", "https://attacker.example.net/steal"}}),
                        {"store.orders:read"});
  expect_scope_required(update(manage.secret, id, {{"enabled_events", {"order.*", "product.created"}}}),
                        {"store.products:read"});
  expect_scope_required(update(manage.secret, id, {{"enabled_events", {"order.*", "order.accepted"}}}),
                        {"store.orders:read"});
  // A refused PATCH changes nothing, not even the parts it was allowed to.
  expect_scope_required(
      update(manage.secret, id, {{"url", "https://attacker.example.net/steal"}, {"description", "sneaky"}}),
      {"store.orders:read"});
  auto unchanged = retrieve_ok(manage.secret, id);
  EXPECT_EQ(unchanged["url"], "https://example.com/orders");
  EXPECT_EQ(unchanged["description"], "renamed by manage");
  EXPECT_EQ(unchanged["enabled_events"], json({"order.*"}));

  auto disabled = update(manage.secret, id, {{"disabled", true}});
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_EQ(disabled.json()["status"], "disabled");
  EXPECT_TRUE(disabled.json()["disabled_reason"].is_string());

  expect_scope_required(update(manage.secret, id, {{"disabled", false}}), {"store.orders:read"});
  EXPECT_EQ(retrieve_ok(manage.secret, id)["status"], "disabled");
  // Disabling again is not re-enabling: allowed.
  EXPECT_EQ(update(manage.secret, id, {{"disabled", true}}).status, 200);

  // The key holding the read scope can re-enable.
  auto enabled = update(store.secret, id, {{"disabled", false}});
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  EXPECT_EQ(enabled.json()["status"], "enabled");
  EXPECT_TRUE(enabled.json()["disabled_reason"].is_null());
  // {"disabled": false} on an enabled endpoint re-enables nothing: allowed.
  EXPECT_EQ(update(manage.secret, id, {{"disabled", false}}).status, 200);

  auto deleted = del(port(), kEndpointsPath + "/" + id, manage.secret);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json(), json({{"id", id}, {"object", "webhook_endpoint"}, {"deleted", true}}));
  expect_error(get(port(), kEndpointsPath + "/" + id, store.secret), 404, "RESOURCE_MISSING");
  expect_error(del(port(), kEndpointsPath + "/" + id, manage.secret), 404, "RESOURCE_MISSING");
}

TEST_F(EndpointsTest, ManageOnlyKeyMayRemoveEventTypesButNotAddThem) {
  auto account = api().create_account();
  auto store = api().create_key(account, "sk", {}, "store");
  auto manage = api().create_key(account, "sk", kManageOnly);
  std::string id = create_ok(store.secret, {"order.accepted", "order.created", "product.created"})["id"];

  auto narrowed = update(manage.secret, id, {{"enabled_events", {"order.accepted"}}});
  ASSERT_EQ(narrowed.status, 200) << narrowed.body;
  EXPECT_EQ(narrowed.json()["enabled_events"], json({"order.accepted"}));
  expect_scope_required(update(manage.secret, id, {{"enabled_events", {"order.accepted", "order.created"}}}),
                        {"store.orders:read"});
}

TEST_F(EndpointsTest, KeyWithTheScopesCanRedirectAndPatchReplacesEventTypes) {
  auto account = api().create_account();
  auto store = api().create_key(account, "sk", {}, "store");
  auto full = api().create_key(account, "sk", {}, "full");
  std::string id = create_ok(store.secret, {"order.*", "product.created"})["id"];

  auto moved = update(store.secret, id, {{"url", "https://hooks.example.org/v2"}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.json()["url"], "https://hooks.example.org/v2");

  // The list is replaced: dropped types go, kept ones keep their authorizer,
  // new ones are authorized by the caller.
  auto replaced = update(full.secret, id, {{"enabled_events", {"order.*", "ledger.entry.created"}}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  const auto& body = replaced.json();
  EXPECT_THAT(body["enabled_events"].get<Names>(),
              ::testing::UnorderedElementsAre("order.*", "ledger.entry.created"));
  ASSERT_NE(subscription(body, "order.*"), nullptr);
  EXPECT_EQ((*subscription(body, "order.*"))["authorized_by"], store.id);
  ASSERT_NE(subscription(body, "ledger.entry.created"), nullptr);
  EXPECT_EQ((*subscription(body, "ledger.entry.created"))["authorized_by"], full.id);
  EXPECT_EQ(subscription(body, "product.created"), nullptr);
}

// ---------------------------------------------------------------------------
// Rule 3: a subscription lives only as long as its key's grant

TEST_F(EndpointsTest, RevokingTheAuthorizingKeyUnauthorizesItsSubscriptionsUntilReAuthorized) {
  auto account = api().create_account();
  auto store = api().create_key(account, "sk", {}, "store");
  auto full = api().create_key(account, "sk", {}, "full");
  auto endpoint = create_ok(store.secret, {"order.*"});
  std::string id = endpoint["id"];
  std::string first_authorized_at = (*subscription(endpoint, "order.*"))["authorized_at"];
  std::string other = create_ok(full.secret, {"payment_intent.created"})["id"];

  api().revoke_key(store.id);
  auto fetched = retrieve_ok(full.secret, id);
  const auto* orders = subscription(fetched, "order.*");
  ASSERT_NE(orders, nullptr);
  EXPECT_FALSE((*orders)["authorized"].get<bool>()) << fetched;
  EXPECT_EQ((*orders)["unauthorized_reason"], "key_revoked");
  EXPECT_EQ((*orders)["authorized_by"], store.id);
  // The list shows the same; other keys' subscriptions are untouched.
  auto list = get(port(), kEndpointsPath, full.secret);
  ASSERT_EQ(list.status, 200) << list.body;
  for (const auto& item : list.json()["data"]) {
    bool expected = item["id"] != id;
    EXPECT_EQ(item["subscriptions"][0]["authorized"].get<bool>(), expected) << item;
  }
  EXPECT_TRUE((*subscription(retrieve_ok(full.secret, other), "payment_intent.created"))["authorized"].get<bool>());

  // Re-authorization: another key holding the scope lists the same types.
  auto renewed = update(full.secret, id, {{"enabled_events", {"order.*"}}});
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  const auto* renewed_orders = subscription(renewed.json(), "order.*");
  ASSERT_NE(renewed_orders, nullptr);
  EXPECT_TRUE((*renewed_orders)["authorized"].get<bool>()) << renewed.body;
  EXPECT_EQ((*renewed_orders)["authorized_by"], full.id);
  EXPECT_TRUE((*renewed_orders)["unauthorized_reason"].is_null());
  EXPECT_NE((*renewed_orders)["authorized_at"].get<std::string>(), first_authorized_at);
  EXPECT_EQ(retrieve_ok(full.secret, id)["subscriptions"], renewed.json()["subscriptions"]);
}

TEST_F(EndpointsTest, DroppingTheScopeFromTheAuthorizingKeyMarksScopeMissing) {
  auto account = api().create_account();
  auto store = api().create_key(account, "sk", {}, "store");
  auto manage = api().create_key(account, "sk", kManageOnly);
  auto orders_key = api().create_key(account, "sk",
                                     {"webhooks.endpoints:manage", "webhooks.endpoints:read", "store.orders:read"});
  std::string id = create_ok(store.secret, {"order.*", "product.created"})["id"];

  api().set_scopes(store.id, {"webhooks.endpoints:manage", "webhooks.endpoints:read", "store.products:read"});
  auto fetched = retrieve_ok(manage.secret, id);
  const auto* orders = subscription(fetched, "order.*");
  const auto* products = subscription(fetched, "product.created");
  ASSERT_NE(orders, nullptr);
  ASSERT_NE(products, nullptr);
  EXPECT_FALSE((*orders)["authorized"].get<bool>()) << fetched;
  EXPECT_EQ((*orders)["unauthorized_reason"], "scope_missing");
  EXPECT_EQ((*orders)["missing_scopes"], json({"store.orders:read"}));
  EXPECT_TRUE((*products)["authorized"].get<bool>()) << fetched;

  // A key that cannot vouch for order.* may list it again, but that does not
  // re-authorize it.
  auto relisted = update(manage.secret, id, {{"enabled_events", {"order.*", "product.created"}}});
  ASSERT_EQ(relisted.status, 200) << relisted.body;
  EXPECT_FALSE((*subscription(relisted.json(), "order.*"))["authorized"].get<bool>()) << relisted.body;
  EXPECT_EQ((*subscription(relisted.json(), "order.*"))["authorized_by"], store.id);

  // One that holds the scope does; the still-authorized type keeps its key.
  auto renewed = update(orders_key.secret, id, {{"enabled_events", {"order.*", "product.created"}}});
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  const auto& body = renewed.json();
  EXPECT_TRUE((*subscription(body, "order.*"))["authorized"].get<bool>()) << renewed.body;
  EXPECT_EQ((*subscription(body, "order.*"))["authorized_by"], orders_key.id);
  EXPECT_EQ((*subscription(body, "order.*"))["missing_scopes"], json::array());
  EXPECT_TRUE((*subscription(body, "product.created"))["authorized"].get<bool>());
  EXPECT_EQ((*subscription(body, "product.created"))["authorized_by"], store.id);
}

// A type may leave the catalogue (it is data); a subscription to it needs no
// scope any more and stays authorized, as the SQL fan-out judges it
// (rule3_parity_pgtest). The endpoint must still be shown.
TEST_F(EndpointsTest, SubscriptionToATypeThatLeftTheCatalogueStaysAuthorized) {
  auto key = api().create_account_and_key("sk", {}, "store");
  std::string id = create_ok(key.secret, {"webhook_endpoint.disabled", "order.accepted"})["id"];

  run_sql(server_->config().database_url, "DELETE FROM event_types WHERE name = 'webhook_endpoint.disabled'");
  ASSERT_TRUE(eventually([&] {
    auto types = get(port(), kEventTypesPath, key.secret);
    return types.status == 200 && types.body.find("webhook_endpoint.disabled") == std::string::npos;
  })) << "the catalogue was not reloaded";

  auto fetched = get(port(), kEndpointsPath + "/" + id, key.secret);
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  const auto* gone = subscription(fetched.json(), "webhook_endpoint.disabled");
  ASSERT_NE(gone, nullptr) << fetched.body;
  EXPECT_TRUE((*gone)["authorized"].get<bool>()) << fetched.body;
  EXPECT_EQ((*gone)["missing_scopes"], json::array());
  EXPECT_TRUE((*subscription(fetched.json(), "order.accepted"))["authorized"].get<bool>());
}

// ---------------------------------------------------------------------------
// Secrets

TEST_F(EndpointsTest, SecretIsReturnedOnCreateAndRollOnly) {
  auto key = api().create_account_and_key("sk", {}, "store");
  auto created = create_ok(key.secret, {"order.created"});
  expect_signing_secret(created);
  std::string id = created["id"];
  std::string first = created["secret"];
  EXPECT_EQ(secrets_in_database(id), Names{first});

  EXPECT_FALSE(retrieve_ok(key.secret, id).contains("secret"));
  auto list = get(port(), kEndpointsPath, key.secret);
  ASSERT_EQ(list.status, 200) << list.body;
  for (const auto& item : list.json()["data"]) EXPECT_FALSE(item.contains("secret")) << item;
  auto patched = update(key.secret, id, {{"description", "x"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(patched.json().contains("secret"));

  auto rolled = post(port(), kEndpointsPath + "/" + id + "/secret/roll", key.secret);
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  expect_signing_secret(rolled.json());
  EXPECT_EQ(rolled.json()["id"], id);
  EXPECT_EQ(rolled.json()["object"], "webhook_endpoint");
  std::string second = rolled.json()["secret"];
  EXPECT_NE(second, first);
  EXPECT_FALSE(retrieve_ok(key.secret, id).contains("secret"));

  // Default grace: the old secret keeps signing for 24 h; the new one is current.
  auto old_expiry = seconds_until_expiry(id, first);
  ASSERT_TRUE(old_expiry.has_value());
  EXPECT_NEAR(*old_expiry, 24 * 3600, 120);
  EXPECT_FALSE(seconds_until_expiry(id, second).has_value());
}

TEST_F(EndpointsTest, SecretRollGracePeriodIsBounded) {
  auto key = api().create_account_and_key("sk", {}, "store");
  std::string id = create_ok(key.secret, {"order.created"})["id"];
  auto roll = [&](const json& body) { return post(port(), kEndpointsPath + "/" + id + "/secret/roll", key.secret, body); };

  for (const json& bad : {json(-1), json(604801), json("60"), json(60.5), json(nullptr), json(true)}) {
    SCOPED_TRACE(bad.dump());
    expect_error(roll({{"grace_period_seconds", bad}}), 400, "INVALID_PARAMETER", "grace_period_seconds");
  }
  expect_error(roll({{"grace", 60}}), 400, "UNKNOWN_PARAMETER", "grace");
  EXPECT_EQ(secrets_in_database(id).size(), 1u) << "refused rolls must not roll";

  auto week = roll({{"grace_period_seconds", 604800}});
  ASSERT_EQ(week.status, 200) << week.body;
  std::string current = week.json()["secret"];
  auto zero = roll({{"grace_period_seconds", 0}});
  ASSERT_EQ(zero.status, 200) << zero.body;
  auto expiry = seconds_until_expiry(id, current);
  ASSERT_TRUE(expiry.has_value());
  EXPECT_LE(*expiry, 1.0) << "grace 0 retires the old secret at once";
}

// ---------------------------------------------------------------------------
// Account isolation and the order of checks

TEST_F(EndpointsTest, AnotherAccountsEndpointIsNotFoundOnEveryRouteAndStaysUnchanged) {
  auto a = api().create_account_and_key("sk", {}, "store");
  auto b = api().create_account_and_key("sk", {}, "full");
  auto created = create_ok(a.secret, {"order.*"}, "https://example.com/a", {{"metadata", {{"k", "v"}}}});
  std::string id = created["id"];
  auto before = retrieve_ok(a.secret, id);
  std::string path = kEndpointsPath + "/" + id;

  expect_error(get(port(), path, b.secret), 404, "RESOURCE_MISSING");
  expect_error(update(b.secret, id, {{"description", "mine now"}}), 404, "RESOURCE_MISSING");
  expect_error(update(b.secret, id, {{"url", "https://attacker.example.net/"}}), 404, "RESOURCE_MISSING");
  expect_error(update(b.secret, id, {{"disabled", true}}), 404, "RESOURCE_MISSING");
  expect_error(update(b.secret, id, {{"enabled_events", {"*"}}}), 404, "RESOURCE_MISSING");
  expect_error(post(port(), path + "/secret/roll", b.secret), 404, "RESOURCE_MISSING");
  expect_error(del(port(), path, b.secret), 404, "RESOURCE_MISSING");
  // A's endpoint id is no cursor in B's list either.
  auto cursor = get(port(), kEndpointsPath + "?starting_after=" + id, b.secret);
  EXPECT_EQ(cursor.status / 100, 4) << cursor.body;
  EXPECT_NE(cursor.status, 200);

  EXPECT_EQ(retrieve_ok(a.secret, id), before);
  EXPECT_EQ(secrets_in_database(id), Names{created["secret"].get<std::string>()});

  std::string own = create_ok(b.secret, {"*"})["id"];
  auto list_b = get(port(), kEndpointsPath, b.secret);
  ASSERT_EQ(list_b.status, 200) << list_b.body;
  EXPECT_EQ(ids_of(list_b), Names{own});
  auto filtered = get(port(), kEndpointsPath + "?enabled_event=order.created", b.secret);
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  EXPECT_EQ(ids_of(filtered), Names{own});
  auto list_a = get(port(), kEndpointsPath, a.secret);
  ASSERT_EQ(list_a.status, 200) << list_a.body;
  EXPECT_EQ(ids_of(list_a), Names{id});
}

TEST_F(EndpointsTest, ScopeIsCheckedBeforeTheEndpointIsLookedUp) {
  auto account = api().create_account();
  auto read_only = api().create_key(account, "sk", {"webhooks.endpoints:read", "store.orders:read"});
  auto no_webhooks = api().create_key(account, "sk", {"store.orders:read"});
  auto store = api().create_key(account, "sk", {}, "store");
  const std::string missing = "we_doesnotexist0000000000";
  const std::string path = kEndpointsPath + "/" + missing;

  expect_scope_required(get(port(), path, no_webhooks.secret), {"webhooks.endpoints:read"});
  expect_scope_required(update(read_only.secret, missing, {{"description", "x"}}), {"webhooks.endpoints:manage"});
  expect_scope_required(del(port(), path, read_only.secret), {"webhooks.endpoints:manage"});
  expect_scope_required(post(port(), path + "/secret/roll", read_only.secret), {"webhooks.endpoints:manage"});

  expect_error(get(port(), path, store.secret), 404, "RESOURCE_MISSING");
  expect_error(update(store.secret, missing, {{"description", "x"}}), 404, "RESOURCE_MISSING");
  expect_error(del(port(), path, store.secret), 404, "RESOURCE_MISSING");
  expect_error(post(port(), path + "/secret/roll", store.secret), 404, "RESOURCE_MISSING");
  // An id that is not even an endpoint id is simply not found.
  expect_error(get(port(), kEndpointsPath + "/whd_notanendpoint", store.secret), 404, "RESOURCE_MISSING");

  // Same for an existing endpoint of another account: the 403 comes first, so
  // nothing is learnt about its existence.
  auto other = api().create_account_and_key("sk", {}, "store");
  std::string foreign = create_ok(other.secret, {"order.created"})["id"];
  expect_scope_required(del(port(), kEndpointsPath + "/" + foreign, read_only.secret), {"webhooks.endpoints:manage"});
  expect_scope_required(get(port(), kEndpointsPath + "/" + foreign, no_webhooks.secret), {"webhooks.endpoints:read"});
}

// ---------------------------------------------------------------------------
// Lists

TEST_F(EndpointsTest, ListsAreNewestFirstWithKeysetCursors) {
  auto key = api().create_account_and_key("sk", {}, "store");
  Names created;
  for (int i = 0; i < 7; ++i) {
    created.push_back(
        create_ok(key.secret, {"order.created"}, "https://example.com/h" + std::to_string(i))["id"].get<std::string>());
  }
  Names newest_first(created.rbegin(), created.rend());

  auto all = get(port(), kEndpointsPath, key.secret);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["object"], "list");
  EXPECT_EQ(all.json()["url"], kEndpointsPath);
  EXPECT_EQ(ids_of(all), newest_first);
  EXPECT_FALSE(all.json()["has_more"].get<bool>());

  // Forwards.
  auto page1 = get(port(), kEndpointsPath + "?limit=3", key.secret);
  ASSERT_EQ(page1.status, 200) << page1.body;
  EXPECT_EQ(ids_of(page1), Names(newest_first.begin(), newest_first.begin() + 3));
  EXPECT_TRUE(page1.json()["has_more"].get<bool>());
  auto page2 = get(port(), kEndpointsPath + "?limit=3&starting_after=" + ids_of(page1).back(), key.secret);
  ASSERT_EQ(page2.status, 200) << page2.body;
  EXPECT_EQ(ids_of(page2), Names(newest_first.begin() + 3, newest_first.begin() + 6));
  EXPECT_TRUE(page2.json()["has_more"].get<bool>());
  auto page3 = get(port(), kEndpointsPath + "?limit=3&starting_after=" + ids_of(page2).back(), key.secret);
  ASSERT_EQ(page3.status, 200) << page3.body;
  EXPECT_EQ(ids_of(page3), Names{newest_first[6]});
  EXPECT_FALSE(page3.json()["has_more"].get<bool>());

  Names walked;
  for (const auto* page : {&page1, &page2, &page3}) {
    auto ids = ids_of(*page);
    walked.insert(walked.end(), ids.begin(), ids.end());
  }
  EXPECT_EQ(walked, newest_first) << "no duplicates, no gaps";

  // Backwards from the oldest.
  auto back1 = get(port(), kEndpointsPath + "?limit=3&ending_before=" + newest_first[6], key.secret);
  ASSERT_EQ(back1.status, 200) << back1.body;
  EXPECT_EQ(ids_of(back1), Names(newest_first.begin() + 3, newest_first.begin() + 6));
  EXPECT_TRUE(back1.json()["has_more"].get<bool>());
  auto back2 = get(port(), kEndpointsPath + "?limit=3&ending_before=" + ids_of(back1).front(), key.secret);
  ASSERT_EQ(back2.status, 200) << back2.body;
  EXPECT_EQ(ids_of(back2), Names(newest_first.begin(), newest_first.begin() + 3));
  EXPECT_FALSE(back2.json()["has_more"].get<bool>());
  auto back3 = get(port(), kEndpointsPath + "?limit=3&ending_before=" + newest_first[0], key.secret);
  ASSERT_EQ(back3.status, 200) << back3.body;
  EXPECT_TRUE(ids_of(back3).empty());
  EXPECT_FALSE(back3.json()["has_more"].get<bool>());

  auto exact = get(port(), kEndpointsPath + "?limit=7", key.secret);
  EXPECT_FALSE(exact.json()["has_more"].get<bool>());
  auto short_by_one = get(port(), kEndpointsPath + "?limit=6", key.secret);
  EXPECT_TRUE(short_by_one.json()["has_more"].get<bool>());

  // Deleting the cursor's neighbour leaves no gap and no duplicate.
  ASSERT_EQ(del(port(), kEndpointsPath + "/" + newest_first[3], key.secret).status, 200);
  auto after_delete = get(port(), kEndpointsPath + "?limit=3&starting_after=" + newest_first[2], key.secret);
  EXPECT_EQ(ids_of(after_delete), Names({newest_first[4], newest_first[5], newest_first[6]}));

  auto both = get(port(), kEndpointsPath + "?starting_after=" + newest_first[0] + "&ending_before=" + newest_first[6],
                  key.secret);
  EXPECT_EQ(both.status, 400) << both.body;
  EXPECT_EQ(both.json()["error"]["code"], "INVALID_PARAMETER");
  EXPECT_TRUE(both.json()["error"]["param"] == "ending_before" || both.json()["error"]["param"] == "starting_after")
      << both.body;
  expect_error(get(port(), kEndpointsPath + "?starting_after=we_doesnotexist000000000", key.secret), 400,
               "INVALID_PARAMETER", "starting_after");
  expect_error(get(port(), kEndpointsPath + "?starting_after=", key.secret), 400, "INVALID_PARAMETER", "starting_after");
  expect_error(get(port(), kEndpointsPath + "?ending_before=", key.secret), 400, "INVALID_PARAMETER", "ending_before");
}

TEST_F(EndpointsTest, ListFiltersByStatusAndEventType) {
  auto key = api().create_account_and_key("sk", {}, "full");
  auto make = [&](const Names& events) { return create_ok(key.secret, events)["id"].get<std::string>(); };
  auto exact = make({"order.accepted"});
  auto family = make({"order.*"});
  auto everything = make({"*"});
  auto payment = make({"payment_intent.succeeded"});
  auto other_order = make({"order.created"});
  auto payment_family = make({"payment_intent.*"});
  auto mixed = make({"order.fulfilled", "payment_intent.created"});
  ASSERT_EQ(update(key.secret, payment, {{"disabled", true}}).status, 200);
  ASSERT_EQ(update(key.secret, family, {{"disabled", true}}).status, 200);

  auto ids = [&](const std::string& query) {
    auto response = get(port(), kEndpointsPath + query, key.secret);
    EXPECT_EQ(response.status, 200) << query << ": " << response.body;
    return response.status == 200 ? ids_of(response) : Names{};
  };
  EXPECT_EQ(ids("?status=disabled"), Names({payment, family}));
  EXPECT_EQ(ids("?status=enabled"), Names({mixed, payment_family, other_order, everything, exact}));
  EXPECT_EQ(ids("?enabled_event=order.accepted"), Names({everything, family, exact}));
  EXPECT_EQ(ids("?enabled_event=order.accepted&status=enabled"), Names({everything, exact}));
  EXPECT_EQ(ids("?enabled_event=payment_intent.created"), Names({mixed, payment_family, everything}));
  EXPECT_EQ(ids("?enabled_event=ledger.entry.created"), Names({everything}));
  EXPECT_EQ(ids("?enabled_event=order.accepted&limit=1"), Names({everything}));
  EXPECT_EQ(ids("?enabled_event=order.accepted&limit=1&starting_after=" + everything), Names({family}));

  expect_error(get(port(), kEndpointsPath + "?status=paused", key.secret), 400, "INVALID_PARAMETER", "status");
  expect_error(get(port(), kEndpointsPath + "?enabled_event=nope.nothing", key.secret), 400, "INVALID_PARAMETER",
               "enabled_event");
  expect_error(get(port(), kEndpointsPath + "?colour=blue", key.secret), 400, "UNKNOWN_PARAMETER", "colour");
  expect_error(get(port(), kEndpointsPath + "?limit=2&event_type=order.created", key.secret), 400, "UNKNOWN_PARAMETER",
               "event_type");
}

TEST_F(EndpointsTest, InvalidLimitIs400NamingLimit) {
  auto key = api().create_account_and_key("sk", {}, "store");
  create_ok(key.secret, {"order.created"});
  for (const std::string limit : {"0", "101", "x", "-1", "", "3.5", "1e1", "99999999999999999999999", "%205", "5%20"}) {
    SCOPED_TRACE("limit=" + limit);
    expect_error(get(port(), kEndpointsPath + "?limit=" + limit, key.secret), 400, "INVALID_PARAMETER", "limit");
  }
  EXPECT_EQ(get(port(), kEndpointsPath + "?limit=1", key.secret).status, 200);
  EXPECT_EQ(get(port(), kEndpointsPath + "?limit=100", key.secret).status, 200);
}

TEST_F(EndpointsTest, UnknownQueryParametersAreRefusedOnEveryRoute) {
  auto key = api().create_account_and_key("sk", {}, "store");
  auto created = create_ok(key.secret, {"order.created"});
  std::string id = created["id"];
  std::string path = kEndpointsPath + "/" + id;
  json body = {{"url", "https://example.com/q"}, {"enabled_events", {"order.created"}}};

  expect_error(get(port(), kEndpointsPath + "?expand=secret", key.secret), 400, "UNKNOWN_PARAMETER", "expand");
  expect_error(post(port(), kEndpointsPath + "?expand=secret", key.secret, body), 400, "UNKNOWN_PARAMETER", "expand");
  expect_error(get(port(), path + "?expand=secret", key.secret), 400, "UNKNOWN_PARAMETER", "expand");
  expect_error(patch(port(), path + "?description=x", key.secret, {{"description", "y"}}), 400,
               "UNKNOWN_PARAMETER", "description");
  expect_error(del(port(), path + "?force=true", key.secret), 400, "UNKNOWN_PARAMETER", "force");
  expect_error(post(port(), path + "/secret/roll?grace_period_seconds=0", key.secret), 400, "UNKNOWN_PARAMETER",
               "grace_period_seconds");

  // None of the refused requests did anything.
  auto list = get(port(), kEndpointsPath, key.secret);
  EXPECT_EQ(ids_of(list), Names{id});
  auto fetched = retrieve_ok(key.secret, id);
  EXPECT_EQ(fetched["description"], "");
  EXPECT_EQ(secrets_in_database(id), Names{created["secret"].get<std::string>()});
}

// ---------------------------------------------------------------------------
// Bounds

TEST_F(EndpointsTest, EndpointsPerAccountAreBounded) {
  start_server([](Config& config) { config.max_endpoints_per_account = 2; });
  auto account = api().create_account();
  auto key = api().create_key(account, "sk", {}, "store");
  std::string first = create_ok(key.secret, {"order.created"}, "https://example.com/1")["id"];
  create_ok(key.secret, {"order.created"}, "https://example.com/2");
  auto third = create(key.secret, {"order.created"}, "https://example.com/3");
  expect_error(third, 422, "LIMIT_EXCEEDED");
  auto list = get(port(), kEndpointsPath, key.secret);
  EXPECT_EQ(ids_of(list).size(), 2u);

  // The bound is per account ...
  auto other = api().create_account_and_key("sk", {}, "store");
  EXPECT_EQ(create(other.secret, {"order.created"}).status, 200);
  // ... and deleting frees a place.
  ASSERT_EQ(del(port(), kEndpointsPath + "/" + first, key.secret).status, 200);
  EXPECT_EQ(create(key.secret, {"order.created"}, "https://example.com/3").status, 200);
  expect_error(create(key.secret, {"order.created"}, "https://example.com/4"), 422, "LIMIT_EXCEEDED");
}

TEST_F(EndpointsTest, EndpointsPerAccountBoundHoldsUnderConcurrentCreates) {
  start_server([](Config& config) { config.max_endpoints_per_account = 3; });
  auto account = api().create_account();
  auto key = api().create_key(account, "sk", {}, "store");
  constexpr int kAttempts = 12;
  std::vector<int> statuses(kAttempts, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kAttempts; ++i) {
    threads.emplace_back([&, i] {
      try {
        statuses[i] = create(key.secret, {"order.created"}, "https://example.com/c" + std::to_string(i)).status;
      } catch (const std::exception&) {
        statuses[i] = -1;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 3);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 422), kAttempts - 3);
  auto list = get(port(), kEndpointsPath, key.secret);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(ids_of(list).size(), 3u);
}

}  // namespace
}  // namespace hookgate::testing

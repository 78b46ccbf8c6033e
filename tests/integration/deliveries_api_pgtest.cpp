// GET /v1/webhook_deliveries and /{id}, and the refusals of
// POST /v1/webhook_deliveries/{id}/retry, over real sockets. The server runs
// API-only, so deliveries stay exactly as the test puts them; states a
// worker would produce are written with SQL.

#include "support/api_fixture.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <set>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAreArray;

class DeliveriesApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::start();  // role api: no worker touches the deliveries
    api_ = std::make_unique<ApiFixture>(*server_);
    account_ = api_->create_account("deliveries api");
    owner_ = api_->create_key(account_, "sk", {}, "full");
  }

  unsigned short port() const { return server_->port(); }

  std::string endpoint(const std::vector<std::string>& events, const std::string& path = "/hook") {
    auto created = post(port(), "/v1/webhook_endpoints", owner_.secret,
                        {{"url", "http://127.0.0.1:9" + path}, {"enabled_events", events}});
    EXPECT_EQ(created.status, 200) << created.body;
    return created.json()["id"].get<std::string>();
  }

  // Publishes one event; returns the ids of the deliveries it fanned out, by endpoint.
  std::map<std::string, std::string> publish(const std::string& type, const json& data = {{"n", 1}}) {
    return deliveries_by_endpoint(server_->config().database_url, api_->publish_event(account_, type, data));
  }

  pqxx::result query(const std::string& sql) { return run_sql(server_->config().database_url, sql); }

  // A pending delivery is queued (due in an hour here); a failed one has failed_at.
  void set_status(const std::string& delivery, const std::string& status) {
    query("DELETE FROM webhook_delivery_queue WHERE delivery_id = '" + delivery + "'");
    query("UPDATE webhook_deliveries SET status = '" + status + "', failed_at = " +
          (status == "failed" ? "now()" : "NULL") + " WHERE id = '" + delivery + "'");
    if (status == "pending") {
      query("INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at, attempt_count) "
            "SELECT id, account_id, now() + interval '1 hour', attempt_count FROM webhook_deliveries "
            "WHERE id = '" + delivery + "'");
    }
  }

  // Moves a delivery back to `time`, as if it had been made then: a
  // delivery's created_at is the time in its id, so both change (and the
  // row moves to that day's partition). Returns its new id.
  std::string backdate(const std::string& delivery, const std::string& time) {
    query("SELECT hookgate_create_partition(t, ('" + time + "'::timestamptz AT TIME ZONE 'UTC')::date) "
          "FROM unnest(ARRAY['webhook_deliveries', 'webhook_attempts', 'webhook_delivery_retries']) t");
    auto moved = query("UPDATE webhook_deliveries SET id = hookgate_id_at('whd_', '" + time +
                       "') || right(id, 18), created_at = '" + time + "' WHERE id = '" + delivery + "' RETURNING id");
    auto id = moved[0][0].as<std::string>();
    query("UPDATE webhook_delivery_queue SET delivery_id = '" + id + "' WHERE delivery_id = '" + delivery + "'");
    return id;
  }

  std::vector<std::string> ids(const std::string& target, const std::string& key) {
    auto response = get(port(), target, key);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    std::vector<std::string> out;
    for (const auto& item : response.json()["data"]) out.push_back(item["id"].get<std::string>());
    return out;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ApiFixture> api_;
  std::string account_;
  CreatedKey owner_;
};

TEST_F(DeliveriesApiTest, ListsNewestFirstWithTheSummaryOfEachDelivery) {
  auto hook = endpoint({"order.*"});
  auto first = publish("order.accepted")[hook];
  auto second = publish("order.created")[hook];
  set_status(first, "failed");
  query("UPDATE webhook_deliveries SET attempt_count = 3, "
        "last_attempt_at = '2026-11-20T10:00:00Z', last_status_code = 502, last_error = 'HTTP 502' "
        "WHERE id = '" + first + "'");

  auto response = get(port(), "/v1/webhook_deliveries", owner_.secret);
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  EXPECT_EQ(body["object"], "list");
  EXPECT_FALSE(body["has_more"].get<bool>());
  ASSERT_EQ(body["data"].size(), 2u);
  auto newest = body["data"][0];
  EXPECT_EQ(newest["id"], second);
  EXPECT_EQ(newest["object"], "webhook_delivery");
  EXPECT_EQ(newest["endpoint"], hook);
  EXPECT_EQ(newest["event_type"], "order.created");
  EXPECT_THAT(newest["event"].get<std::string>(), ::testing::StartsWith("evt_"));
  EXPECT_EQ(newest["status"], "pending");
  EXPECT_EQ(newest["attempt_count"], 0);
  EXPECT_TRUE(newest["last_attempt"].is_null());
  EXPECT_TRUE(newest["next_attempt_at"].is_string());
  auto older = body["data"][1];
  EXPECT_EQ(older["id"], first);
  EXPECT_EQ(older["status"], "failed");
  EXPECT_EQ(older["attempt_count"], 3);
  EXPECT_EQ(older["last_attempt"], json({{"at", "2026-11-20T10:00:00Z"}, {"status_code", 502}, {"error", "HTTP 502"}}));
  EXPECT_TRUE(older["next_attempt_at"].is_null());
}

TEST_F(DeliveriesApiTest, FiltersByEndpointEventTypeStatusAndCreatedRange) {
  auto orders = endpoint({"order.*"}, "/orders");
  auto everything = endpoint({"*"}, "/all");
  auto a = publish("order.accepted");
  auto b = publish("payment_intent.created");
  auto c = publish("order.created");
  set_status(a[orders], "failed");
  set_status(c[everything], "succeeded");
  for (auto& [endpoint, delivery] : a) delivery = backdate(delivery, "2026-01-10T00:00:00Z");

  const std::string list = "/v1/webhook_deliveries?limit=100";
  EXPECT_THAT(ids(list + "&endpoint=" + orders, owner_.secret), ElementsAreArray({c[orders], a[orders]}));
  EXPECT_THAT(ids(list + "&event_type=payment_intent.created", owner_.secret), ElementsAreArray({b[everything]}));
  EXPECT_THAT(ids(list + "&status=failed", owner_.secret), ElementsAreArray({a[orders]}));
  EXPECT_THAT(ids(list + "&status=succeeded", owner_.secret), ElementsAreArray({c[everything]}));
  EXPECT_THAT(ids(list + "&status=pending&endpoint=" + everything, owner_.secret),
              ElementsAreArray({b[everything], a[everything]}));
  EXPECT_THAT(ids(list + "&endpoint=" + orders + "&status=failed", owner_.secret), ElementsAreArray({a[orders]}));
  EXPECT_THAT(ids(list + "&endpoint=" + orders + "&event_type=order.created", owner_.secret),
              ElementsAreArray({c[orders]}));
  // a's deliveries were created in January; the others now.
  EXPECT_THAT(ids(list + "&created[lte]=2026-02-01T00:00:00Z", owner_.secret),
              ::testing::UnorderedElementsAre(a[orders], a[everything]));
  EXPECT_THAT(ids(list + "&created[gte]=2026-02-01T00:00:00Z&endpoint=" + orders, owner_.secret),
              ElementsAreArray({c[orders]}));
  EXPECT_THAT(ids(list + "&created[gte]=2026-01-10T00:00:00Z&created[lte]=2026-01-10T00:00:00Z&status=failed",
                  owner_.secret),
              ElementsAreArray({a[orders]}));
  // Stripe's habit: the same bounds as Unix seconds (1768003200 is 2026-01-10T00:00:00Z).
  EXPECT_THAT(ids(list + "&created[gte]=1769904000&endpoint=" + orders, owner_.secret),
              ElementsAreArray({c[orders]}));
  EXPECT_THAT(ids(list + "&created[gte]=1768003200&created[lte]=1768003200&status=failed", owner_.secret),
              ElementsAreArray({a[orders]}));
  EXPECT_TRUE(ids(list + "&endpoint=we_doesnotexist0000000000", owner_.secret).empty());
}

TEST_F(DeliveriesApiTest, PagesHaveNoGapsOrDuplicatesWhileNewDeliveriesArrive) {
  auto hook = endpoint({"order.accepted"});
  std::vector<std::string> expected;
  for (int i = 0; i < 23; ++i) expected.insert(expected.begin(), publish("order.accepted")[hook]);
  // Some of them a month older, in a partition of their own: pages cross it.
  for (int i = 5; i < 8; ++i) expected[i] = backdate(expected[i], "2026-11-0" + std::to_string(i) + "T00:00:00Z");
  std::vector<std::string> ordered;
  for (const auto& row : query("SELECT id FROM webhook_deliveries ORDER BY id DESC")) {
    ordered.push_back(row[0].as<std::string>());
  }
  ASSERT_EQ(ordered.size(), expected.size());

  std::vector<std::string> seen;
  std::string target = "/v1/webhook_deliveries?limit=5";
  for (int page = 0; page < 10; ++page) {
    auto response = get(port(), target, owner_.secret);
    ASSERT_EQ(response.status, 200) << response.body;
    auto body = response.json();
    for (const auto& item : body["data"]) seen.push_back(item["id"].get<std::string>());
    publish("order.accepted");  // newer than every page: never shows up behind the cursor
    if (!body["has_more"].get<bool>()) break;
    target = "/v1/webhook_deliveries?limit=5&starting_after=" + seen.back();
  }
  EXPECT_EQ(seen, ordered);

  // And backwards from the oldest with ending_before.
  std::vector<std::string> back;
  std::string cursor = seen.back();
  for (int page = 0; page < 10; ++page) {
    auto response = get(port(), "/v1/webhook_deliveries?limit=4&ending_before=" + cursor, owner_.secret);
    ASSERT_EQ(response.status, 200) << response.body;
    auto body = response.json();
    auto data = body["data"];
    for (auto it = data.rbegin(); it != data.rend(); ++it) back.push_back((*it)["id"].get<std::string>());
    if (data.empty()) break;
    cursor = data[0]["id"].get<std::string>();
    if (!body["has_more"].get<bool>()) break;
  }
  // Everything newer than the oldest, including what was published while paging.
  std::vector<std::string> all;
  for (const auto& row : query("SELECT id FROM webhook_deliveries ORDER BY id ASC OFFSET 1")) {
    all.push_back(row[0].as<std::string>());
  }
  EXPECT_EQ(back, all);
}

TEST_F(DeliveriesApiTest, MalformedFiltersAreRefusedNamingTheParameter) {
  endpoint({"order.accepted"});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"status=bogus", "status"},
      {"created[gte]=yesterday", "created[gte]"},
      {"created[gte]=-5", "created[gte]"},
      {"created[lte]=253402300800", "created[lte]"},
      {"created[lte]=1e9", "created[lte]"},
      {"created[lte]=2026-13-01T00:00:00Z", "created[lte]"},
      {"created[gte]=2026-02-01T00:00:00Z&created[lte]=2026-01-01T00:00:00Z", "created[gte]"},
      {"endpoint=whd_notanendpoint", "endpoint"},
      {"event_type=order.vanished", "event_type"},
      {"event_type=", "event_type"},
      {"limit=0", "limit"},
      {"limit=abc", "limit"},
      {"starting_after=whd_unknown000000000000", "starting_after"},
      {"colour=blue", "colour"},
  };
  for (const auto& [query_text, param] : cases) {
    auto response = get(port(), "/v1/webhook_deliveries?" + query_text, owner_.secret);
    EXPECT_EQ(response.status, 400) << query_text << ": " << response.body;
    EXPECT_EQ(response.json()["error"]["param"], param) << query_text << ": " << response.body;
  }
}

TEST_F(DeliveriesApiTest, PayloadIsShownOnlyToKeysThatReadTheEventType) {
  auto hook = endpoint({"order.accepted", "payment_intent.created"});
  auto order = publish("order.accepted", {{"order", "ord_123"}})[hook];
  auto payment = publish("payment_intent.created", {{"amount", 500}})[hook];
  auto dashboard = api_->create_key(account_, "pk", {"webhooks.deliveries:read", "store.orders:read"});
  auto blind = api_->create_key(account_, "pk", {"webhooks.deliveries:read"});

  auto seen = get(port(), "/v1/webhook_deliveries/" + order, dashboard.secret);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.json()["payload"]["data"], json({{"order", "ord_123"}}));
  EXPECT_EQ(seen.json()["payload"]["type"], "order.accepted");
  EXPECT_TRUE(seen.json()["payload_withheld"].is_null());

  auto withheld = get(port(), "/v1/webhook_deliveries/" + payment, dashboard.secret);
  ASSERT_EQ(withheld.status, 200) << withheld.body;
  EXPECT_TRUE(withheld.json()["payload"].is_null());
  EXPECT_EQ(withheld.json()["payload_withheld"]["required_scope"], "pay.intents:read");
  EXPECT_EQ(withheld.json()["status"], "pending") << "the delivery itself is still visible";

  auto none = get(port(), "/v1/webhook_deliveries/" + order, blind.secret);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(none.json()["payload"].is_null());
  EXPECT_EQ(none.json()["payload_withheld"]["required_scope"], "store.orders:read");
  EXPECT_EQ(none.body.find("ord_123"), std::string::npos) << "no trace of the data: " << none.body;
  EXPECT_EQ(ids("/v1/webhook_deliveries", blind.secret).size(), 2u) << "listing shows that deliveries happened";

  auto owner_view = get(port(), "/v1/webhook_deliveries/" + payment, owner_.secret);
  EXPECT_EQ(owner_view.json()["payload"]["data"], json({{"amount", 500}}));
}

TEST_F(DeliveriesApiTest, ADeliveryShowsItsAttemptsAndRetries) {
  auto hook = endpoint({"order.accepted"});
  auto delivery = publish("order.accepted")[hook];
  query("INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, "
        "duration_us, outcome, status_code, response_snippet) VALUES "
        "('wha_one', '" + delivery + "', '" + account_ + "', 1, '2026-11-27T10:00:00Z', '2026-11-27T10:00:00.25Z', "
        "250000, 'failed', 500, 'oops')");
  // The second attempt is in flight: it is on the queue row, not yet recorded.
  query("UPDATE webhook_delivery_queue SET claim_token = 9, attempt_count = 2, attempt_id = 'wha_two', "
        "attempt_started_at = '2026-11-27T10:00:05Z', due_at = now() + interval '30 seconds' "
        "WHERE delivery_id = '" + delivery + "'");
  query("INSERT INTO webhook_delivery_retries (delivery_id, requested_at, requested_by) VALUES ('" + delivery +
        "', '2026-11-27T10:00:04Z', '" + owner_.id + "')");

  auto response = get(port(), "/v1/webhook_deliveries/" + delivery, owner_.secret);
  ASSERT_EQ(response.status, 200) << response.body;
  auto attempts = response.json()["attempts"];
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0], json({{"id", "wha_one"},
                               {"object", "webhook_attempt"},
                               {"attempt_number", 1},
                               {"started_at", "2026-11-27T10:00:00Z"},
                               {"finished_at", "2026-11-27T10:00:00.250000Z"},
                               {"duration_ms", 250.0},
                               {"outcome", "failed"},
                               {"status_code", 500},
                               {"error", nullptr},
                               {"response_snippet", "oops"}}));
  EXPECT_EQ(attempts[1]["id"], "wha_two");
  EXPECT_EQ(attempts[1]["attempt_number"], 2);
  EXPECT_EQ(attempts[1]["started_at"], "2026-11-27T10:00:05Z");
  EXPECT_EQ(attempts[1]["outcome"], "in_progress");
  EXPECT_TRUE(attempts[1]["finished_at"].is_null());
  EXPECT_EQ(response.json()["retries"],
            json::array({{{"requested_by", owner_.id}, {"requested_at", "2026-11-27T10:00:04Z"}, {"retry_job", nullptr}}}));
}

TEST_F(DeliveriesApiTest, AnotherAccountSeesNothing) {
  auto hook = endpoint({"order.accepted"});
  auto delivery = publish("order.accepted")[hook];
  set_status(delivery, "failed");
  auto stranger = api_->create_account_and_key("sk", {}, "full");

  EXPECT_TRUE(ids("/v1/webhook_deliveries", stranger.secret).empty());
  EXPECT_TRUE(ids("/v1/webhook_deliveries?endpoint=" + hook, stranger.secret).empty());
  EXPECT_EQ(get(port(), "/v1/webhook_deliveries/" + delivery, stranger.secret).status, 404);
  EXPECT_EQ(post(port(), "/v1/webhook_deliveries/" + delivery + "/retry", stranger.secret).status, 404);
  EXPECT_EQ(get(port(), "/v1/webhook_deliveries?starting_after=" + delivery, stranger.secret).status, 400);
  EXPECT_EQ(post(port(), "/v1/webhook_endpoints/" + hook + "/recover", stranger.secret,
                 {{"since", "2026-11-27T00:00:00Z"}})
                .status,
            404);
  EXPECT_EQ(query("SELECT count(*) FROM webhook_delivery_retries")[0][0].as<int>(), 0);
  EXPECT_EQ(query("SELECT status FROM webhook_deliveries WHERE id = '" + delivery + "'")[0][0].as<std::string>(),
            "failed");
}

TEST_F(DeliveriesApiTest, RetryNeedsTheRetryScopeWhichPublishableKeysCannotHold) {
  auto hook = endpoint({"order.accepted"});
  auto delivery = publish("order.accepted")[hook];
  set_status(delivery, "failed");
  // Assigned, but a pk_ key never effectively holds an sk_-only scope.
  auto dashboard = api_->create_key(account_, "pk", {"webhooks.deliveries:read", "webhooks.deliveries:retry"});
  auto response = post(port(), "/v1/webhook_deliveries/" + delivery + "/retry", dashboard.secret);
  EXPECT_EQ(response.status, 403) << response.body;
  EXPECT_EQ(response.json()["error"]["code"], "SCOPE_REQUIRED");
  EXPECT_EQ(response.json()["error"]["required_scopes"], json::array({"webhooks.deliveries:retry"}));
  auto recover = post(port(), "/v1/webhook_endpoints/" + hook + "/recover", dashboard.secret,
                      {{"since", "2026-11-27T00:00:00Z"}});
  EXPECT_EQ(recover.status, 403) << recover.body;

  auto reader_sk = api_->create_key(account_, "sk", {"webhooks.deliveries:read"});
  EXPECT_EQ(post(port(), "/v1/webhook_deliveries/" + delivery + "/retry", reader_sk.secret).status, 403);

  auto retrier = api_->create_key(account_, "sk", {"webhooks.deliveries:retry"});
  auto accepted = post(port(), "/v1/webhook_deliveries/" + delivery + "/retry", retrier.secret);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(accepted.json()["status"], "pending");
  auto audit = query("SELECT requested_by FROM webhook_delivery_retries WHERE delivery_id = '" + delivery + "'");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0][0].as<std::string>(), retrier.id);
}

TEST_F(DeliveriesApiTest, RetryIsRefusedWhenTheDeliveryCannotBeSentAgain) {
  auto hook = endpoint({"order.accepted"});
  auto in_flight = publish("order.accepted")[hook];
  query("UPDATE webhook_delivery_queue SET claim_token = 7, due_at = now() + interval '30 seconds' "
        "WHERE delivery_id = '" + in_flight + "'");
  auto response = post(port(), "/v1/webhook_deliveries/" + in_flight + "/retry", owner_.secret);
  EXPECT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(response.json()["error"]["code"], "DELIVERY_IN_PROGRESS");

  // Rule 3: the key that authorized the subscription lost the scope.
  auto subscriber = api_->create_key(account_, "sk", {"webhooks.endpoints:manage", "store.orders:read"});
  auto created = post(port(), "/v1/webhook_endpoints", subscriber.secret,
                      {{"url", "http://127.0.0.1:9/other"}, {"enabled_events", {"order.accepted"}}});
  ASSERT_EQ(created.status, 200) << created.body;
  auto other = created.json()["id"].get<std::string>();
  auto orphan = publish("order.accepted")[other];
  set_status(orphan, "failed");
  api_->set_scopes(subscriber.id, {"webhooks.endpoints:manage"});
  response = post(port(), "/v1/webhook_deliveries/" + orphan + "/retry", owner_.secret);
  EXPECT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(response.json()["error"]["code"], "SUBSCRIPTION_UNAUTHORIZED");
  EXPECT_THAT(response.json()["error"]["message"].get<std::string>(), ::testing::HasSubstr("order.accepted"));

  auto failed = publish("order.accepted")[hook];
  set_status(failed, "failed");
  ASSERT_EQ(patch(port(), "/v1/webhook_endpoints/" + hook, owner_.secret, {{"disabled", true}}).status, 200);
  response = post(port(), "/v1/webhook_deliveries/" + failed + "/retry", owner_.secret);
  EXPECT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(response.json()["error"]["code"], "ENDPOINT_DISABLED");

  EXPECT_EQ(post(port(), "/v1/webhook_deliveries/" + failed + "/retry", owner_.secret, {{"now", true}}).status, 400);
  EXPECT_EQ(query("SELECT count(*) FROM webhook_delivery_retries")[0][0].as<int>(), 0) << "refusals change nothing";
}

}  // namespace
}  // namespace hookgate::testing

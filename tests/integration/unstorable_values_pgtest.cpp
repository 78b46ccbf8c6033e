// Values PostgreSQL cannot store as sent — U+0000 anywhere in JSON, invalid
// UTF-8 in decoded query and path text or headers, numbers that would be
// stored changed — over real sockets against the real database: each route
// that stores or queries them answers a 4xx JSON error naming the field, and
// nothing is stored (never a 500, never a cut text).

#include "support/api_fixture.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;

const std::string kNul("\0", 1);

class UnstorableValuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::start();  // API only: events stay as published
    api_ = std::make_unique<ApiFixture>(*server_);
    account_ = api_->create_account("unstorable values");
    key_ = api_->create_key(account_, "sk", {}, "full");
  }

  void TearDown() override {
    auto health = request(port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 200) << health.body;
  }

  unsigned short port() const { return server_->port(); }
  pqxx::result query(const std::string& sql) { return run_sql(server_->config().database_url, sql); }
  long count(const std::string& sql) { return query(sql)[0][0].as<long>(); }

  // A body sent exactly as given (it may not be valid JSON text).
  HttpResponse send_api(const std::string& method, const std::string& target, const std::string& body = "",
                        const Headers& extra = {}) {
    Headers headers{{"Authorization", "Bearer " + key_.secret}, {"Content-Type", "application/json"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return request(port(), method, target, body, headers);
  }
  HttpResponse send_operator(const std::string& method, const std::string& target, const std::string& body = "") {
    return request(port(), method, target, body,
                   {{"Authorization", std::string("Bearer ") + kOperatorToken}, {"Content-Type", "application/json"}});
  }

  std::string create_endpoint() {
    auto created = post(port(), kEndpointsPath, key_.secret,
                        {{"url", "https://example.com/old"},
                         {"description", "old"},
                         {"metadata", {{"k", "v"}}},
                         {"enabled_events", {"order.created"}}});
    EXPECT_EQ(created.status, 200) << created.body;
    return created.json()["id"].get<std::string>();
  }

  // A clean 4xx JSON error with this code and, when given, this param.
  static void expect_error(const HttpResponse& response, int status, const std::string& code,
                           const std::optional<std::string>& param = std::nullopt) {
    EXPECT_EQ(response.status, status) << response.body.substr(0, 500);
    ASSERT_NE(response.header("content-type").find("application/json"), std::string::npos) << response.body;
    const auto& error = response.json()["error"];
    EXPECT_EQ(error["code"], code) << response.body.substr(0, 500);
    EXPECT_TRUE(error["type"].is_string()) << response.body.substr(0, 500);
    EXPECT_TRUE(error["message"].is_string()) << response.body.substr(0, 500);
    if (param) {
      EXPECT_EQ(error["param"], *param) << response.body.substr(0, 500);
    }
  }
  static void expect_invalid(const HttpResponse& response, const std::string& param) {
    expect_error(response, 400, "INVALID_PARAMETER", param);
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ApiFixture> api_;
  std::string account_;
  CreatedKey key_;
};

// ---------------------------------------------------------------------------
// Endpoints

TEST_F(UnstorableValuesTest, EndpointCreateRefusesNulInEveryTextField) {
  const json valid = {{"url", "https://example.com/hooks"}, {"enabled_events", {"order.created"}}};
  struct Case {
    std::string field;
    json value;
    std::string param;
  };
  const std::vector<Case> cases = {
      {"description", "before" + kNul + "after", "description"},
      {"description", kNul, "description"},
      {"url", "https://example.com/" + kNul, "url"},
      {"metadata", {{"note", "a" + kNul}}, "metadata[note]"},
      {"metadata", {{"no" + kNul + "te", "a"}}, "metadata[no\\u0000te]"},
      {"enabled_events", {"order.created" + kNul}, "enabled_events[0]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.param);
    auto body = valid;
    body[c.field] = c.value;
    expect_invalid(post(port(), kEndpointsPath, key_.secret, body), c.param);
  }
  EXPECT_EQ(count("SELECT count(*) FROM webhook_endpoints"), 0);
}

TEST_F(UnstorableValuesTest, EndpointPatchRefusesNulAndKeepsTheOldValues) {
  auto id = create_endpoint();
  const std::string path = kEndpointsPath + "/" + id;
  expect_invalid(patch(port(), path, key_.secret, {{"description", "new" + kNul + "cut"}}), "description");
  expect_invalid(patch(port(), path, key_.secret, {{"url", "https://example.com/new" + kNul}}), "url");
  expect_invalid(patch(port(), path, key_.secret, {{"metadata", {{"k", kNul}}}}), "metadata[k]");
  expect_invalid(patch(port(), path, key_.secret, {{"metadata", {{kNul, "v"}}}}), "metadata[\\u0000]");

  auto current = get(port(), path, key_.secret);
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_EQ(current.json()["description"], "old");
  EXPECT_EQ(current.json()["url"], "https://example.com/old");
  EXPECT_EQ(current.json()["metadata"], json({{"k", "v"}}));
}

// ---------------------------------------------------------------------------
// Events

TEST_F(UnstorableValuesTest, EventDataRefusesUnstorableValuesAtAnyDepth) {
  struct Case {
    std::string data;  // JSON text
    std::string code;
    std::string param;
  };
  const std::vector<Case> cases = {
      {R"({"items": [{}, {}, {"name": "x\u0000"}]})", "INVALID_PARAMETER", "data[items][2][name]"},
      {R"({"a": {"b": {"c": [["\u0000"]]}}})", "INVALID_PARAMETER", "data[a][b][c][0][0]"},
      {R"({"a": {"k\u0000": 1}})", "INVALID_PARAMETER", "data[a][k\\u0000]"},
      {R"({"amount": 1e400})", "INVALID_PARAMETER", "data[amount]"},
      {R"({"amount": -1e400})", "INVALID_PARAMETER", "data[amount]"},
      {R"({"amount": 18446744073709551616})", "INVALID_PARAMETER", "data[amount]"},
      {R"({"ids": [123456789012345678901234567890]})", "INVALID_PARAMETER", "data[ids][0]"},
      {R"({"rate": 1e-400})", "INVALID_PARAMETER", "data[rate]"},
      // nlohmann refuses lone surrogates and invalid UTF-8 as invalid JSON.
      {R"({"s": "\ud800"})", "INVALID_JSON", "data[s]"},
      {R"({"s": "\udc00x"})", "INVALID_JSON", "data[s]"},
      {"{\"s\": \"\xff\"}", "INVALID_JSON", "data[s]"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.data);
    const std::string id = "evt_refused" + std::to_string(n++);
    auto response = send_operator("POST", "/internal/v1/events",
                                  R"({"id": ")" + id + R"(", "account": ")" + account_ +
                                      R"(", "type": "order.created", "data": )" + c.data + "}");
    expect_error(response, 400, c.code, c.param);
  }
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE id LIKE 'evt_refused%'"), 0);
}

TEST_F(UnstorableValuesTest, EventNumbersADoubleHoldsAreStoredAsTheSameNumbers) {
  auto response = send_operator(
      "POST", "/internal/v1/events",
      R"({"id": "evt_numbers", "account": ")" + account_ +
          R"(", "type": "order.created", "data": {"max": 1e308, "tiny": 5e-324, "negzero": -0, "negzero_float": -0.0,
              "umax": 18446744073709551615, "imin": -9223372036854775808, "tenth": 0.1, "zero_exp": 0e-999}})");
  ASSERT_EQ(response.status, 200) << response.body;
  // The payload as the database keeps (and workers send) it.
  auto payload = json::parse(query("SELECT payload FROM events WHERE id = 'evt_numbers'")[0][0].as<std::string>());
  const auto& data = payload["data"];
  EXPECT_EQ(data["max"].get<double>(), 1e308);
  EXPECT_EQ(data["tiny"].get<double>(), 5e-324);
  EXPECT_EQ(data["negzero"].get<double>(), 0.0);
  EXPECT_EQ(data["negzero_float"].get<double>(), 0.0);
  EXPECT_EQ(data["umax"].get<std::uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(data["imin"].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(data["tenth"].get<double>(), 0.1);
  EXPECT_EQ(data["zero_exp"].get<double>(), 0.0);
}

// jsonb writes numbers out in plain decimal: the size limit counts them so,
// or a few KiB of 1e300 would be stored (and delivered) as hundreds of KiB.
TEST_F(UnstorableValuesTest, EventDataIsMeasuredAsStoredWithNumbersWrittenOut) {
  std::string many = "[";
  for (int i = 0; i < 1000; ++i) many += (i ? ",1e300" : "1e300");
  many += "]";
  auto refused = send_operator("POST", "/internal/v1/events",
                               R"({"id": "evt_expanding", "account": ")" + account_ +
                                   R"(", "type": "order.created", "data": {"n": )" + many + "}}");
  expect_error(refused, 413, "BODY_TOO_LARGE", "data");
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE id = 'evt_expanding'"), 0);

  // What the database really does with one of them.
  auto one = send_operator("POST", "/internal/v1/events",
                           R"({"id": "evt_onebig", "account": ")" + account_ +
                               R"(", "type": "order.created", "data": {"n": 1e300}})");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(count("SELECT length(payload::jsonb->'data'->>'n') FROM events WHERE id = 'evt_onebig'"), 301);
}

TEST_F(UnstorableValuesTest, TheEventsPublishCommandRefusesNulNamingThePlace) {
  Process cli({hookgate_binary(), "events", "publish", "--account", account_, "--type", "order.created", "--data",
               R"({"a": {"b": "\u0000"}})", "--id", "evt_clinul"},
              {.env = {{"HOOKGATE_DATABASE_URL", server_->config().database_url}}});
  auto status = cli.wait();
  EXPECT_FALSE(status.exited(0)) << cli.describe();
  EXPECT_THAT(cli.stderr_text(), ::testing::HasSubstr("INVALID_PARAMETER: --data[a][b]"));
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE id = 'evt_clinul'"), 0);
}

// ---------------------------------------------------------------------------
// Operator plane: accounts and keys

TEST_F(UnstorableValuesTest, OperatorTextFieldsRefuseNul) {
  expect_invalid(api_->operator_request("POST", "/internal/v1/accounts", json{{"name", "refused" + kNul + "name"}}),
                 "name");
  EXPECT_EQ(count("SELECT count(*) FROM accounts WHERE name LIKE 'refused%'"), 0);

  const std::string keys = "/internal/v1/accounts/" + account_ + "/api_keys";
  auto keys_before = count("SELECT count(*) FROM api_keys");
  expect_invalid(api_->operator_request("POST", keys,
                                        json{{"kind", "sk"}, {"bundle", "full"}, {"description", "d" + kNul}}),
                 "description");
  expect_invalid(api_->operator_request("POST", keys, json{{"kind", "sk"}, {"scopes", {kNul}}}), "scopes[0]");
  expect_invalid(api_->operator_request("POST", keys, json{{"kind", "sk" + kNul}, {"bundle", "full"}}), "kind");
  EXPECT_EQ(count("SELECT count(*) FROM api_keys"), keys_before);

  expect_invalid(api_->operator_request("PATCH", "/internal/v1/api_keys/" + key_.id, json{{"bundle", "full" + kNul}}),
                 "bundle");
}

// ---------------------------------------------------------------------------
// Query and path parameters, headers

TEST_F(UnstorableValuesTest, QueryParametersRefuseNulAndInvalidUtf8NamingThem) {
  struct Case {
    std::string target;
    std::string param;
  };
  const std::vector<Case> cases = {
      {"/v1/webhook_deliveries?starting_after=whd_%00x", "starting_after"},
      {"/v1/webhook_deliveries?ending_before=whd_%FF", "ending_before"},
      {"/v1/webhook_deliveries?endpoint=we_%00", "endpoint"},
      {"/v1/webhook_deliveries?event_type=order.created%00", "event_type"},
      {"/v1/webhook_deliveries?event_type=%C3", "event_type"},
      {"/v1/webhook_deliveries?created[gte]=2026-01-01T00:00:00Z%00", "created[gte]"},
      {"/v1/webhook_deliveries?created%5Blte%5D=%ED%A0%80", "created[lte]"},
      {"/v1/webhook_deliveries?status=%FF", "status"},
      {"/v1/webhook_endpoints?starting_after=we_%00", "starting_after"},
      {"/v1/webhook_endpoints?enabled_event=%FF", "enabled_event"},
      {"/v1/webhook_endpoints?limit=1%00", "limit"},
      {"/v1/webhook_endpoints?%FF=1", "%FF"},         // a bad name is named as sent
      {"/v1/webhook_endpoints?a%00b=1", "a%00b"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    expect_invalid(get(port(), c.target, key_.secret), c.param);
  }
  expect_invalid(send_operator("GET", "/internal/v1/accounts/" + account_ + "/api_keys?starting_after=key_%00"),
                 "starting_after");
}

TEST_F(UnstorableValuesTest, PathsWithNulOrInvalidUtf8AreMalformed) {
  auto id = create_endpoint();
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/webhook_endpoints/" + id + "%00"},
           {"PATCH", "/v1/webhook_endpoints/we_%FF"},
           {"DELETE", "/v1/webhook_endpoints/" + id + "%00x"},
           {"GET", "/v1/webhook_deliveries/whd_%C3"},
           {"POST", "/v1/webhook_endpoints/" + id + "%ED%A0%80/recover"},
           {"GET", "/v1/no_such_route/%FF"},
       }) {
    SCOPED_TRACE(method + " " + target);
    expect_error(send_api(method, target, method == "PATCH" ? R"({"description": "new"})" : ""), 400,
                 "MALFORMED_REQUEST");
  }
  expect_error(send_operator("POST", "/internal/v1/accounts/" + account_ + "%00/api_keys",
                             R"({"kind": "sk", "bundle": "full"})"),
               400, "MALFORMED_REQUEST");
  // Nothing was deleted or changed.
  auto current = get(port(), kEndpointsPath + "/" + id, key_.secret);
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_EQ(current.json()["description"], "old");
}

TEST_F(UnstorableValuesTest, IdempotencyKeysMustBePrintableAscii) {
  const std::string body = R"({"url": "https://example.com/hooks", "enabled_events": ["order.created"]})";
  expect_invalid(send_api("POST", kEndpointsPath, body, {{"Idempotency-Key", "caf\xc3\xa9"}}), "Idempotency-Key");
  expect_invalid(send_api("POST", kEndpointsPath, body, {{"Idempotency-Key", "\xff\xfe"}}), "Idempotency-Key");
  EXPECT_EQ(count("SELECT count(*) FROM webhook_endpoints"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM idempotency_keys"), 0);

  // A NUL byte cannot even be a header value: the HTTP parser refuses it.
  Connection connection(port());
  connection.send_raw("POST " + kEndpointsPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                      key_.secret + "\r\nIdempotency-Key: a" + kNul + "b\r\nContent-Type: application/json\r\n" +
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  auto response = connection.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400) << response->body;
  EXPECT_EQ(count("SELECT count(*) FROM webhook_endpoints"), 0);
}

}  // namespace
}  // namespace hookgate::testing

// Validation of webhook endpoint requests over HTTP: every bad input is a
// clean 4xx JSON error naming the offending field (error.param), nothing is
// stored, and the server stays healthy afterwards (checked after every test).
// Servers refuse private targets, as in production, unless a test says so.

#include "support/api_fixture.h"
#include "support/http_client.h"
#include "support/test_server.h"
#include "support/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using Names = std::vector<std::string>;


json valid_body() { return {{"url", "https://example.com/hooks"}, {"enabled_events", {"order.created"}}}; }

json with(json body, const std::string& field, const json& value) {
  body[field] = value;
  return body;
}

json without(json body, const std::string& field) {
  body.erase(field);
  return body;
}

class EndpointValidationTest : public ::testing::Test {
 protected:
  void SetUp() override { start_server(false); }

  void TearDown() override {
    if (!server_) return;
    auto health = request(port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 200) << health.body;
    // Refused requests store nothing.
    auto list = get(port(), kEndpointsPath + "?limit=100", key_.secret);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.json()["data"].size(), expected_endpoints_) << list.body;
  }

  void start_server(bool allow_private_targets) {
    server_ = TestServer::start([&](Config& config) { config.allow_private_targets = allow_private_targets; });
    ApiFixture api(*server_);
    key_ = api.create_account_and_key("sk", {}, "full");
  }

  unsigned short port() const { return server_->port(); }

  HttpResponse create(const json& body) { return post(port(), kEndpointsPath, key_.secret, body); }

  HttpResponse send_raw_body(const std::string& method, const std::string& path, const std::string& body) {
    return request(port(), method, path, body,
                   {{"Authorization", "Bearer " + key_.secret}, {"Content-Type", "application/json"}});
  }

  std::string create_ok(const json& body = valid_body()) {
    auto response = create(body);
    if (response.status != 200) {
      throw std::runtime_error("create answered " + std::to_string(response.status) + ": " + response.body);
    }
    ++expected_endpoints_;
    return response.json()["id"].get<std::string>();
  }

  // A clean JSON error: the status, code and (when given) the field named.
  void expect_error(const HttpResponse& response, int status, const std::string& code,
                    const std::optional<std::string>& param = std::nullopt) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_NE(response.header("content-type").find("application/json"), std::string::npos) << response.body;
    json body;
    try {
      body = response.json();
    } catch (const std::exception& error) {
      ADD_FAILURE() << "error body is not JSON: " << error.what() << ": " << response.body.substr(0, 200);
      return;
    }
    EXPECT_EQ(body["error"]["code"], code) << response.body.substr(0, 500);
    EXPECT_TRUE(body["error"]["message"].is_string()) << response.body.substr(0, 500);
    EXPECT_LT(response.body.size(), 4096u) << "error bodies must not echo huge input";
    if (param) {
      EXPECT_EQ(body["error"]["param"], *param) << response.body.substr(0, 500);
    }
  }

  void expect_invalid(const HttpResponse& response, const std::string& param) {
    expect_error(response, 400, "INVALID_PARAMETER", param);
  }

  std::unique_ptr<TestServer> server_;
  CreatedKey key_;
  std::size_t expected_endpoints_ = 0;
};

// ---------------------------------------------------------------------------
// url

TEST_F(EndpointValidationTest, UrlIsRequired) {
  expect_error(create(without(valid_body(), "url")), 400, "MISSING_PARAMETER", "url");
}

TEST_F(EndpointValidationTest, UrlMustBeAString) {
  for (const json& value : {json(5), json(nullptr), json(true), json::array({"https://example.com/"}),
                            json::object({{"href", "https://example.com/"}})}) {
    SCOPED_TRACE(value.dump());
    expect_invalid(create(with(valid_body(), "url", value)), "url");
  }
}

TEST_F(EndpointValidationTest, UnacceptableUrlsAreRefusedNamingUrl) {
  const Names urls = {
      "",
      "/hooks",
      "example.com/hooks",
      "ftp://example.com/hooks",
      "http://example.com/hooks",  // private targets off: https only
      "javascript:alert(1)",
      "https:///no-host",
      "https://exa mple.com/",
      "https://127.0.0.1/",
      "https://[::1]/",
      "https://169.254.169.254/latest/meta-data/",
      "https://10.0.0.1/",
      "https://192.168.1.1/",
      "https://0.0.0.0/",
      "https://localhost/",
      "https://LOCALHOST:8443/",
      "https://2130706433/",
      "https://0x7f000001/",
      "https://127.1/",
      "https://0177.0.0.1/",
      "https://[::ffff:127.0.0.1]/",
      "https://u:p@example.com/",
      "https://user@example.com/",
      "https://example.com/" + std::string(2100, 'a'),
  };
  for (const auto& url : urls) {
    SCOPED_TRACE(url.substr(0, 80));
    expect_invalid(create(with(valid_body(), "url", url)), "url");
  }
  // The same checks guard a PATCH of the url.
  std::string id = create_ok();
  for (const auto& url : {"https://127.0.0.1/", "http://example.com/", "https://u:p@example.com/", "relative"}) {
    SCOPED_TRACE(url);
    expect_invalid(patch(port(), kEndpointsPath + "/" + id, key_.secret, {{"url", url}}), "url");
  }
  auto fetched = get(port(), kEndpointsPath + "/" + id, key_.secret);
  EXPECT_EQ(fetched.json()["url"], "https://example.com/hooks");
}

TEST_F(EndpointValidationTest, UrlOfExactlyTheMaximumLengthIsAccepted) {
  std::string base = "https://example.com/";
  std::string url = base + std::string(2048 - base.size(), 'a');
  ASSERT_EQ(url.size(), 2048u);
  create_ok(with(valid_body(), "url", url));
  expect_invalid(create(with(valid_body(), "url", url + "a")), "url");
}

TEST_F(EndpointValidationTest, PrivateTargetsAreAcceptedWhenTheOperatorAllowsThem) {
  start_server(true);
  auto response = create(with(valid_body(), "url", "http://127.0.0.1:9/x"));
  ASSERT_EQ(response.status, 200) << response.body;
  ++expected_endpoints_;
  EXPECT_EQ(response.json()["url"], "http://127.0.0.1:9/x");
  // Still never other schemes or credentials.
  expect_invalid(create(with(valid_body(), "url", "ftp://127.0.0.1/x")), "url");
  expect_invalid(create(with(valid_body(), "url", "http://u:p@127.0.0.1:9/x")), "url");
}

// ---------------------------------------------------------------------------
// enabled_events

TEST_F(EndpointValidationTest, EnabledEventsAreValidated) {
  expect_error(create(without(valid_body(), "enabled_events")), 400, "MISSING_PARAMETER", "enabled_events");
  expect_invalid(create(with(valid_body(), "enabled_events", json::array())), "enabled_events");
  expect_invalid(create(with(valid_body(), "enabled_events", "order.created")), "enabled_events");
  expect_invalid(create(with(valid_body(), "enabled_events", nullptr)), "enabled_events");
  expect_invalid(create(with(valid_body(), "enabled_events", {{"order.created", true}})), "enabled_events");
  expect_invalid(create(with(valid_body(), "enabled_events", json::array({"order.created", 5}))),
                 "enabled_events[1]");
  expect_invalid(create(with(valid_body(), "enabled_events", json::array({"order.created", nullptr}))),
                 "enabled_events[1]");
  expect_invalid(create(with(valid_body(), "enabled_events", json::array({"order.created", "nope.nothing"}))),
                 "enabled_events[1]");
  expect_invalid(create(with(valid_body(), "enabled_events", json::array({"order.created", "order.created"}))),
                 "enabled_events[1]");
  expect_invalid(create(with(valid_body(), "enabled_events", json::array({"refund.*"}))), "enabled_events[0]");
  for (const std::string odd : {"", "ORDER.CREATED", "order", "order.", "order*", ".*", "*.*", "order.created.*",
                                " order.created"}) {
    SCOPED_TRACE("'" + odd + "'");
    expect_invalid(create(with(valid_body(), "enabled_events", json::array({odd}))), "enabled_events[0]");
  }
  Names many(101, "order.created");
  expect_invalid(create(with(valid_body(), "enabled_events", many)), "enabled_events");

  // The same rules on PATCH.
  std::string id = create_ok();
  auto patch_events = [&](const json& value) {
    return patch(port(), kEndpointsPath + "/" + id, key_.secret, {{"enabled_events", value}});
  };
  expect_invalid(patch_events(json::array()), "enabled_events");
  expect_invalid(patch_events(json::array({"refund.*"})), "enabled_events[0]");
  expect_invalid(patch_events(json::array({"order.created", 7})), "enabled_events[1]");
  expect_invalid(patch_events("order.created"), "enabled_events");
  auto fetched = get(port(), kEndpointsPath + "/" + id, key_.secret);
  EXPECT_EQ(fetched.json()["enabled_events"], json({"order.created"}));
}

// ---------------------------------------------------------------------------
// description and metadata

TEST_F(EndpointValidationTest, DescriptionIsBounded) {
  expect_invalid(create(with(valid_body(), "description", std::string(1001, 'd'))), "description");
  expect_invalid(create(with(valid_body(), "description", 5)), "description");
  expect_invalid(create(with(valid_body(), "description", nullptr)), "description");
  std::string id = create_ok(with(valid_body(), "description", std::string(1000, 'd')));
  expect_invalid(patch(port(), kEndpointsPath + "/" + id, key_.secret, {{"description", std::string(1001, 'd')}}),
                 "description");
}

// Lengths are in characters, as for metadata: 1000 two-byte characters fit.
TEST_F(EndpointValidationTest, DescriptionLengthIsCountedInCharacters) {
  auto response = create(with(valid_body(), "description", repeat("\xc3\xa9", 1000)));  // é
  EXPECT_EQ(response.status, 200) << response.body.substr(0, 300);
  if (response.status == 200) ++expected_endpoints_;
  expect_invalid(create(with(valid_body(), "description", repeat("\xc3\xa9", 1001))), "description");
}

TEST_F(EndpointValidationTest, MetadataIsValidated) {
  auto param_of = [](const HttpResponse& response) { return response.json()["error"]["param"]; };
  for (const json& value : {json("x"), json::array({"a"}), json(5), json(nullptr)}) {
    SCOPED_TRACE(value.dump());
    expect_invalid(create(with(valid_body(), "metadata", value)), "metadata");
  }
  // Values must be strings; the error names the entry.
  auto number = create(with(valid_body(), "metadata", {{"a", 5}}));
  expect_error(number, 400, "INVALID_PARAMETER");
  EXPECT_EQ(param_of(number), "metadata[a]");
  auto nested = create(with(valid_body(), "metadata", {{"a", {{"b", "c"}}}}));
  expect_error(nested, 400, "INVALID_PARAMETER");
  EXPECT_EQ(param_of(nested), "metadata[a]");

  json keys = json::object();
  for (int i = 0; i < 51; ++i) keys["k" + std::to_string(i)] = "v";
  expect_invalid(create(with(valid_body(), "metadata", keys)), "metadata");
  expect_invalid(create(with(valid_body(), "metadata", {{std::string(41, 'k'), "v"}})), "metadata");
  expect_invalid(create(with(valid_body(), "metadata", {{"", "v"}})), "metadata");
  auto long_value = create(with(valid_body(), "metadata", {{"k", std::string(501, 'v')}}));
  expect_error(long_value, 400, "INVALID_PARAMETER");
  EXPECT_EQ(param_of(long_value), "metadata[k]");

  // Lengths are in characters: 40 two-byte characters make a valid key, and
  // 500 a valid value; one more of either is refused.
  const std::string e_acute = "\xc3\xa9";
  expect_invalid(create(with(valid_body(), "metadata", {{repeat(e_acute, 41), "v"}})), "metadata");
  auto long_utf8 = create(with(valid_body(), "metadata", {{"k", repeat(e_acute, 501)}}));
  expect_error(long_utf8, 400, "INVALID_PARAMETER");
  EXPECT_EQ(param_of(long_utf8), "metadata[k]");
  create_ok(with(valid_body(), "metadata", {{repeat(e_acute, 40), repeat(e_acute, 500)}}));

  // At the bounds: accepted.
  keys.erase("k50");
  std::string id = create_ok(with(valid_body(), "metadata", keys));
  create_ok(with(valid_body(), "metadata", {{std::string(40, 'k'), std::string(500, 'v')}}));

  // PATCH merges; the merged result is bounded too, and a refused PATCH
  // changes nothing.
  auto over = patch(port(), kEndpointsPath + "/" + id, key_.secret, {{"metadata", {{"extra", "1"}}}});
  expect_invalid(over, "metadata");
  auto fetched = get(port(), kEndpointsPath + "/" + id, key_.secret);
  EXPECT_EQ(fetched.json()["metadata"].size(), 50u);
  EXPECT_FALSE(fetched.json()["metadata"].contains("extra"));
  auto swap = patch(port(), kEndpointsPath + "/" + id, key_.secret, {{"metadata", {{"k0", nullptr}, {"extra", "1"}}}});
  ASSERT_EQ(swap.status, 200) << swap.body;
  EXPECT_EQ(swap.json()["metadata"].size(), 50u);
  EXPECT_EQ(swap.json()["metadata"]["extra"], "1");
}

// ---------------------------------------------------------------------------
// unknown fields and wrong types

TEST_F(EndpointValidationTest, UnknownBodyFieldsAreRefusedByName) {
  expect_error(create(with(valid_body(), "secret", "whsec_chosen")), 400, "UNKNOWN_PARAMETER", "secret");
  expect_error(create(with(valid_body(), "status", "enabled")), 400, "UNKNOWN_PARAMETER", "status");
  expect_error(create(with(valid_body(), "disabled", true)), 400, "UNKNOWN_PARAMETER", "disabled");
  std::string id = create_ok();
  std::string path = kEndpointsPath + "/" + id;
  expect_error(patch(port(), path, key_.secret, {{"enabled", false}}), 400, "UNKNOWN_PARAMETER", "enabled");
  expect_error(patch(port(), path, key_.secret, {{"secret", "whsec_chosen"}}), 400, "UNKNOWN_PARAMETER", "secret");
  expect_error(patch(port(), path, key_.secret, {{"description", "ok"}, {"id", "we_other"}}), 400,
               "UNKNOWN_PARAMETER", "id");
  auto fetched = get(port(), path, key_.secret);
  EXPECT_EQ(fetched.json()["description"], "") << "a refused PATCH changes nothing";
}

TEST_F(EndpointValidationTest, WrongJsonTypesAreRefusedByName) {
  expect_invalid(create(with(valid_body(), "url", 5)), "url");
  std::string id = create_ok();
  std::string path = kEndpointsPath + "/" + id;
  for (const json& value : {json("yes"), json(1), json(nullptr), json("true")}) {
    SCOPED_TRACE(value.dump());
    expect_invalid(patch(port(), path, key_.secret, {{"disabled", value}}), "disabled");
  }
  expect_invalid(patch(port(), path, key_.secret, {{"url", 5}}), "url");
  expect_invalid(patch(port(), path, key_.secret, {{"url", nullptr}}), "url");
  expect_invalid(patch(port(), path, key_.secret, {{"description", json::array()}}), "description");
  expect_invalid(patch(port(), path, key_.secret, {{"metadata", "k=v"}}), "metadata");
  auto fetched = get(port(), path, key_.secret);
  EXPECT_EQ(fetched.json()["status"], "enabled");
}

// ---------------------------------------------------------------------------
// hostile bodies

TEST_F(EndpointValidationTest, TruncatedJsonIs400) {
  std::string full = valid_body().dump();
  for (std::size_t cut : {std::size_t{1}, full.size() / 2, full.size() - 1}) {
    SCOPED_TRACE(full.substr(0, cut));
    expect_error(send_raw_body("POST", kEndpointsPath, full.substr(0, cut)), 400, "INVALID_JSON");
  }
  expect_error(send_raw_body("POST", kEndpointsPath, full + " trailing"), 400, "INVALID_JSON");
  expect_error(send_raw_body("POST", kEndpointsPath, full + full), 400, "INVALID_JSON");
  std::string id = create_ok();
  expect_error(send_raw_body("PATCH", kEndpointsPath + "/" + id, R"({"description": "x)"), 400, "INVALID_JSON");
  expect_error(send_raw_body("POST", kEndpointsPath + "/" + id + "/secret/roll", R"({"grace_period_seconds": )"), 400,
               "INVALID_JSON");
}

TEST_F(EndpointValidationTest, NonObjectBodiesAre400) {
  for (const std::string body : {"[]", "null", "5", "\"x\"", "true", R"([{"url": "https://example.com/"}])"}) {
    SCOPED_TRACE(body);
    expect_error(send_raw_body("POST", kEndpointsPath, body), 400, "INVALID_JSON");
  }
  // Valid JSON, but a number no double holds: refused naming the field.
  expect_invalid(send_raw_body("POST", kEndpointsPath, R"({"url": 1e999, "enabled_events": ["order.created"]})"),
                 "url");
}

TEST_F(EndpointValidationTest, TwoMebibyteBodyIs413) {
  std::string description(2 * 1024 * 1024, 'd');
  std::string body = with(valid_body(), "description", description).dump();
  std::string head = "POST " + kEndpointsPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                     key_.secret + "\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n";
  Connection connection(port());
  try {
    connection.send_raw(head + body);
  } catch (const std::runtime_error&) {
    // The server may answer and close before the whole body is sent.
  }
  auto response = connection.read_response();
  ASSERT_TRUE(response.has_value());
  expect_error(*response, 413, "BODY_TOO_LARGE");
}

TEST_F(EndpointValidationTest, DeeplyNestedBodiesAreRefusedFast) {
  const std::size_t depth = 100'000;
  struct Case {
    std::string label;
    std::string body;
  };
  std::vector<Case> cases = {
      {"bare arrays", std::string(depth, '[')},
      {"closed arrays", std::string(depth, '[') + std::string(depth, ']')},
      {"arrays in a field", R"({"enabled_events": )" + std::string(depth, '[') + std::string(depth, ']') + "}"},
      {"objects in metadata", R"({"metadata": )" + repeat(R"({"a":)", depth) + "1" + std::string(depth, '}') + "}"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto started = std::chrono::steady_clock::now();
    auto response = send_raw_body("POST", kEndpointsPath, c.body);
    auto elapsed = std::chrono::steady_clock::now() - started;
    expect_error(response, 400, "INVALID_JSON");
    EXPECT_LT(elapsed, std::chrono::seconds(2));
  }
}

TEST_F(EndpointValidationTest, InvalidUtf8Is400) {
  const Names bodies = {
      "{\"url\": \"https://example.com/\xff\", \"enabled_events\": [\"order.created\"]}",
      "{\"url\": \"https://example.com/\", \"description\": \"\xc3\", \"enabled_events\": [\"order.created\"]}",
      "{\"url\": \"https://example.com/\", \"description\": \"\xc0\xaf\", \"enabled_events\": [\"order.created\"]}",
      "{\"url\": \"https://example.com/\", \"description\": \"\xed\xa0\x80\", \"enabled_events\": [\"order.created\"]}",
      R"({"url": "https://example.com/", "description": "\ud800", "enabled_events": ["order.created"]})",
      "{\"url\": \"https://example.com/\", \"metadata\": {\"\xfe\": \"v\"}, \"enabled_events\": [\"order.created\"]}",
  };
  for (const auto& body : bodies) {
    auto response = send_raw_body("POST", kEndpointsPath, body);
    expect_error(response, 400, "INVALID_JSON");
  }
}

TEST_F(EndpointValidationTest, EmptyPostBodyIsMissingUrl) {
  expect_error(send_raw_body("POST", kEndpointsPath, ""), 400, "MISSING_PARAMETER", "url");
  expect_error(send_raw_body("POST", kEndpointsPath, "{}"), 400, "MISSING_PARAMETER", "url");
}

}  // namespace
}  // namespace hookgate::testing

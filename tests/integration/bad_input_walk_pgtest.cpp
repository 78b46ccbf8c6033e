// Every operation of the served OpenAPI document, sent bad input generated
// from its own schema (tests/support/bad_inputs.h) with valid credentials, so
// the input is what is judged: the answer is never a 5xx, never a dropped or
// silent connection, and every 4xx carries the JSON error shape. A route
// added to the document is walked without changing this file; the walk fails
// if it reached fewer operations than the document lists.

#include "core/timefmt.h"
#include "support/api_fixture.h"
#include "support/bad_inputs.h"
#include "support/http_client.h"
#include "support/test_server.h"
#include "support/text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>
#include <variant>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Requests on one keep-alive connection, opened again only after the server
// said `Connection: close`. A response that never comes is a failure.
class KeepAliveClient {
 public:
  explicit KeepAliveClient(unsigned short port) : port_(port) {}

  // The response, or what went wrong instead.
  std::variant<HttpResponse, std::string> send(const std::string& method, const BadRequest& request,
                                               const std::string& bearer) {
    if (!connection_) connection_ = std::make_unique<Connection>(port_, 10s);
    std::string text = method + " " + request.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!bearer.empty()) text += "Authorization: Bearer " + bearer + "\r\n";
    for (const auto& [name, value] : request.headers) text += name + ": " + value + "\r\n";
    text += "Content-Length: " + std::to_string(request.body.size()) + "\r\n\r\n" + request.body;
    std::string failure;
    try {
      try {
        connection_->send_raw(text);
      } catch (const std::runtime_error&) {
        // The server may answer (413) and close before reading all of a big body.
      }
      if (auto response = connection_->read_response()) {
        if (lower_ascii(response->header("connection")) == "close") connection_.reset();
        return *response;
      }
      failure = "the server closed the connection without answering";
    } catch (const std::exception& error) {
      failure = error.what();
    }
    connection_.reset();
    return failure;
  }

 private:
  unsigned short port_;
  std::unique_ptr<Connection> connection_;
};

// What is wrong with a 4xx body, or "" when it has the error shape.
std::string error_shape_problem(const HttpResponse& response) {
  if (response.header("content-type") != "application/json") return "content-type " + response.header("content-type");
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "no error object";
  for (const char* field : {"type", "code", "message", "request_id"}) {
    if (!body["error"].contains(field) || !body["error"][field].is_string() ||
        body["error"][field].get_ref<const std::string&>().empty()) {
      return std::string("error.") + field + " is missing or not a non-empty string";
    }
  }
  return "";
}

class BadInputWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::start([](Config& config) {
      config.rate_limit_per_second = 1e6;  // the walk sends a few thousand requests with one key
      config.rate_limit_burst = 1e6;
    });
    ApiFixture api(*server_);
    key_ = api.create_account_and_key("sk", {}, "full");
    account_ = key_.body.at("account").get<std::string>();
    auto endpoint = post(port(), kEndpointsPath, key_.secret, {{"url", kHookUrl}, {"enabled_events", {"*"}}});
    ASSERT_EQ(endpoint.status, 200) << endpoint.body;
    ids_["webhook_endpoints"] = endpoint.json().at("id").get<std::string>();
    auto types = get(port(), kEventTypesPath, key_.secret);
    ASSERT_EQ(types.status, 200) << types.body;
    api.publish_event(account_, types.json().at("data").at(0).at("name").get<std::string>(), {{"n", 1}});
    auto deliveries = get(port(), "/v1/webhook_deliveries", key_.secret);
    ASSERT_EQ(deliveries.status, 200) << deliveries.body;
    ASSERT_FALSE(deliveries.json().at("data").empty()) << deliveries.body;
    ids_["webhook_deliveries"] = deliveries.json()["data"][0].at("id").get<std::string>();
    auto job = post(port(), kEndpointsPath + "/" + ids_["webhook_endpoints"] + "/recover", key_.secret,
                    {{"since", format_rfc3339(std::chrono::system_clock::now() - 1h)}});
    ASSERT_EQ(job.status, 200) << job.body;
    ids_["retry_jobs"] = job.json().at("id").get<std::string>();
  }

  unsigned short port() const { return server_->port(); }

  // A real id for each `{name}`: the one of the collection named just before it.
  PathValues path_values(const Operation& operation) const {
    PathValues values;
    std::string previous;
    for (std::size_t start = 1; start <= operation.path.size();) {
      auto end = std::min(operation.path.find('/', start), operation.path.size());
      auto segment = operation.path.substr(start, end - start);
      if (segment.size() > 2 && segment.front() == '{') {
        auto it = ids_.find(previous);
        values[segment.substr(1, segment.size() - 2)] = it != ids_.end() ? it->second : "zz_no_fixture_id";
      }
      previous = segment;
      start = end + 1;
    }
    return values;
  }

  std::string credential(const Operation& operation) const {
    if (!operation.authenticated) return "";
    return operation.path.rfind("/internal/", 0) == 0 ? std::string(kOperatorToken) : key_.secret;
  }

  static constexpr const char* kHookUrl = "http://127.0.0.1:9/bad-input";
  std::unique_ptr<TestServer> server_;
  CreatedKey key_;
  std::string account_;
  std::map<std::string, std::string> ids_;
};

TEST_F(BadInputWalkTest, EveryOperationAnswersBadInputWithAFourHundredAndTheErrorShape) {
  auto served = request(port(), "GET", "/v1/openapi.json");
  ASSERT_EQ(served.status, 200);
  const json document = json::parse(served.body);
  auto operations = document_operations(document);
  // A delete that succeeds removes the ids the other operations use.
  std::stable_partition(operations.begin(), operations.end(), [](const auto& op) { return op.method != "DELETE"; });

  const KnownGoodValues known_good = {
      {"url", kHookUrl},
      {"enabled_events", {"*"}},
      {"since", format_rfc3339(std::chrono::system_clock::now() - 1h)},
      {"until", format_rfc3339(std::chrono::system_clock::now())},
  };
  KeepAliveClient client(port());
  std::vector<std::string> failures;
  std::set<std::string> covered;
  std::size_t sent = 0;
  for (const auto& operation : operations) {
    const std::string name = operation.method + " " + operation.path;
    auto values = path_values(operation);
    auto cases = bad_requests(operation, values, known_good);
    auto valid = valid_request(operation, values, known_good);
    if (operation.method == "DELETE") cases.push_back(valid);
    else cases.insert(cases.begin(), valid);
    std::map<int, int> statuses;
    for (const auto& bad : cases) {
      auto answer = client.send(operation.method, bad, credential(operation));
      ++sent;
      auto where = name + " with " + bad.label + ": ";
      if (auto* problem = std::get_if<std::string>(&answer)) {
        failures.push_back(where + *problem);
        continue;
      }
      const auto& response = std::get<HttpResponse>(answer);
      ++statuses[response.status];
      covered.insert(name);
      auto body = response.body.substr(0, 300);
      if (response.status >= 500) failures.push_back(where + std::to_string(response.status) + " " + body);
      if (response.status == 401 || response.status == 403) {
        failures.push_back(where + "the credentials were refused, so the input was not judged: " + body);
      }
      if (response.status >= 400 && response.status < 500) {
        if (auto shape = error_shape_problem(response); !shape.empty()) failures.push_back(where + shape + ": " + body);
      }
      if (&bad == &cases.front() && operation.method != "DELETE" && response.status >= 300) {
        failures.push_back(where + "the valid request is refused: " + body);
      }
      if (bad.label.rfind("duplicate ", 0) == 0 &&
          (response.status != 400 || response.body.find("\"INVALID_JSON\"") == std::string::npos)) {
        failures.push_back(where + "a duplicate key must be 400 INVALID_JSON, got " + std::to_string(response.status) +
                           " " + body);
      }
    }
    std::cout << name << ": " << cases.size() << " requests;";
    for (const auto& [status, count] : statuses) std::cout << " " << status << "×" << count;
    std::cout << "\n";
  }
  std::cout << sent << " requests to " << covered.size() << " operations\n";

  EXPECT_EQ(covered.size(), count_operations(document)) << "every documented operation must be reached";
  EXPECT_GE(covered.size(), 13u) << "the document lists 13 operations today";
  std::string report;
  for (std::size_t i = 0; i < failures.size() && i < 60; ++i) report += failures[i] + "\n";
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures, the first ones:\n" << report;
}

}  // namespace
}  // namespace hookgate::testing

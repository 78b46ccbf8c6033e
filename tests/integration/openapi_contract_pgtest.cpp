// The OpenAPI document (openapi/openapi.json) against the real server: it is
// served byte for byte at GET /v1/openapi.json without a key, and the Node
// contract check (tests/openapi/contract.mjs: Redocly lint, Ajv validation)
// runs against a TestServer over real sockets. It compares the document with
// the route table the App registered, probes every documented operation, and
// validates every response of a realistic scenario against the schemas. The
// last tests make sure that check can fail.

#include "core/error.h"
#include "domain/scopes.h"
#include "support/api_fixture.h"
#include "support/process.h"
#include "support/scope_reference.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string openapi_path() { return source_dir() + "/openapi/openapi.json"; }
std::string contract_dir() { return source_dir() + "/tests/openapi"; }

// Every /v1 route the server registers, with the scope its gate enforces for
// the method ("" for any valid key), or public when no gate stands in front.
json registered_routes(App& app) {
  json routes = json::array();
  for (const auto& route : app.router().routes()) {
    if (route.pattern.rfind("/v1/", 0) != 0) continue;
    json entry = {{"method", route.method}, {"pattern", route.pattern}, {"public", true}};
    for (const auto& spec : app.api_route_specs()) {
      if (spec.method == route.method && spec.pattern == route.pattern) {
        entry["public"] = false;
        entry["scope"] = std::string(required_scope(spec.method, spec.scopes));
      }
    }
    routes.push_back(entry);
  }
  return routes;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

class OpenApiContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::start([](Config& config) {
      config.role = Config::Role::all;          // delivery workers and retry jobs run
      config.delivery_poll_interval = 200ms;
      config.retry_schedule = {0ms};           // one attempt: an unreachable endpoint's deliveries fail at once
      config.max_endpoints_per_account = 4;  // so the scenario can produce 422 LIMIT_EXCEEDED
    });
    work_ = std::filesystem::temp_directory_path() /
            ("hookgate-openapi-" + std::to_string(::getpid()) + "-" + std::to_string(server_->port()));
    std::filesystem::create_directories(work_);
  }

  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(work_, ignored);
  }

  // Runs the contract check; returns its exit status with its output.
  std::pair<ExitStatus, std::string> run_contract(const json& routes, const std::vector<std::string>& extra = {}) {
    auto routes_file = work_ / "routes.json";
    write_file(routes_file, routes.dump(2));
    std::vector<std::string> argv = {"node",
                                     contract_dir() + "/contract.mjs",
                                     "--url",
                                     "http://127.0.0.1:" + std::to_string(server_->port()),
                                     "--operator-token",
                                     kOperatorToken,
                                     "--routes",
                                     routes_file.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Process check(argv);
    auto status = check.wait_for(180s);
    if (!status) {
      check.kill(SIGKILL);
      ADD_FAILURE() << "the contract check did not finish in 180 s";
      status = check.wait();
    }
    return {*status, check.describe()};
  }

  bool tools_installed() const {
    return std::filesystem::exists(contract_dir() + "/node_modules/ajv/package.json") &&
           std::filesystem::exists(contract_dir() + "/node_modules/@redocly/cli/package.json");
  }

  std::unique_ptr<TestServer> server_;
  std::filesystem::path work_;
};

TEST_F(OpenApiContractTest, ServesTheRepositoryDocumentWithoutAKey) {
  auto response = request(server_->port(), "GET", "/v1/openapi.json");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.body, read_file_bytes(openapi_path())) << "the build embeds openapi/openapi.json as it is";
  EXPECT_EQ(response.header("ratelimit-limit"), "") << "documentation does not pass through the API-key gate";
  EXPECT_EQ(json::parse(response.body).value("openapi", ""), "3.1.0");

  // A key, even a bad one, changes nothing: the gate is not in front of it.
  auto with_key = request(server_->port(), "GET", "/v1/openapi.json", "", {{"Authorization", "Bearer sk_nonsense"}});
  EXPECT_EQ(with_key.status, 200);
  auto unknown = request(server_->port(), "GET", "/v1/openapi.json?format=yaml");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.json()["error"].value("code", ""), "UNKNOWN_PARAMETER");
  auto post = request(server_->port(), "POST", "/v1/openapi.json");
  EXPECT_EQ(post.status, 405) << post.body;
}

// The document's closed list of error codes holds every code a /v1 client
// can be sent (typed clients reject any other), walked from the one error
// enum, so a new code fails here until the document lists it.
TEST(OpenApiErrorCodes, TheDocumentListsEveryCodeTheApiCanSend) {
  auto document = json::parse(read_file_bytes(openapi_path()));
  const auto& error = document["components"]["schemas"]["Error"]["properties"]["error"]["properties"];
  std::set<std::string> codes(error["code"]["enum"].begin(), error["code"]["enum"].end());
  std::set<std::string> types(error["type"]["enum"].begin(), error["type"]["enum"].end());
  // Sent only by the operator plane (/internal), which the document leaves out.
  const std::set<std::string> operator_only = {"INVALID_OPERATOR_TOKEN", "OPERATOR_PLANE_DISABLED", "CONFLICT",
                                               "ACCOUNT_ERASED"};
  for (int value = 0; value <= static_cast<int>(Errc::internal); ++value) {
    auto errc = static_cast<Errc>(value);
    std::string code(error_code(errc));
    EXPECT_EQ(types.count(std::string(error_type(errc))), 1u) << code << "'s type";
    if (operator_only.count(code)) continue;
    EXPECT_EQ(codes.count(code), 1u) << code << " is missing from the Error schema's code enum";
  }
}

TEST_F(OpenApiContractTest, DocumentMatchesTheRunningServer) {
  ASSERT_TRUE(tools_installed()) << "the contract check needs its npm packages; run `bash scripts/openapi-deps.sh`";
  auto routes = registered_routes(server_->app());
  ASSERT_GE(routes.size(), 12u) << routes.dump(2);
  auto [status, output] = run_contract(routes);
  EXPECT_TRUE(status.exited(0)) << output;
  EXPECT_NE(output.find("OK: the OpenAPI document matches the running server"), std::string::npos) << output;
  // Which statuses each operation produced (visible with ctest -V).
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("covered:", 0) == 0 || line.find("/v1 requests checked") != std::string::npos) {
      std::cout << line << "\n";
    }
  }
}

// The check is not vacuous: an undocumented route, a documented route the
// server lacks, a response missing a field the schema requires and a status
// the document does not list are each reported, and a broken document fails
// the lint.
TEST_F(OpenApiContractTest, ReportsEveryKindOfMismatch) {
  ASSERT_TRUE(tools_installed()) << "the contract check needs its npm packages; run `bash scripts/openapi-deps.sh`";
  auto routes = registered_routes(server_->app());
  routes.push_back({{"method", "GET"}, {"pattern", "/v1/undocumented_things"}, {"public", false}, {"scope", ""}});

  auto spec = json::parse(read_file_bytes(openapi_path()));
  auto& schemas = spec["components"]["schemas"];
  // Responses lack a field the doctored schema requires.
  schemas["WebhookEndpointFields"]["properties"]["shoe_size"] = {{"type", "integer"}};
  schemas["WebhookEndpointFields"]["required"].push_back("shoe_size");
  spec["paths"]["/v1/event_types"]["get"]["responses"].erase("401");
  spec["paths"]["/v1/ghost_objects"] = {
      {"get",
       {{"operationId", "listGhostObjects"},
        {"summary", "Nothing"},
        {"security", {{{"apiKey", json::array()}}}},
        {"responses",
         {{"200", {{"description", "x"}, {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Nope"}}}}}}}}},
          {"401", {{"$ref", "#/components/responses/Unauthorized"}}}}}}}};
  auto doctored = work_ / "doctored.json";
  write_file(doctored, spec.dump(2));

  auto [status, output] = run_contract(routes, {"--spec", doctored.string()});
  EXPECT_TRUE(status.exited(1)) << output;
  for (const std::string expected : {
           "redocly lint failed",
           "GET /v1/undocumented_things is registered by the server but not documented",
           "GET /v1/ghost_objects is documented but the server registers no such route",
           "GET /v1/ghost_objects: the running server answers 404 ROUTE_NOT_FOUND",
           "must have required property 'shoe_size'",
           "status 401 is not documented for GET /v1/event_types",
       }) {
    EXPECT_NE(output.find(expected), std::string::npos) << "expected \"" << expected << "\" in:\n" << output;
  }
}

// A scope in the document that differs from the one the server enforces is
// reported too (the route table is the server's own).
TEST_F(OpenApiContractTest, ReportsADocumentedScopeTheServerDoesNotEnforce) {
  ASSERT_TRUE(tools_installed()) << "the contract check needs its npm packages; run `bash scripts/openapi-deps.sh`";
  auto spec = json::parse(read_file_bytes(openapi_path()));
  auto& retrieve = spec["paths"]["/v1/webhook_deliveries/{id}"]["get"];
  retrieve["security"] = {{{"apiKey", {"webhooks.deliveries:retry"}}}};
  auto doctored = work_ / "doctored.json";
  write_file(doctored, spec.dump(2));

  auto [status, output] = run_contract(registered_routes(server_->app()),
                                       {"--spec", doctored.string(), "--no-lint", "--no-scenario"});
  EXPECT_TRUE(status.exited(1)) << output;
  EXPECT_NE(output.find("GET /v1/webhook_deliveries/{}: the document names scopes [\"webhooks.deliveries:retry\"], "
                        "the server enforces [\"webhooks.deliveries:read\"]"),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace hookgate::testing

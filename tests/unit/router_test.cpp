// The router without a server: which route a target reaches, its path
// parameters, and the 400/404/405 answers when none does.

#include "core/error.h"
#include "http/router.h"
#include "support/response_header.h"

#include <gtest/gtest.h>

namespace hookgate::http {
namespace {

using hookgate::testing::error_code_of;
using hookgate::testing::response_header;

Request request_for(std::string method, std::string target) {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.request_id = "req_router";
  return request;
}

// Each route answers with its own name, so a test sees which one ran.
Route named(std::string method, std::string pattern, std::string name) {
  return {std::move(method), std::move(pattern), name, [name](Request&) {
            Response response;
            response.body = name;
            return response;
          }};
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.add(named("GET", "/v1/things", "things.list"));
    router_.add(named("POST", "/v1/things", "things.create"));
    router_.add(named("GET", "/v1/things/{id}", "things.retrieve"));
    router_.add(named("DELETE", "/v1/things/{id}", "things.delete"));
    router_.add(named("GET", "/v1/things/{id}/parts/{part}", "parts.retrieve"));
  }
  Router router_;
};

TEST_F(RouterTest, ALiteralPathReachesTheRouteOfItsMethod) {
  auto request = request_for("POST", "/v1/things");
  auto response = router_.dispatch(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "things.create");
  EXPECT_EQ(request.route, "things.create") << "the route's name is kept for the log line and metrics";
}

TEST_F(RouterTest, PathParametersAreDecodedSegments) {
  auto request = request_for("GET", "/v1/things/th_1/parts/p%202");
  auto response = router_.dispatch(request);
  EXPECT_EQ(response.body, "parts.retrieve");
  EXPECT_EQ(request.path_params, (std::map<std::string, std::string>{{"id", "th_1"}, {"part", "p 2"}}));
}

TEST_F(RouterTest, AParameterNeedsANonEmptySegmentAndSegmentCountsMustAgree) {
  for (std::string target : {"/v1/things/", "/v1/things/th_1/parts", "/v1/things/th_1/extra", "/v1/thing"}) {
    auto request = request_for("GET", target);
    auto response = router_.dispatch(request);
    EXPECT_EQ(response.status, 404) << target;
    EXPECT_EQ(error_code_of(response), "ROUTE_NOT_FOUND") << target;
    EXPECT_TRUE(request.route.empty()) << target;
  }
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodIs405NamingTheAllowedOnes) {
  auto request = request_for("PATCH", "/v1/things/th_1");
  auto response = router_.dispatch(request);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(error_code_of(response), "METHOD_NOT_ALLOWED");
  EXPECT_EQ(response_header(response, "Allow"), "GET, DELETE");

  auto on_list = request_for("PUT", "/v1/things");
  EXPECT_EQ(response_header(router_.dispatch(on_list), "Allow"), "GET, POST");
}

TEST_F(RouterTest, QueryParametersAreDecodedInOrderAndBareBracketsAccepted) {
  auto request = request_for("GET", "/v1/things?limit=3&created[gte]=10&q=a%26b");
  EXPECT_EQ(router_.dispatch(request).status, 200);
  std::vector<std::pair<std::string, std::string>> expected = {{"limit", "3"}, {"created[gte]", "10"}, {"q", "a&b"}};
  EXPECT_EQ(request.query, expected);
  EXPECT_EQ(request.query_param("created[gte]"), "10");
}

TEST_F(RouterTest, TargetsThatAreNotAnOriginFormPathAre400) {
  for (std::string target : {"http://example.com/v1/things", "v1/things", "*", "/v1/things%00", "/v1/%ff"}) {
    auto request = request_for("GET", target);
    auto response = router_.dispatch(request);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(error_code_of(response), "MALFORMED_REQUEST") << target;
  }
}

TEST_F(RouterTest, AnApiErrorFromAHandlerBecomesItsResponse) {
  router_.add({"GET", "/v1/failing", "failing", [](Request&) -> Response {
                 throw ApiError(Errc::resource_missing, "No such thing.");
               }});
  auto request = request_for("GET", "/v1/failing");
  auto response = router_.dispatch(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(error_code_of(response), "RESOURCE_MISSING");
  EXPECT_EQ(nlohmann::json::parse(response.body)["error"]["request_id"], "req_router");
}

}  // namespace
}  // namespace hookgate::http

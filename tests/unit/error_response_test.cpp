#include "api/storage_failure.h"
#include "core/error.h"
#include "http/router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/except>

#include <stdexcept>

namespace hookgate::http {
namespace {

std::optional<std::string> header(const Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

Response respond_to(std::exception_ptr error) {
  Request request;
  request.request_id = "req_test";
  return error_response(std::move(error), request, translate_storage_failure);
}

TEST(ErrorResponseTest, ALostDatabaseConnectionIs503WithRetryAfter) {
  auto response = respond_to(std::make_exception_ptr(
      pqxx::broken_connection("Could not obtain client encoding: not connected.")));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(header(response, "Retry-After"), "1");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["error"]["code"], "SERVICE_UNAVAILABLE");
  EXPECT_EQ(body["error"]["request_id"], "req_test");
  EXPECT_EQ(response.body.find("not connected"), std::string::npos) << "libpq's text stays in the log";
}

TEST(ErrorResponseTest, EveryServiceUnavailableErrorCarriesRetryAfter) {
  auto response =
      respond_to(std::make_exception_ptr(ApiError(Errc::service_unavailable, "The database is busy; try again.")));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(header(response, "Retry-After"), "1");
}

TEST(ErrorResponseTest, OtherFailuresCarryNoRetryAfter) {
  auto internal = respond_to(std::make_exception_ptr(std::runtime_error("bug")));
  EXPECT_EQ(internal.status, 500);
  EXPECT_FALSE(header(internal, "Retry-After").has_value());
  auto failed_statement = respond_to(std::make_exception_ptr(pqxx::unique_violation("duplicate key", "", "23505")));
  EXPECT_EQ(failed_statement.status, 500);
  auto client = respond_to(std::make_exception_ptr(invalid_parameter("url", "bad")));
  EXPECT_EQ(client.status, 400);
  EXPECT_FALSE(header(client, "Retry-After").has_value());
}

}  // namespace
}  // namespace hookgate::http

#include "db/connection_failure.h"

#include "api/storage_failure.h"

#include <gtest/gtest.h>
#include <pqxx/except>

#include <stdexcept>

namespace hookgate::db {
namespace {

TEST(ConnectionFailureTest, LostConnectionsAreFailuresOfTheConnection) {
  EXPECT_TRUE(is_connection_failure(pqxx::broken_connection("Could not obtain client encoding: not connected.")));
  EXPECT_TRUE(is_connection_failure(pqxx::too_many_connections("sorry, too many clients already")));
  EXPECT_TRUE(is_connection_failure(pqxx::in_doubt_error("connection lost during commit")));
  EXPECT_TRUE(is_connection_failure(pqxx::statement_completion_unknown("connection lost mid-statement")));
  EXPECT_TRUE(is_connection_failure(pqxx::failure("could not connect to server: Connection refused")));
}

TEST(ConnectionFailureTest, ServerShutdownStatesAreFailuresOfTheConnection) {
  for (const char* state : {"08000", "08006", "08P01", "57P01", "57P02", "57P03", "53300"}) {
    EXPECT_TRUE(is_connection_failure(pqxx::sql_error("terminating connection", "SELECT 1", state))) << state;
  }
}

TEST(ConnectionFailureTest, FailedStatementsOnALiveConnectionAreNot) {
  EXPECT_FALSE(is_connection_failure(pqxx::unique_violation("duplicate key", "INSERT", "23505")));
  EXPECT_FALSE(is_connection_failure(pqxx::sql_error("canceling statement", "SELECT", "57014")));
  EXPECT_FALSE(is_connection_failure(pqxx::sql_error("division by zero", "SELECT 1/0", "22012")));
  EXPECT_FALSE(is_connection_failure(pqxx::sql_error("no state")));
  EXPECT_FALSE(is_connection_failure(pqxx::serialization_failure("could not serialize access")));
  EXPECT_FALSE(is_connection_failure(pqxx::deadlock_detected("deadlock detected")));
  EXPECT_FALSE(is_connection_failure(pqxx::usage_error("transaction still open")));
  EXPECT_FALSE(is_connection_failure(pqxx::conversion_error("not an integer")));
  EXPECT_FALSE(is_connection_failure(std::runtime_error("not connected")));
}

TEST(ConnectionFailureTest, AConnectionFailureReadsAsServiceUnavailableWithRetryAfter) {
  auto unavailable = as_unavailable(pqxx::broken_connection("server closed the connection unexpectedly"));
  ASSERT_TRUE(unavailable.has_value());
  EXPECT_EQ(unavailable->code(), Errc::service_unavailable);
  EXPECT_EQ(http_status(unavailable->code()), 503);
  EXPECT_EQ(retry_after_seconds(unavailable->code()), 1);
  // The message names no internals (no libpq text).
  EXPECT_EQ(std::string(unavailable->what()).find("server closed"), std::string::npos);
  EXPECT_FALSE(as_unavailable(pqxx::unique_violation("duplicate key", "INSERT", "23505")).has_value());
}

}  // namespace
}  // namespace hookgate::db

#include "api/storage_failure.h"
#include "db/storage_error.h"

#include <gtest/gtest.h>
#include <pqxx/except>

#include <stdexcept>

namespace hookgate {
namespace {

std::string message_for(db::UnavailableReason reason) {
  auto error = as_unavailable(db::Unavailable(reason));
  EXPECT_TRUE(error.has_value());
  if (!error) return "";
  EXPECT_EQ(error->code(), Errc::service_unavailable);
  return error->what();
}

TEST(StorageFailureTest, EachReasonTheDatabaseIsAwayHasItsOwnMessage) {
  EXPECT_EQ(message_for(db::UnavailableReason::shutting_down), "The service is shutting down.");
  EXPECT_EQ(message_for(db::UnavailableReason::pool_exhausted), "The database is busy; try again shortly.");
  EXPECT_EQ(message_for(db::UnavailableReason::unreachable), "The database is unavailable; retry shortly.");
}

TEST(StorageFailureTest, OnlyStorageFailuresAreTranslated) {
  http::Request request;
  request.request_id = "req_test";
  EXPECT_TRUE(translate_storage_failure(pqxx::broken_connection("gone"), request).has_value());
  EXPECT_FALSE(translate_storage_failure(std::runtime_error("bug"), request).has_value());
}

}  // namespace
}  // namespace hookgate

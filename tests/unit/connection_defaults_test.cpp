// The settings added to HOOKGATE_DATABASE_URL (db/connection_defaults.h),
// read back with libpq's own parser.

#include "db/connection_defaults.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace hookgate::db {
namespace {

std::map<std::string, std::string> parsed(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(conninfo.c_str(), &error),
                                                                       &PQconninfoFree);
  if (!options) {
    std::string message = error ? error : "";
    PQfreemem(error);
    throw std::runtime_error("not parsable: " + message);
  }
  std::map<std::string, std::string> values;
  for (auto* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val != nullptr) values[option->keyword] = option->val;
  }
  return values;
}

TEST(ConnectionDefaults, AMultiHostUriKeepsEveryHostAndGainsTheTimeouts) {
  auto values = parsed(with_connection_defaults(
      "postgresql://hookgate:s3cr%27t@db1:5432,db2:5433/hookgate?target_session_attrs=read-write&sslmode=prefer"));
  EXPECT_EQ(values["host"], "db1,db2");
  EXPECT_EQ(values["port"], "5432,5433");
  EXPECT_EQ(values["user"], "hookgate");
  EXPECT_EQ(values["password"], "s3cr't");  // quoting survives the round trip
  EXPECT_EQ(values["dbname"], "hookgate");
  EXPECT_EQ(values["target_session_attrs"], "read-write");
  EXPECT_EQ(values["sslmode"], "prefer");
  EXPECT_EQ(values["connect_timeout"], "3");
  EXPECT_EQ(values["keepalives_idle"], "10");
  EXPECT_EQ(values["keepalives_interval"], "3");
  EXPECT_EQ(values["keepalives_count"], "3");
  EXPECT_EQ(values["tcp_user_timeout"], "15000");
}

TEST(ConnectionDefaults, SettingsTheUrlGivesWin) {
  auto values = parsed(with_connection_defaults("host=/run/pg dbname=x connect_timeout=30 tcp_user_timeout=0"));
  EXPECT_EQ(values["host"], "/run/pg");
  EXPECT_EQ(values["connect_timeout"], "30");
  EXPECT_EQ(values["tcp_user_timeout"], "0");
  EXPECT_EQ(values["keepalives_idle"], "10");
}

TEST(ConnectionDefaults, ABackslashInAValueSurvives) {
  EXPECT_EQ(parsed(with_connection_defaults(R"(password='a\\b\'c' dbname=x)"))["password"], R"(a\b'c)");
}

TEST(ConnectionDefaults, WhatLibpqCannotParseIsRefusedWithItsReason) {
  try {
    with_connection_defaults("postgresql://h/db?no_such_option=1");
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_option"), std::string::npos) << e.what();
  }
  EXPECT_THROW(with_connection_defaults("dbname"), std::invalid_argument);
}

}  // namespace
}  // namespace hookgate::db

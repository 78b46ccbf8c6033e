// The migrator against a real PostgreSQL: fresh apply, idempotent re-runs,
// refusal of edited or unknown migrations, and concurrent `hookgate migrate`.

#include "core/crypto.h"
#include "db/migration_source.h"
#include "db/migrator.h"
#include "support/process.h"
#include "support/test_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace hookgate::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using Recorded = std::tuple<int, std::string, std::string>;  // version, name, checksum

// Must equal kMigrationLockKey in src/db/migrator.cpp. Old and new builds
// must contend for the same lock during a rolling deploy, so changing it is
// a breaking change this test should flag.
constexpr long long kMigrationLockKey = 0x686f6f6b67617465;

std::vector<db::Migration> embedded() { return db::parse_migrations(db::embedded_migrations()); }

// What schema_migrations should hold, checksums computed here from the raw files.
std::vector<Recorded> expected_records() {
  std::vector<Recorded> out;
  for (const auto& m : embedded()) {
    for (const auto& file : db::embedded_migrations()) {
      if (file.name == m.name) out.emplace_back(m.version, file.name, crypto::sha256_hex(file.sql));
    }
  }
  return out;
}

std::vector<Recorded> recorded(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  std::vector<Recorded> out;
  for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version")) {
    out.emplace_back(row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>());
  }
  return out;
}

void exec(pqxx::connection& conn, const std::string& sql) {
  pqxx::work tx(conn);
  tx.exec(sql);
  tx.commit();
}

bool table_exists(pqxx::connection& conn, const std::string& table) {
  pqxx::read_transaction tx(conn);
  return tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", table)[0].as<bool>();
}

int next_version() { return embedded().back().version + 1; }

// This build's files plus one more numbered after the last.
std::vector<db::MigrationFile> with_extra(const std::string& sql) {
  auto files = db::embedded_migrations();
  files.push_back({"V" + std::to_string(next_version()) + "__test_extra.sql", sql});
  return files;
}

// The MigrationError message; any other outcome fails the test.
std::string refusal(pqxx::connection& conn, const std::vector<db::Migration>& migrations) {
  try {
    db::migrate(conn, migrations);
  } catch (const db::MigrationError& error) {
    return error.what();
  }
  ADD_FAILURE() << "migrate did not refuse";
  return "";
}

TEST(Migrations, EmptyDatabaseGetsEveryEmbeddedMigration) {
  auto migrations = embedded();
  ASSERT_FALSE(migrations.empty());
  pqxx::connection conn(empty_database());
  EXPECT_FALSE(db::migrations_current(conn, migrations));

  auto result = db::migrate(conn, migrations);

  std::vector<int> versions;
  for (const auto& m : migrations) versions.push_back(m.version);
  EXPECT_EQ(result.applied, versions);
  EXPECT_THAT(recorded(conn), ElementsAreArray(expected_records()));
  EXPECT_TRUE(db::migrations_current(conn, migrations));
}

// Migrates an empty database up to (not including) `version`, then adds
// account acct_m, endpoint we_m and events evt_m1 .. evt_m<events>.
void migrate_before(pqxx::connection& conn, int version, int events) {
  std::vector<db::Migration> before;
  for (const auto& m : embedded()) {
    if (m.version < version) before.push_back(m);
  }
  db::migrate(conn, before);
  exec(conn, "INSERT INTO accounts (id, name) VALUES ('acct_m', 'm');"
             "INSERT INTO webhook_endpoints (id, account_id, url) VALUES ('we_m', 'acct_m', 'https://example.com/m');"
             "INSERT INTO events (id, account_id, type, payload, occurred_at) SELECT 'evt_m' || g, 'acct_m', "
             "'order.accepted', '{}', now() FROM generate_series(1, " + std::to_string(events) + ") g;");
}

// V010 moves the queue out of webhook_deliveries: pending deliveries, claimed
// or not, keep their due time, claim token and attempt count in the queue;
// failed ones get failed_at.
TEST(Migrations, TheDeliveryQueueTakesOverPendingDeliveries) {
  pqxx::connection conn(empty_database());
  migrate_before(conn, 10, 3);
  exec(conn, R"sql(
    INSERT INTO webhook_deliveries (id, account_id, event_id, endpoint_id, event_type, status, attempt_count,
                                    next_attempt_at, claim_token, last_attempt_at) VALUES
      ('whd_waiting', 'acct_m', 'evt_m1', 'we_m', 'order.accepted', 'pending', 0, '2026-11-28T10:00:00Z', NULL, NULL),
      ('whd_claimed', 'acct_m', 'evt_m2', 'we_m', 'order.accepted', 'pending', 2, '2026-11-28T10:01:00Z', 42,
       '2026-11-28T09:00:00Z'),
      ('whd_failed', 'acct_m', 'evt_m3', 'we_m', 'order.accepted', 'failed', 5, NULL, NULL, '2026-11-28T08:00:00Z');
  )sql");

  db::migrate(conn, embedded());

  pqxx::read_transaction tx(conn);
  auto queued = tx.exec(
      "SELECT delivery_id, account_id, due_at = CASE delivery_id WHEN 'whd_claimed' THEN timestamptz "
      "'2026-11-28T10:01:00Z' ELSE timestamptz '2026-11-28T10:00:00Z' END, coalesce(claim_token, 0), attempt_count "
      "FROM webhook_delivery_queue ORDER BY delivery_id");
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0][0].as<std::string>(), "whd_claimed");
  EXPECT_EQ(queued[0][1].as<std::string>(), "acct_m");
  EXPECT_TRUE(queued[0][2].as<bool>());
  EXPECT_EQ(queued[0][3].as<long long>(), 42);
  EXPECT_EQ(queued[0][4].as<int>(), 2);
  EXPECT_EQ(queued[1][0].as<std::string>(), "whd_waiting");
  EXPECT_TRUE(queued[1][2].as<bool>());
  EXPECT_EQ(queued[1][3].as<long long>(), 0);
  EXPECT_EQ(queued[1][4].as<int>(), 0);
  auto failed = tx.exec("SELECT id, failed_at = '2026-11-28T08:00:00Z' FROM webhook_deliveries "
                        "WHERE failed_at IS NOT NULL");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0][0].as<std::string>(), "whd_failed");
  EXPECT_TRUE(failed[0][1].as<bool>());
}

TEST(Migrations, RerunFromANewSessionAppliesNothing) {
  std::string url = empty_database();
  std::string before;
  {
    pqxx::connection conn(url);
    db::migrate(conn, embedded());
    pqxx::read_transaction tx(conn);
    before = tx.exec1("SELECT string_agg(version || '@' || applied_at, ',' ORDER BY version) FROM schema_migrations")[0]
                 .as<std::string>();
  }
  pqxx::connection conn(url);
  EXPECT_TRUE(db::migrate(conn, embedded()).applied.empty());
  pqxx::read_transaction tx(conn);
  auto after = tx.exec1("SELECT string_agg(version || '@' || applied_at, ',' ORDER BY version) FROM schema_migrations");
  EXPECT_EQ(after[0].as<std::string>(), before) << "a re-run must not touch applied rows";
}

TEST(Migrations, PendingMigrationIsAppliedAlone) {
  pqxx::connection conn(fresh_database());
  auto result = db::migrate(conn, db::parse_migrations(with_extra("CREATE TABLE test_extra (id int);")));
  EXPECT_THAT(result.applied, ElementsAre(next_version()));
  EXPECT_TRUE(table_exists(conn, "test_extra"));
}

TEST(Migrations, FailingMigrationRollsBackWholeFileAndReleasesLock) {
  std::string url = fresh_database();
  pqxx::connection conn(url);
  auto migrations = db::parse_migrations(with_extra("CREATE TABLE half_done (id int); SELECT 1/0;"));
  EXPECT_THROW(db::migrate(conn, migrations), pqxx::sql_error);

  EXPECT_FALSE(table_exists(conn, "half_done"));
  EXPECT_THAT(recorded(conn), ElementsAreArray(expected_records()));
  // Another session must be able to migrate next: the lock was released.
  pqxx::connection other(url);
  pqxx::nontransaction tx(other);
  EXPECT_TRUE(tx.exec1("SELECT pg_try_advisory_lock(" + std::to_string(kMigrationLockKey) + ")")[0].as<bool>());
}

TEST(Migrations, EditedAppliedMigrationIsRefusedBeforeAnythingRuns) {
  pqxx::connection conn(fresh_database());
  auto files = with_extra("CREATE TABLE must_not_exist (id int);");
  files.front().sql += "\n-- edited after it was applied\n";
  auto migrations = db::parse_migrations(files);

  EXPECT_THAT(refusal(conn, migrations), HasSubstr(files.front().name));
  EXPECT_FALSE(table_exists(conn, "must_not_exist"));
  EXPECT_THAT(recorded(conn), ElementsAreArray(expected_records()));
  EXPECT_FALSE(db::migrations_current(conn, migrations));
}

TEST(Migrations, TamperedChecksumIsRefusedNamingTheFile) {
  pqxx::connection conn(fresh_database());
  exec(conn, "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1");
  auto migrations = embedded();
  ASSERT_EQ(migrations.front().version, 1);
  EXPECT_THAT(refusal(conn, migrations), HasSubstr(migrations.front().name));
  EXPECT_FALSE(db::migrations_current(conn, migrations));
}

TEST(Migrations, UnknownNewerVersionIsRefused) {
  pqxx::connection conn(fresh_database());
  int newer = next_version();
  exec(conn, "INSERT INTO schema_migrations (version, name, checksum) VALUES (" + std::to_string(newer) +
                 ", 'V" + std::to_string(newer) + "__from_a_newer_build.sql', 'abc')");
  EXPECT_THAT(refusal(conn, embedded()), HasSubstr(std::to_string(newer)));
  EXPECT_FALSE(db::migrations_current(conn, embedded()));
}

// --- the real binary ---

Process hookgate_migrate(const std::string& database_url) {
  return Process({hookgate_binary(), "migrate"}, {.env = {{"HOOKGATE_DATABASE_URL", database_url}}});
}

// Waits for a child that should end by itself; a hang fails this test only.
ExitStatus finish(Process& process) {
  auto status = process.wait_for(std::chrono::seconds(60));
  if (!status) {
    ADD_FAILURE() << "timed out: " << process.describe();
    process.kill(SIGKILL);
    status = process.wait();
  }
  return *status;
}

int applied_count(const std::string& stdout_text) {
  static const std::regex pattern(R"(applied ([0-9]+) migration\(s\))");
  std::smatch match;
  if (!std::regex_search(stdout_text, match, pattern)) return -1;
  return std::stoi(match[1].str());
}

int advisory_lock_waiters(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return tx
      .exec1("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
             " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")[0]
      .as<int>();
}

TEST(MigrationsCli, ConcurrentMigrateProcessesApplyEachMigrationOnce) {
  std::string url = empty_database();
  pqxx::connection conn(url);
  // Hold the migration lock until both processes queue on it, so they
  // really overlap however slowly each one starts.
  pqxx::nontransaction(conn).exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
  Process first = hookgate_migrate(url);
  Process second = hookgate_migrate(url);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int waiters = 0;
  while ((waiters = advisory_lock_waiters(conn)) < 2 && !first.poll() && !second.poll() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(waiters, 2) << "both processes should wait on the migration lock\n"
                        << first.describe() << "\n" << second.describe();
  pqxx::nontransaction(conn).exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");

  EXPECT_TRUE(finish(first).exited(0)) << first.describe();
  EXPECT_TRUE(finish(second).exited(0)) << second.describe();
  // One process applies everything, the other finds nothing left to do.
  EXPECT_EQ(applied_count(first.stdout_text()) + applied_count(second.stdout_text()),
            static_cast<int>(embedded().size()))
      << first.describe() << "\n" << second.describe();
  EXPECT_THAT(recorded(conn), ElementsAreArray(expected_records()));
}

TEST(MigrationsCli, TamperedChecksumMakesMigrateExitNonZero) {
  std::string url = fresh_database();
  pqxx::connection conn(url);
  exec(conn, "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1");

  Process migrate = hookgate_migrate(url);
  EXPECT_TRUE(finish(migrate).exited(1)) << migrate.describe();
  EXPECT_THAT(migrate.stderr_text(), HasSubstr("migration refused"));
  EXPECT_THAT(migrate.stderr_text(), HasSubstr(embedded().front().name));
}

// V013 moves each queued delivery's open attempt to its queue row; an open
// attempt of a delivery no longer queued is closed as interrupted.
TEST(Migrations, OpenAttemptsMoveToTheirQueueRows) {
  pqxx::connection conn(empty_database());
  migrate_before(conn, 13, 2);
  exec(conn, R"sql(
    INSERT INTO webhook_deliveries (id, account_id, event_id, endpoint_id, event_type, status, attempt_count)
    VALUES ('whd_inflight', 'acct_m', 'evt_m1', 'we_m', 'order.accepted', 'pending', 2),
           ('whd_done', 'acct_m', 'evt_m2', 'we_m', 'order.accepted', 'succeeded', 1);
    INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at, claim_token, attempt_count)
    VALUES ('whd_inflight', 'acct_m', '2026-11-28T10:01:00Z', 42, 2);
    INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, outcome)
    VALUES ('wha_first', 'whd_inflight', 'acct_m', 1, '2026-11-28T09:00:00Z', '2026-11-28T09:00:01Z', 'failed');
    INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at)
    VALUES ('wha_open', 'whd_inflight', 'acct_m', 2, '2026-11-28T10:00:30Z'),
           ('wha_orphan', 'whd_done', 'acct_m', 1, '2026-11-28T08:00:00Z');
  )sql");

  db::migrate(conn, embedded());

  pqxx::read_transaction tx(conn);
  auto queued = tx.exec1("SELECT attempt_id, attempt_started_at = '2026-11-28T10:00:30Z' FROM webhook_delivery_queue");
  EXPECT_EQ(queued[0].as<std::string>(), "wha_open");
  EXPECT_TRUE(queued[1].as<bool>());
  auto attempts = tx.exec("SELECT id, outcome FROM webhook_attempts ORDER BY id");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0][0].as<std::string>(), "wha_first");
  EXPECT_EQ(attempts[0][1].as<std::string>(), "failed");
  EXPECT_EQ(attempts[1][0].as<std::string>(), "wha_orphan");
  EXPECT_EQ(attempts[1][1].as<std::string>(), "interrupted");
}

}  // namespace
}  // namespace hookgate::testing

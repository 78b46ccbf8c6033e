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

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <regex>
#include <set>
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
template <class Migrations>
std::string refusal(pqxx::connection& conn, const Migrations& migrations) {
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

// The embedded migrations numbered below `version`.
std::vector<db::Migration> embedded_before(int version) {
  std::vector<db::Migration> before;
  for (const auto& m : embedded()) {
    if (m.version < version) before.push_back(m);
  }
  return before;
}

// Migrates an empty database up to (not including) `version`, then adds
// account acct_m, endpoint we_m and events evt_m1 .. evt_m<events>.
void migrate_before(pqxx::connection& conn, int version, int events) {
  db::migrate(conn, embedded_before(version));
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

  db::migrate(conn, embedded_before(18));  // V018 would give these ids new ones

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

  db::migrate(conn, embedded_before(18));  // V018 would give these ids new ones

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

// --- repeatable migrations (migrations/functions/, migrations/triggers/) ---

db::MigrationSet embedded_set() { return db::embedded_migration_set(); }

using RepeatableRow = std::tuple<std::string, std::string, std::string>;  // name, checksum, applied_at

std::vector<RepeatableRow> recorded_repeatables(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  std::vector<RepeatableRow> out;
  for (const auto& row :
       tx.exec("SELECT name, checksum, applied_at::text FROM schema_repeatable_migrations ORDER BY name")) {
    out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>());
  }
  return out;
}

std::string function_source(pqxx::connection& conn, const std::string& name) {
  pqxx::read_transaction tx(conn);
  return tx.exec_params1("SELECT prosrc FROM pg_proc WHERE proname = $1", name)[0].as<std::string>();
}

// This build's set with notify_catalogue_change's body changed.
constexpr const char* kChangedFile = "functions/notify_catalogue_change.sql";
db::MigrationSet with_changed_function() {
  auto files = db::embedded_repeatable_migrations();
  bool found = false;
  for (auto& file : files) {
    if (file.name != kChangedFile) continue;
    auto at = file.sql.find("TG_TABLE_NAME");
    EXPECT_NE(at, std::string::npos);
    file.sql.replace(at, 0, "'changed:' || ");
    found = true;
  }
  EXPECT_TRUE(found) << kChangedFile;
  return {embedded(), db::parse_repeatable_migrations(files)};
}

// V018 moves history into day partitions. A delivery whose id spells its
// creation time keeps it; one from before V012 (a random id) gets an id
// minted at its created_at, and its attempts, retries and queue row follow.
TEST(Migrations, HistoryMovesIntoDayPartitionsAndOldIdsAreMintedAnew) {
  pqxx::connection conn(empty_database());
  migrate_before(conn, 18, 2);
  exec(conn, R"sql(
    INSERT INTO api_keys (id, account_id, kind, description) VALUES ('key_m', 'acct_m', 'sk', 'm');
    INSERT INTO webhook_deliveries (id, account_id, event_id, endpoint_id, event_type, status, attempt_count,
                                    created_at, failed_at)
    VALUES (hookgate_random_id('whd_'), 'acct_m', 'evt_m1', 'we_m', 'order.accepted', 'succeeded', 1, now(), NULL),
           ('whd_0123456789abcdef0123456789abcdef', 'acct_m', 'evt_m2', 'we_m', 'order.accepted', 'failed', 1,
            '2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z');
    INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, outcome)
    SELECT 'wha_' || seq, id, 'acct_m', 1, created_at, created_at, 'failed' FROM webhook_deliveries;
    INSERT INTO webhook_delivery_retries (delivery_id, requested_by)
    SELECT id, 'key_m' FROM webhook_deliveries WHERE status = 'failed';
    INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at)
    SELECT id, account_id, now() FROM webhook_deliveries WHERE status = 'failed';
  )sql");
  std::string minted;
  {
    pqxx::read_transaction tx(conn);
    minted = tx.exec1("SELECT id FROM webhook_deliveries WHERE event_id = 'evt_m1'")[0].as<std::string>();
  }

  db::migrate(conn, db::embedded_migration_set());

  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT relkind FROM pg_class WHERE relname = 'webhook_deliveries'")[0].as<std::string>(), "p");
  auto kept = tx.exec1("SELECT tableoid::regclass::text, event_created_at = (SELECT created_at FROM events "
                       "WHERE id = 'evt_m1') FROM webhook_deliveries WHERE id = '" + minted + "'");
  EXPECT_EQ(kept[0].as<std::string>(),
            "webhook_deliveries_p" + tx.exec1("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')")[0].as<std::string>());
  EXPECT_TRUE(kept[1].as<bool>());

  auto renamed = tx.exec1(
      "SELECT id, tableoid::regclass::text, starts_with(id, hookgate_id_at('whd_', created_at)) FROM webhook_deliveries "
      "WHERE event_id = 'evt_m2'");
  auto new_id = renamed[0].as<std::string>();
  EXPECT_NE(new_id, "whd_0123456789abcdef0123456789abcdef");
  EXPECT_EQ(renamed[1].as<std::string>(), "webhook_deliveries_p20261120");
  EXPECT_TRUE(renamed[2].as<bool>());
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM webhook_attempts WHERE delivery_id = '" + new_id + "'")[0].as<int>(), 1);
  EXPECT_EQ(tx.exec1("SELECT tableoid::regclass::text FROM webhook_attempts WHERE delivery_id = '" + new_id + "'")[0]
                .as<std::string>(),
            "webhook_attempts_p20261120");
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM webhook_delivery_retries WHERE delivery_id = '" + new_id + "'")[0].as<int>(),
            1);
  EXPECT_EQ(tx.exec1("SELECT delivery_id FROM webhook_delivery_queue")[0].as<std::string>(), new_id);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM webhook_attempts")[0].as<int>(), 2);
  // Today through three days ahead exist for every partitioned table.
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM hookgate_partitioned_tables t, generate_series(0, 3) g "
                     "WHERE to_regclass(t.table_name || '_p' || to_char((now() AT TIME ZONE 'UTC')::date + g, "
                     "'YYYYMMDD')) IS NOT NULL")[0]
                .as<int>(),
            20);
}

// V021 partitions idempotency keys by day: the keys still within their 24
// hours move over whole, expired ones are left behind.
TEST(Migrations, LiveIdempotencyKeysMoveIntoDayPartitions) {
  pqxx::connection conn(empty_database());
  migrate_before(conn, 21, 0);
  exec(conn, R"sql(
    INSERT INTO idempotency_keys (account_id, key, fingerprint, state, response_status, sealed_response_body,
                                  owner_token, created_at)
    VALUES ('acct_m', 'done-key', 'f1', 'done', 201, '\x01020304', 't1', now() - interval '1 hour'),
           ('acct_m', 'expired-key', 'f2', 'done', 200, '\x05', 't2', now() - interval '30 hours');
    INSERT INTO idempotency_keys (account_id, key, fingerprint, state, owner_token)
    VALUES ('acct_m', 'running-key', 'f3', 'in_progress', 't3');
  )sql");

  db::migrate(conn, db::embedded_migration_set());

  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT relkind FROM pg_class WHERE relname = 'idempotency_keys'")[0].as<std::string>(), "p");
  auto rows = tx.exec(
      "SELECT key, fingerprint, state, coalesce(response_status, 0), encode(coalesce(sealed_response_body, ''), "
      "'hex'), owner_token, tableoid::regclass::text = 'idempotency_keys_p' || to_char(created_at AT TIME ZONE "
      "'UTC', 'YYYYMMDD') FROM idempotency_keys ORDER BY key");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].as<std::string>(), "done-key");
  EXPECT_EQ(rows[0][1].as<std::string>(), "f1");
  EXPECT_EQ(rows[0][2].as<std::string>(), "done");
  EXPECT_EQ(rows[0][3].as<int>(), 201);
  EXPECT_EQ(rows[0][4].as<std::string>(), "01020304");
  EXPECT_EQ(rows[0][5].as<std::string>(), "t1");
  EXPECT_TRUE(rows[0][6].as<bool>());
  EXPECT_EQ(rows[1][0].as<std::string>(), "running-key");
  EXPECT_EQ(rows[1][2].as<std::string>(), "in_progress");
  EXPECT_TRUE(rows[1][6].as<bool>());
}

TEST(RepeatableMigrations, EmptyDatabaseGetsEveryFileOnceInOrder) {
  auto set = embedded_set();
  ASSERT_FALSE(set.repeatables.empty());
  pqxx::connection conn(empty_database());

  auto result = db::migrate(conn, set);

  std::vector<std::string> names;
  for (const auto& file : db::embedded_repeatable_migrations()) names.push_back(file.name);
  EXPECT_EQ(result.repeatables_applied, names);
  auto rows = recorded_repeatables(conn);
  ASSERT_EQ(rows.size(), names.size());
  for (const auto& [name, checksum, applied_at] : rows) {
    auto file = std::find_if(set.repeatables.begin(), set.repeatables.end(), [&](const auto& r) { return r.name == name; });
    ASSERT_NE(file, set.repeatables.end()) << name;
    EXPECT_EQ(checksum, crypto::sha256_hex(file->sql)) << name;
  }
  EXPECT_TRUE(db::migrations_current(conn, set));
  EXPECT_TRUE(db::migrate(conn, set).repeatables_applied.empty());
}

TEST(RepeatableMigrations, OnlyTheChangedFileIsAppliedAgain) {
  pqxx::connection conn(fresh_database());
  auto before = recorded_repeatables(conn);
  auto changed = with_changed_function();
  EXPECT_FALSE(db::migrations_current(conn, changed)) << "/readyz must see the changed file as not applied";

  auto result = db::migrate(conn, changed);

  EXPECT_TRUE(result.applied.empty());
  EXPECT_THAT(result.repeatables_applied, ElementsAre(kChangedFile));
  EXPECT_THAT(function_source(conn, "notify_catalogue_change"), HasSubstr("'changed:' || TG_TABLE_NAME"));
  auto after = recorded_repeatables(conn);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    const auto& [name, checksum, applied_at] = after[i];
    if (name == kChangedFile) {
      EXPECT_NE(checksum, std::get<1>(before[i]));
      EXPECT_NE(applied_at, std::get<2>(before[i])) << "applied_at records the re-run";
    } else {
      EXPECT_EQ(after[i], before[i]) << name << " did not change and must not be re-run";
    }
  }
  EXPECT_TRUE(db::migrations_current(conn, changed));
  EXPECT_FALSE(db::migrations_current(conn, embedded_set()));
  EXPECT_TRUE(db::migrate(conn, changed).repeatables_applied.empty());
}

// Rolling deploys: a build that does not know a versioned migration the
// database has is older, and refuses before it could put back its own
// (older) function bodies.
TEST(RepeatableMigrations, OlderBuildNeverOverwritesFunctions) {
  pqxx::connection conn(fresh_database());
  int newer = next_version();
  exec(conn, "INSERT INTO schema_migrations (version, name, checksum) VALUES (" + std::to_string(newer) + ", 'V" +
                 std::to_string(newer) + "__from_a_newer_build.sql', 'abc')");
  auto before = recorded_repeatables(conn);
  auto source = function_source(conn, "notify_catalogue_change");

  EXPECT_THAT(refusal(conn, with_changed_function()), HasSubstr(std::to_string(newer)));
  EXPECT_EQ(function_source(conn, "notify_catalogue_change"), source);
  EXPECT_EQ(recorded_repeatables(conn), before);
}

TEST(RepeatableMigrations, FailingFileRollsBackWithItsBookkeeping) {
  pqxx::connection conn(fresh_database());
  auto before = recorded_repeatables(conn);
  auto files = db::embedded_repeatable_migrations();
  files.push_back({"functions/broken.sql", "CREATE OR REPLACE FUNCTION broken() RETURNS int LANGUAGE sql AS $$ SELECT $$;"});
  EXPECT_THROW(db::migrate(conn, embedded(), db::parse_repeatable_migrations(files)), pqxx::sql_error);
  EXPECT_EQ(recorded_repeatables(conn), before);
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_proc WHERE proname = 'broken'")[0].as<int>(), 0);
}

TEST(RepeatableMigrations, BadFileNamesAreRefused) {
  EXPECT_THROW(db::parse_repeatable_migrations({{"hookgate_random_id.sql", ""}}), db::MigrationError);
  EXPECT_THROW(db::parse_repeatable_migrations({{"functions/a.sql", ""}, {"functions/a.sql", ""}}),
               db::MigrationError);
}

std::set<std::string> file_names_of(const std::string& folder) {
  std::set<std::string> out;
  for (const auto& file : db::embedded_repeatable_migrations()) {
    if (file.name.rfind(folder + "/", 0) == 0) out.insert(file.name.substr(folder.size() + 1));
  }
  return out;
}

// Every SQL function and trigger hookgate defines lives in one file named
// after it: one defined in a versioned migration only fails here.
TEST(RepeatableMigrations, EachFunctionAndTriggerHasExactlyOneFileNamedAfterIt) {
  pqxx::connection conn(fresh_database());
  pqxx::read_transaction tx(conn);
  std::multiset<std::string> functions;
  for (const auto& row : tx.exec(
           "SELECT p.proname || '.sql' FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace "
           "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
           "AND d.objid = p.oid AND d.deptype = 'e')")) {
    functions.insert(row[0].as<std::string>());
  }
  std::multiset<std::string> triggers;
  for (const auto& row : tx.exec("SELECT tgname || '.sql' FROM pg_trigger WHERE NOT tgisinternal")) {
    triggers.insert(row[0].as<std::string>());
  }
  ASSERT_FALSE(functions.empty());
  ASSERT_FALSE(triggers.empty());
  auto function_files = file_names_of("functions");
  auto trigger_files = file_names_of("triggers");
  EXPECT_THAT(functions, ElementsAreArray(function_files)) << "an overload or a function without a file";
  EXPECT_THAT(triggers, ElementsAreArray(trigger_files)) << "two triggers of one name or one without a file";

  // A file defines exactly the object it is named after.
  static const std::regex definition(R"(CREATE\s+OR\s+REPLACE\s+(FUNCTION|TRIGGER)\s+([a-z0-9_]+))",
                                     std::regex::icase);
  for (const auto& file : db::embedded_repeatable_migrations()) {
    std::vector<std::string> defined;
    for (auto it = std::sregex_iterator(file.sql.begin(), file.sql.end(), definition); it != std::sregex_iterator();
         ++it) {
      std::string kind = (*it)[1].str();
      std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
      defined.push_back((kind == "function" ? "functions/" : "triggers/") + (*it)[2].str() + ".sql");
    }
    EXPECT_THAT(defined, ElementsAre(file.name));
  }
}

// Every function and trigger definition, as PostgreSQL prints it.
std::map<std::string, std::string> definitions(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::read_transaction tx(conn);
  std::map<std::string, std::string> out;
  for (const auto& row : tx.exec("SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
                                 "WHERE pronamespace = 'public'::regnamespace")) {
    out.emplace("function " + row[0].as<std::string>(), row[1].as<std::string>());
  }
  for (const auto& row : tx.exec("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal")) {
    out.emplace("trigger " + row[0].as<std::string>(), row[1].as<std::string>());
  }
  return out;
}

// What the database runs after migrating is what the files say: compared
// with a scratch database where the schema came from the versioned
// migrations alone and then each file was run by hand.
TEST(RepeatableMigrations, FunctionBodiesAfterMigratingAreTheFiles) {
  std::string scratch = empty_database();
  {
    pqxx::connection conn(scratch);
    db::migrate(conn, embedded());
    for (const auto& file : db::embedded_repeatable_migrations()) exec(conn, file.sql);
  }
  auto expected = definitions(scratch);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(definitions(fresh_database()), expected);
}

TEST(MigrationsCli, MigrateReportsRepeatableMigrations) {
  Process migrate = hookgate_migrate(empty_database());
  ASSERT_TRUE(finish(migrate).exited(0)) << migrate.describe();
  EXPECT_THAT(migrate.stdout_text(),
              HasSubstr("applied " + std::to_string(embedded().size()) + " migration(s) and " +
                        std::to_string(db::embedded_repeatable_migrations().size()) + " repeatable migration(s)"));

  Process again = hookgate_migrate(fresh_database());
  ASSERT_TRUE(finish(again).exited(0)) << again.describe();
  EXPECT_THAT(again.stdout_text(), HasSubstr("applied 0 migration(s) and 0 repeatable migration(s)"));
}

}  // namespace
}  // namespace hookgate::testing

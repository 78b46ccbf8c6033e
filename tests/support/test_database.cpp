#include "support/test_database.h"

#include "core/random.h"
#include "db/migrator.h"
#include "domain/ids.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace hookgate::testing {

namespace {

constexpr const char* kTemplate = "hookgate_template";

std::string unique_name(const std::string& stem) {
  OpenSslRandom random;
  std::string suffix = random_base62(random, 12);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(), [](unsigned char c) { return std::tolower(c); });
  return stem + "_" + suffix;
}

// Builds the migrated template once per cluster; processes running tests in
// parallel serialize on an advisory lock.
void ensure_template() {
  static bool ready = false;
  if (ready) return;
  pqxx::connection admin(cluster_url());
  pqxx::nontransaction tx(admin);
  tx.exec("SELECT pg_advisory_lock(4242)");
  bool exists = !tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", kTemplate).empty();
  if (!exists) {
    tx.exec(std::string("CREATE DATABASE ") + kTemplate);
    {
      pqxx::connection conn(database_url(kTemplate));
      db::migrate(conn, db::embedded_migration_set());
    }
    tx.exec(std::string("ALTER DATABASE ") + kTemplate + " WITH IS_TEMPLATE true");
  }
  tx.exec("SELECT pg_advisory_unlock(4242)");
  ready = true;
}

}  // namespace

std::string source_dir() { return HOOKGATE_SOURCE_DIR; }
std::string hookgate_binary() { return HOOKGATE_BINARY; }

std::string cluster_url() {
  static const std::string url = [] {
    std::ifstream file(std::string(HOOKGATE_TEST_STATE_DIR) + "/url");
    std::string line;
    if (!file || !std::getline(file, line) || line.empty()) {
      throw std::runtime_error(
          "no test PostgreSQL: run the suite with ctest (the pg_cluster_start fixture starts one) "
          "or scripts/pg-cluster.sh start " HOOKGATE_TEST_STATE_DIR);
    }
    return line;
  }();
  return url;
}

std::string database_url(const std::string& database) {
  std::string url = cluster_url();
  return url.substr(0, url.rfind('/') + 1) + database;
}

std::string fresh_database() {
  ensure_template();
  std::string name = unique_name("test");
  pqxx::connection admin(cluster_url());
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + name + " TEMPLATE " + kTemplate);
  return database_url(name);
}

std::string empty_database() {
  std::string name = unique_name("empty");
  pqxx::connection admin(cluster_url());
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + name);
  return database_url(name);
}

pqxx::result run_sql(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::work tx(conn);
  auto result = tx.exec(sql);
  tx.commit();
  return result;
}

std::map<std::string, std::string> deliveries_by_endpoint(const std::string& url, const std::string& event_id) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  std::map<std::string, std::string> out;
  for (const auto& row : tx.exec_params("SELECT endpoint_id, id FROM webhook_deliveries WHERE event_id = $1", event_id)) {
    out[row[0].as<std::string>()] = row[1].as<std::string>();
  }
  return out;
}

}  // namespace hookgate::testing

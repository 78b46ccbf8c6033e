#pragma once
// Each test gets its own database, cloned from a migrated template, on the
// PostgreSQL cluster the pg_cluster CTest fixture started for this run.

#include <pqxx/pqxx>

#include <map>
#include <string>

namespace hookgate::testing {

// URL of the cluster's maintenance database; fails the test run loudly when
// the fixture has not started a cluster.
std::string cluster_url();

// Same cluster, another database name.
std::string database_url(const std::string& database);

// Creates a fresh, fully migrated database and returns its URL.
std::string fresh_database();

// Creates an empty database (no migrations) and returns its URL.
std::string empty_database();

// Runs one SQL statement in its own committed transaction on the database at
// `url`: for seeding rows the API cannot create and for reading them back.
pqxx::result run_sql(const std::string& url, const std::string& sql);

// The deliveries an event fanned out to, as endpoint id → delivery id.
std::map<std::string, std::string> deliveries_by_endpoint(const std::string& url, const std::string& event_id);

std::string source_dir();
std::string hookgate_binary();

}  // namespace hookgate::testing

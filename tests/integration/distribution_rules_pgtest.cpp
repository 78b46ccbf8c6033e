// The schema rules that distributing by account (Citus, docs/scaling.md)
// would need, read from PostgreSQL's catalog of a migrated database:
//   account column   the tenant table has account_id NOT NULL;
//   primary key      its primary key includes account_id;
//   unique keys      every unique index (the primary key too) includes it;
//   foreign keys     every foreign key to another tenant table includes it
//                    (keys to catalogue tables, which would be reference
//                    tables, are exempt).
// kHolding lists, per tenant table, the rules that hold today. The test fails
// when a table loses one (a migration that would set the scale path back),
// when one starts to hold without being listed (update the list and
// docs/scaling.md together), and when a table appears that is not classified
// below.

#include "support/test_database.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace hookgate::testing {
namespace {

// Catalogue tables: small, the same for every account (reference tables).
const std::set<std::string> kReference = {"scopes", "scope_bundles", "scope_bundle_members", "event_types"};
// Bookkeeping of one database, not of any account (they would stay local to the coordinator).
const std::set<std::string> kLocal = {"schema_migrations", "schema_repeatable_migrations",
                                      "hookgate_partitioned_tables", "hookgate_maintenance_runs"};
// The tenants themselves, distributed by their id.
const std::set<std::string> kTenants = {"accounts"};

enum Rule { account_column, primary_key, unique_keys, foreign_keys };
const std::map<Rule, std::string> kRuleNames = {{account_column, "account column"},
                                                {primary_key, "primary key"},
                                                {unique_keys, "unique keys"},
                                                {foreign_keys, "foreign keys"}};

// What holds today (docs/scaling.md has the same table).
const std::map<std::string, std::set<Rule>> kHolding = {
    {"account_erasures", {account_column, foreign_keys}},
    {"api_keys", {account_column, foreign_keys}},
    {"api_key_scopes", {}},
    {"api_key_secrets", {}},
    {"endpoint_secrets", {}},
    {"endpoint_subscriptions", {}},
    {"events", {account_column, foreign_keys}},
    {"idempotency_keys", {account_column, primary_key, unique_keys, foreign_keys}},
    {"webhook_attempts", {account_column, foreign_keys}},
    {"webhook_deliveries", {account_column}},
    {"webhook_delivery_queue", {account_column, foreign_keys}},
    {"webhook_delivery_retries", {}},
    {"webhook_endpoints", {account_column, foreign_keys}},
    {"webhook_retry_job_items", {}},
    {"webhook_retry_jobs", {account_column}},
};

struct Table {
  std::optional<int> account_attnum;  // account_id NOT NULL
  std::vector<std::pair<bool, std::vector<int>>> unique_indexes;  // (is primary, columns)
  std::vector<std::pair<std::string, std::vector<int>>> foreign_keys;  // (referenced table, columns)
};

std::vector<int> numbers(const std::string& array_text) {  // "{1,2}" or "1 2"
  std::vector<int> out;
  std::string digits;
  for (char c : array_text + " ") {
    if (c >= '0' && c <= '9') digits += c;
    else if (!digits.empty()) {
      out.push_back(std::stoi(digits));
      digits.clear();
    }
  }
  return out;
}

std::map<std::string, Table> read_catalog(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  std::map<std::string, Table> tables;
  for (const auto& row : tx.exec("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                                 "AND relkind IN ('r', 'p') AND NOT relispartition")) {
    tables[row[0].as<std::string>()];
  }
  for (const auto& row : tx.exec("SELECT c.relname, a.attnum FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                                 "WHERE c.relnamespace = 'public'::regnamespace AND a.attname = 'account_id' "
                                 "AND a.attnotnull AND NOT a.attisdropped")) {
    if (tables.contains(row[0].as<std::string>())) tables[row[0].as<std::string>()].account_attnum = row[1].as<int>();
  }
  for (const auto& row : tx.exec("SELECT c.relname, i.indisprimary, i.indkey::text FROM pg_index i "
                                 "JOIN pg_class c ON c.oid = i.indrelid WHERE i.indisunique "
                                 "AND c.relnamespace = 'public'::regnamespace")) {
    if (!tables.contains(row[0].as<std::string>())) continue;
    tables[row[0].as<std::string>()].unique_indexes.emplace_back(row[1].as<bool>(), numbers(row[2].as<std::string>()));
  }
  for (const auto& row : tx.exec("SELECT c.relname, r.relname, k.conkey::text FROM pg_constraint k "
                                 "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid "
                                 "WHERE k.contype = 'f' AND c.relnamespace = 'public'::regnamespace "
                                 "AND NOT c.relispartition")) {
    if (!tables.contains(row[0].as<std::string>())) continue;
    tables[row[0].as<std::string>()].foreign_keys.emplace_back(row[1].as<std::string>(),
                                                               numbers(row[2].as<std::string>()));
  }
  return tables;
}

std::set<Rule> rules_holding(const Table& table) {
  std::set<Rule> holding;
  if (!table.account_attnum) return holding;
  auto includes_account = [&](const std::vector<int>& columns) {
    return std::find(columns.begin(), columns.end(), *table.account_attnum) != columns.end();
  };
  holding.insert(account_column);
  bool primary = false, uniques = true;
  for (const auto& [is_primary, columns] : table.unique_indexes) {
    if (is_primary) primary = includes_account(columns);
    uniques = uniques && includes_account(columns);
  }
  if (primary) holding.insert(primary_key);
  if (primary && uniques) holding.insert(unique_keys);
  bool fks = true;
  for (const auto& [referenced, columns] : table.foreign_keys) {
    if (!kReference.contains(referenced)) fks = fks && includes_account(columns);
  }
  if (fks) holding.insert(foreign_keys);
  return holding;
}

std::string names(const std::set<Rule>& rules) {
  std::string out;
  for (auto rule : rules) out += (out.empty() ? "" : ", ") + kRuleNames.at(rule);
  return out.empty() ? "none" : out;
}

TEST(DistributionRules, TenantTablesKeepTheRulesThatHoldAndEveryTableIsClassified) {
  auto tables = read_catalog(fresh_database());
  for (const auto& [name, table] : tables) {
    if (kReference.contains(name) || kLocal.contains(name) || kTenants.contains(name)) {
      EXPECT_FALSE(table.account_attnum.has_value() && !kTenants.contains(name))
          << name << " is classified as shared but holds account data";
      continue;
    }
    auto expected = kHolding.find(name);
    if (expected == kHolding.end()) {
      ADD_FAILURE() << "table " << name << " is not classified: add it to kHolding (rules holding: "
                    << names(rules_holding(table)) << ") and to docs/scaling.md";
      continue;
    }
    auto holding = rules_holding(table);
    for (auto rule : expected->second) {
      EXPECT_TRUE(holding.contains(rule)) << name << " lost the rule '" << kRuleNames.at(rule) << "'";
    }
    for (auto rule : holding) {
      EXPECT_TRUE(expected->second.contains(rule))
          << name << " now holds '" << kRuleNames.at(rule) << "': list it in kHolding and docs/scaling.md";
    }
  }
  for (const auto& [name, rules] : kHolding) EXPECT_TRUE(tables.contains(name)) << name << " is gone";
}

}  // namespace
}  // namespace hookgate::testing

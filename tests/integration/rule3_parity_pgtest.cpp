// DESIGN §3 rule 3 exists twice: in C++ (subscription_status(), which the
// endpoint views and updates use) and in SQL (hookgate_subscription_authorized(),
// which the fan-out in hookgate_publish_event() and hookgate_endpoint_receives()
// use). This runs both over a generated matrix of key kinds, scope sets,
// revocation, subscription patterns, event types and catalogue changes, on
// the same rows, and asserts they agree on every cell.

#include "core/error.h"
#include "db/catalogue_repository.h"
#include "db/endpoint_repository.h"
#include "db/pool.h"
#include "domain/scopes.h"
#include "domain/subscription_rules.h"
#include "support/scope_reference.h"
#include "support/test_database.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace hookgate::testing {
namespace {

constexpr const char* kAccount = "acct_parity";

struct CatalogueChange {
  std::string name;
  std::string sql;  // empty: the catalogue as seeded
  bool keys_made_after = false;  // bundles resolve when a key is made
};

const std::vector<CatalogueChange>& catalogue_changes() {
  static const std::vector<CatalogueChange> changes = {
      {"catalogue as seeded", "", false},
      {"order.accepted now needs enterprise.ledger:read",
       "UPDATE event_types SET scope = 'enterprise.ledger:read' WHERE name = 'order.accepted'", false},
      {"order.fulfilled now needs store.orders:write, which requires sk_",
       "UPDATE event_types SET scope = 'store.orders:write' WHERE name = 'order.fulfilled'", false},
      {"store.orders:read now requires sk_", "UPDATE scopes SET requires_sk = true WHERE name = 'store.orders:read'",
       false},
      {"store.orders:read removed from the store bundle, keys made before",
       "DELETE FROM scope_bundle_members WHERE bundle = 'store' AND scope = 'store.orders:read'", false},
      {"store.orders:read removed from the store bundle, keys made after",
       "DELETE FROM scope_bundle_members WHERE bundle = 'store' AND scope = 'store.orders:read'", true},
      {"webhook_endpoint.disabled leaves the catalogue",
       "DELETE FROM event_types WHERE name = 'webhook_endpoint.disabled'", false},
  };
  return changes;
}

struct KeySpec {
  std::string id;
  std::string kind;  // "pk" or "sk"
  bool revoked = false;
  std::optional<std::string> bundle;  // scopes from the bundle as it is when the key is made
  std::vector<std::string> scopes;
  std::string label;
};

// Key kinds x {no scope, each read scope alone, each bundle} x revoked, from
// the platform's scope reference (not from the database under test).
std::vector<KeySpec> key_matrix() {
  const auto ref = parse_scope_reference();
  std::vector<std::pair<std::string, KeySpec>> sets{{"no scope", {}}};
  for (const auto& [scope, description, requires_sk] : ref.scopes) {
    if (!requires_sk) sets.push_back({scope, KeySpec{"", "", false, std::nullopt, {scope}, ""}});
  }
  for (const auto& [bundle, scopes] : ref.bundle_columns) {
    sets.push_back({"bundle " + bundle, KeySpec{"", "", false, bundle, {}, ""}});
  }
  std::vector<KeySpec> out;
  for (const std::string kind : {"pk", "sk"}) {
    for (bool revoked : {false, true}) {
      for (const auto& [label, set] : sets) {
        KeySpec key = set;
        key.id = "key_" + kind + std::to_string(out.size());
        key.kind = kind;
        key.revoked = revoked;
        key.label = kind + " " + label + (revoked ? " (revoked)" : "");
        out.push_back(key);
      }
    }
  }
  return out;
}

void make_keys(pqxx::connection& conn, const std::vector<KeySpec>& keys) {
  pqxx::work tx(conn);
  for (const auto& key : keys) {
    tx.exec_params0("INSERT INTO api_keys (id, account_id, kind, revoked_at) VALUES ($1, $2, $3, "
                    "CASE WHEN $4 THEN now() END)",
                    key.id, kAccount, key.kind, key.revoked);
    if (key.bundle) {
      tx.exec_params0("INSERT INTO api_key_scopes (key_id, scope) SELECT $1, scope FROM scope_bundle_members "
                      "WHERE bundle = $2",
                      key.id, *key.bundle);
    }
    for (const auto& scope : key.scopes) {
      tx.exec_params0("INSERT INTO api_key_scopes (key_id, scope) VALUES ($1, $2)", key.id, scope);
    }
  }
  tx.commit();
}

// "*", every type, every family wildcard of a type ("ledger.*",
// "ledger.entry.*"), and a family that matches nothing; taken before the
// catalogue changes, as stored subscriptions are.
std::vector<std::string> pattern_matrix(pqxx::connection& conn) {
  std::set<std::string> out{"*", "nothing.*"};
  pqxx::read_transaction tx(conn);
  for (const auto& row : tx.exec("SELECT name FROM event_types")) {
    auto type = row[0].as<std::string>();
    out.insert(type);
    for (auto dot = type.find('.'); dot != std::string::npos; dot = type.find('.', dot + 1)) {
      out.insert(type.substr(0, dot) + ".*");
    }
  }
  return {out.begin(), out.end()};
}

struct Cell {
  std::string endpoint_id;
  std::string pattern;
  const KeySpec* key;
};

// One endpoint per (key, pattern), subscribed to that pattern alone.
std::vector<Cell> make_endpoints(pqxx::connection& conn, const std::vector<KeySpec>& keys,
                                 const std::vector<std::string>& patterns) {
  std::vector<Cell> cells;
  pqxx::work tx(conn);
  for (const auto& key : keys) {
    for (const auto& pattern : patterns) {
      Cell cell{"we_" + key.id.substr(4) + "p" + std::to_string(cells.size()), pattern, &key};
      tx.exec_params0("INSERT INTO webhook_endpoints (id, account_id, url) VALUES ($1, $2, 'https://example.com/')",
                      cell.endpoint_id, kAccount);
      tx.exec_params0("INSERT INTO endpoint_subscriptions (endpoint_id, pattern, authorized_by) VALUES ($1, $2, $3)",
                      cell.endpoint_id, pattern, key.id);
      cells.push_back(cell);
    }
  }
  tx.commit();
  return cells;
}

// id -> answer, for a query of (id, boolean) rows taking the event type as $1.
std::map<std::string, bool> sql_answers(pqxx::connection& conn, const std::string& query,
                                        const std::string& event_type = "") {
  pqxx::read_transaction tx(conn);
  std::map<std::string, bool> out;
  auto rows = event_type.empty() ? tx.exec(query) : tx.exec_params(query, event_type);
  for (const auto& row : rows) out.emplace(row[0].as<std::string>(), row[1].as<bool>());
  return out;
}

struct Tally {
  int cells = 0;
  int delivered = 0;  // fan-out cells where C++ says the endpoint receives the event
  int withheld = 0;
  int disagreements = 0;
  std::string first;

  void check(bool cpp, bool sql, const std::string& what) {
    ++cells;
    if (cpp == sql) return;
    if (disagreements++ == 0) first = what + ": C++ says " + (cpp ? "yes" : "no") + ", SQL says " + (sql ? "yes" : "no");
  }
};

std::string describe(const CatalogueChange& change, const Cell& cell, const std::string& event_type = "") {
  std::ostringstream out;
  out << "[" << change.name << "] key " << cell.key->label << ", pattern \"" << cell.pattern << "\"";
  if (!event_type.empty()) out << ", event type " << event_type;
  return out.str();
}

void run_case(const CatalogueChange& change, Tally& tally) {
  std::string url = fresh_database();
  db::Connection conn(url);
  auto& raw = conn.raw();
  auto run = [&raw](const std::string& sql) {
    pqxx::work tx(raw);
    tx.exec0(sql);
    tx.commit();
  };
  run("INSERT INTO accounts (id, name) VALUES ('acct_parity', 'parity')");
  auto keys = key_matrix();
  auto apply_change = [&] {
    if (!change.sql.empty()) run(change.sql);
  };
  auto patterns = pattern_matrix(raw);
  if (change.keys_made_after) apply_change();
  make_keys(raw, keys);
  auto cells = make_endpoints(raw, keys, patterns);
  if (!change.keys_made_after) apply_change();
  auto catalogue = db::load_catalogue(conn);

  // The C++ side reads each subscription and its key as the API does.
  std::map<std::string, AuthorizingKey> stored_keys;
  for (const auto& cell : cells) {
    auto endpoint = db::find_endpoint(conn, AccountId::from_trusted(kAccount), EndpointId::from_trusted(cell.endpoint_id));
    ASSERT_TRUE(endpoint && endpoint->subscriptions.size() == 1) << cell.endpoint_id;
    stored_keys.emplace(cell.endpoint_id, endpoint->subscriptions.front().key);
  }
  auto cpp_authorized = [&](const Cell& cell) {
    return subscription_status(cell.pattern, stored_keys.at(cell.endpoint_id), *catalogue).authorized;
  };

  // A subscription's status (what an endpoint shows), also for a pattern
  // whose types have all left the catalogue.
  auto sql_status = sql_answers(raw, "SELECT endpoint_id, hookgate_subscription_authorized(pattern, authorized_by) "
                                   "FROM endpoint_subscriptions");
  for (const auto& cell : cells) {
    auto what = describe(change, cell) + ", status";
    try {
      tally.check(cpp_authorized(cell), sql_status.at(cell.endpoint_id), what);
    } catch (const ApiError& error) {
      tally.check(!sql_status.at(cell.endpoint_id), sql_status.at(cell.endpoint_id),
                  what + " (C++ threw \"" + error.what() + "\")");
    }
  }

  for (const auto& type : catalogue->event_types()) {
    // The patterns that find subscribers, as each side lists them.
    auto cpp_patterns = patterns_matching(type.name);
    std::sort(cpp_patterns.begin(), cpp_patterns.end());
    std::vector<std::string> sql_patterns;
    {
      pqxx::read_transaction tx(raw);
      for (const auto& row : tx.exec_params("SELECT unnest(hookgate_patterns_matching($1)) ORDER BY 1", type.name)) {
        sql_patterns.push_back(row[0].as<std::string>());
      }
    }
    EXPECT_EQ(cpp_patterns, sql_patterns) << "patterns_matching(" << type.name << ")";

    std::string event_id;
    {
      pqxx::work tx(raw);
      event_id = tx.exec_params1("SELECT event_id FROM hookgate_publish_event($1, $2, '{}'::jsonb)", kAccount,
                                 type.name)[0]
                     .as<std::string>();
      tx.commit();
    }
    auto fanned_out = deliveries_by_endpoint(url, event_id);
    auto receives = sql_answers(raw, "SELECT id, hookgate_endpoint_receives(id, $1) FROM webhook_endpoints", type.name);
    for (const auto& cell : cells) {
      bool cpp = pattern_matches(cell.pattern, type.name) && cpp_authorized(cell);
      ++(cpp ? tally.delivered : tally.withheld);
      auto what = describe(change, cell, type.name);
      tally.check(cpp, fanned_out.count(cell.endpoint_id) != 0, what + ", publish fan-out");
      tally.check(cpp, receives.at(cell.endpoint_id), what + ", hookgate_endpoint_receives");
    }
  }
}

TEST(Rule3Parity, CppAndSqlAgreeOnEveryCell) {
  Tally tally;
  for (const auto& change : catalogue_changes()) {
    run_case(change, tally);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_EQ(tally.disagreements, 0) << "first of " << tally.disagreements << " disagreements: " << tally.first;
  // The matrix must hold both answers, or agreement would prove nothing.
  EXPECT_GT(tally.delivered, 0);
  EXPECT_GT(tally.withheld, 0);
  RecordProperty("cells", tally.cells);
}

}  // namespace
}  // namespace hookgate::testing

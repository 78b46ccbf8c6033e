// The scope catalogue in Postgres must equal the platform's scope reference
// (docs/reference/api-key-scopes.txt, a verbatim copy of the platform page),
// and the event-type catalogue must cover DESIGN.md §2.

#include "core/crypto.h"
#include "support/scope_reference.h"
#include "support/test_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace hookgate::testing {
namespace {

using ::testing::ElementsAreArray;
using Names = std::vector<std::string>;
using ScopeRow = ScopeReferenceRow;
using Reference = ScopeReference;

Reference parse_reference(const std::string& path) { return parse_scope_reference(path); }
std::string reference_path() { return scope_reference_path(); }
std::string read_bytes(const std::string& path) { return read_file_bytes(path); }
std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

class Catalogue : public ::testing::Test {
 protected:
  pqxx::connection& db() {
    if (!conn_) conn_.emplace(fresh_database());
    return *conn_;
  }

  Names bundle_members(const std::string& bundle) {
    pqxx::read_transaction tx(db());
    Names out;
    for (const auto& row : tx.exec_params("SELECT scope FROM scope_bundle_members WHERE bundle = $1 ORDER BY scope", bundle)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  }

  Reference ref_ = parse_reference(reference_path());

 private:
  std::optional<pqxx::connection> conn_;
};

TEST_F(Catalogue, ReferencePageParsesToEighteenScopesAndThreeBundles) {
  EXPECT_EQ(ref_.scopes.size(), 18u);
  const Names bundles{"full", "pay", "store"};
  for (const auto* section : {&ref_.bundle_columns, &ref_.bundle_lines}) {
    Names names;
    for (const auto& [name, members] : *section) names.push_back(name);
    EXPECT_EQ(names, bundles);
  }
  for (const auto& bundle : bundles) {
    EXPECT_EQ(sorted(ref_.bundle_columns[bundle]), sorted(ref_.bundle_lines[bundle]))
        << "the page's table column and Scopes: line disagree for bundle " << bundle;
  }
}

TEST_F(Catalogue, ScopesTableEqualsReferenceRowByRow) {
  std::vector<ScopeRow> expected = ref_.scopes;
  std::sort(expected.begin(), expected.end());
  std::vector<ScopeRow> actual;
  pqxx::read_transaction tx(db());
  for (const auto& row : tx.exec("SELECT name, description, requires_sk FROM scopes ORDER BY name")) {
    actual.emplace_back(row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>());
  }
  EXPECT_THAT(actual, ElementsAreArray(expected));
}

TEST_F(Catalogue, BundlesAndMembersEqualReference) {
  std::map<std::string, std::string> bundles;
  {
    pqxx::read_transaction tx(db());
    for (const auto& row : tx.exec("SELECT name, description FROM scope_bundles")) {
      bundles.emplace(row[0].as<std::string>(), row[1].as<std::string>());
    }
  }
  EXPECT_EQ(bundles, ref_.bundle_descriptions);
  for (const std::string& bundle : Names{"pay", "store", "full"}) {
    Names members = bundle_members(bundle);
    EXPECT_EQ(members, sorted(ref_.bundle_columns[bundle])) << "bundle " << bundle << " vs the table column";
    EXPECT_EQ(members, sorted(ref_.bundle_lines[bundle])) << "bundle " << bundle << " vs its Scopes: line";
  }
}

TEST_F(Catalogue, EventTypesMapToTheScopesDesignSection2Names) {
  // DESIGN.md §2 is the contract: scope -> the event types it guards.
  const std::map<std::string, Names> design = {
      {"pay.intents:read",
       {"payment_intent.created", "payment_intent.succeeded", "payment_intent.payment_failed",
        "payment_intent.canceled", "payment_intent.refunded"}},
      {"store.products:read",
       {"product.created", "product.updated", "product.deleted", "import.completed", "import.failed"}},
      {"store.orders:read", {"order.created", "order.accepted", "order.fulfilled", "order.canceled"}},
      {"store.inventory:read", {"inventory.updated", "inventory.low_stock"}},
      {"enterprise.transfers:read", {"transfer.created", "transfer.paid", "transfer.failed", "bulk_transfer.completed"}},
      {"enterprise.ledger:read", {"ledger.entry.created", "bill.paid"}},
      {"webhooks.endpoints:read", {"webhook_endpoint.disabled"}},
  };
  std::map<std::string, std::string> catalogue;  // event type -> scope
  {
    pqxx::read_transaction tx(db());
    for (const auto& row : tx.exec("SELECT name, scope FROM event_types")) {
      catalogue.emplace(row[0].as<std::string>(), row[1].as<std::string>());
    }
  }
  size_t listed = 0;
  for (const auto& [scope, types] : design) {
    for (const auto& type : types) {
      ++listed;
      auto it = catalogue.find(type);
      if (it == catalogue.end()) {
        ADD_FAILURE() << "event type " << type << " is missing from event_types";
      } else {
        EXPECT_EQ(it->second, scope) << "event type " << type;
      }
    }
  }
  EXPECT_EQ(listed, 23u);
  // Subscribing only ever needs read access, so pk_ dashboards can subscribe.
  for (const auto& [type, scope] : catalogue) {
    EXPECT_TRUE(scope.size() > 5 && scope.ends_with(":read")) << type << " needs " << scope;
  }
}

// The SHA-256 of the platform's reference page when it was copied here; a
// clone outside the workspace has no original to compare with, so the digest
// pins the copy everywhere.
constexpr const char* kPlatformReferenceSha256 = "5c99d93696d38be36c0e1f6901fed4639eb08ef3335341110c42de649da49234";

TEST(CatalogueReference, RepoCopyIsThePlatformOriginal) {
  const std::string copy = read_bytes(reference_path());
  EXPECT_EQ(crypto::sha256_hex(copy), kPlatformReferenceSha256)
      << "docs/reference/api-key-scopes.txt is no longer the platform's page, byte for byte";
  // Next to the workspace the original itself is compared too, so a change on
  // the platform's side shows up even before the digest above is updated.
  const std::string original = source_dir() + "/../shared/seed/api-key-scopes.txt";
  if (std::filesystem::exists(original)) {
    EXPECT_TRUE(copy == read_bytes(original)) << original << " changed; copy it again, byte for byte";
  }
}

}  // namespace
}  // namespace hookgate::testing

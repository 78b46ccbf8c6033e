// The scope catalogue in Postgres must equal the platform's scope reference
// (docs/reference/api-key-scopes.txt, a verbatim copy of the platform page),
// and the event-type catalogue must cover DESIGN.md §2.

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
using ScopeRow = std::tuple<std::string, std::string, bool>;  // name, description, requires_sk

// What the reference page says, in the page's own order.
struct Reference {
  std::vector<ScopeRow> scopes;
  std::map<std::string, Names> bundle_columns;  // bundle -> scopes marked "Yes" in its table column
  std::map<std::string, Names> bundle_lines;    // bundle -> its section's "Scopes:" line
  std::map<std::string, std::string> bundle_descriptions;
};

std::string reference_path() { return source_dir() + "/docs/reference/api-key-scopes.txt"; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, separator)) out.push_back(trim(part));
  if (!s.empty() && s.back() == separator) out.emplace_back();
  return out;
}

// "| a | b |" and "a | b |" both give {"a", "b"}.
std::vector<std::string> table_cells(const std::string& line) {
  auto cells = split(line, '|');
  if (!cells.empty() && cells.front().empty()) cells.erase(cells.begin());
  if (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

Names sorted(Names names) {
  std::sort(names.begin(), names.end());
  return names;
}

// Strict: anything unexpected throws, so a page format change fails loudly
// instead of silently yielding fewer rows.
Reference parse_reference(const std::string& path) {
  static const std::regex scope_name(R"(^[a-z]+\.[a-z_]+:[a-z]+$)");
  static const std::regex bundle_heading(R"(^([A-Z][a-z]+) bundle$)");
  static const std::regex all_scopes(R"(^All ([0-9]+) scopes listed above\.$)");
  Reference ref;
  Names column_bundles;  // from the header row, e.g. "Pay bundle" -> "pay"
  std::optional<std::string> section;
  std::optional<int> all_claimed;
  std::string full_bundle;

  std::istringstream in(read_bytes(path));
  std::string raw;
  for (int number = 1; std::getline(in, raw); ++number) {
    auto fail = [&](const std::string& why) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " + why + ": " + raw);
    };
    std::string line = trim(raw);
    std::smatch match;
    if (line.find('|') != std::string::npos) {
      auto cells = table_cells(line);
      if (cells.size() != 6) fail("expected 6 table cells");
      if (cells[0] == "Scope") {
        if (cells[1] != "Description" || cells[2] != "Requires sk_") fail("unexpected header");
        for (int i = 3; i < 6; ++i) {
          if (!std::regex_match(cells[i], match, bundle_heading)) fail("bundle column header");
          std::string name = match[1].str();
          std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
          column_bundles.push_back(name);
        }
        continue;
      }
      if (cells[0].find_first_not_of('-') == std::string::npos) continue;  // |---|---|
      if (column_bundles.empty()) fail("table row before the header");
      if (!std::regex_match(cells[0], scope_name)) fail("not a scope name");
      if (cells[2] != "Yes" && cells[2] != "No") fail("requires sk_ is not Yes/No");
      ref.scopes.emplace_back(cells[0], cells[1], cells[2] == "Yes");
      for (int i = 0; i < 3; ++i) {
        const auto& mark = cells[3 + i];
        if (mark != "Yes" && mark != "--") fail("bundle mark is not Yes/--");
        if (mark == "Yes") ref.bundle_columns[column_bundles[i]].push_back(cells[0]);
      }
    } else if (std::regex_match(line, match, bundle_heading)) {
      section = match[1].str();
      std::transform(section->begin(), section->end(), section->begin(), [](unsigned char c) { return std::tolower(c); });
    } else if (section && line.rfind("Scopes:", 0) == 0) {
      std::string list = trim(line.substr(7));
      if (std::regex_match(list, match, all_scopes)) {
        all_claimed = std::stoi(match[1].str());
        full_bundle = *section;
      } else {
        ref.bundle_lines[*section] = split(list, ',');
      }
      section.reset();
    } else if (section && !ref.bundle_descriptions.count(*section)) {
      ref.bundle_descriptions[*section] = line;  // the sentence under the heading
    }
  }
  if (all_claimed) {
    // "All N scopes listed above." stands for the whole table, and N must agree with it.
    if (*all_claimed != static_cast<int>(ref.scopes.size())) {
      throw std::runtime_error(path + ": page says all " + std::to_string(*all_claimed) + " scopes but the table has " +
                               std::to_string(ref.scopes.size()));
    }
    for (const auto& row : ref.scopes) ref.bundle_lines[full_bundle].push_back(std::get<0>(row));
  }
  return ref;
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

TEST(CatalogueReference, RepoCopyIsIdenticalToPlatformOriginal) {
  const std::string original = source_dir() + "/../shared/seed/api-key-scopes.txt";
  if (!std::filesystem::exists(original)) {
    GTEST_SKIP() << "platform original not present at " << original
                 << "; cannot check docs/reference/api-key-scopes.txt against it";
  }
  EXPECT_TRUE(read_bytes(reference_path()) == read_bytes(original))
      << "docs/reference/api-key-scopes.txt differs from " << original << "; copy it again, byte for byte";
}

}  // namespace
}  // namespace hookgate::testing

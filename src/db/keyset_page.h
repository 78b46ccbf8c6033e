#pragma once
// Keyset pagination for every list: the WHERE / ORDER BY / LIMIT of a page,
// the cursor looked up as its row's sort key, and the extra row trimmed into
// has_more. Each shape of filters and direction is its own prepared
// statement with no parameter-dependent ORs, so a generic plan can always
// walk the list's index in order and stop after limit+1 rows.

#include "db/pool.h"
#include "domain/ids.h"
#include "domain/pagination.h"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate::db {

// A column of a list's sort key (newest first) and the SQL type its cursor
// value is cast back to.
struct SortColumn {
  std::string_view column;
  std::string_view type;
};

struct KeysetList {
  std::string_view name;            // prefix of the statements' names
  std::string_view select;          // "SELECT … FROM … " with the row reader's columns
  std::string_view account_column;  // every list is one account's
  // The cursor row's sort key as text (the server's own, for an exact round
  // trip), from $1 the account and $2 the cursor id.
  Statement cursor;
  std::vector<SortColumn> sort;
};

class KeysetPage {
 public:
  KeysetPage(const KeysetList& list, const AccountId& account, const PageRequest& page);

  // Adds a parameter and returns its placeholder ("$3").
  std::string bind(std::string value);
  // Adds "AND condition"; `tag` names the condition in the statement's name
  // and must change whenever the condition's text does.
  void where(std::string_view tag, std::string condition);

  // The page, each row read by `read`; nullopt when the cursor is not one of
  // the account's rows. `tx` must be a real transaction, not a
  // nontransaction: the page's plan is chosen with SET LOCAL.
  template <class Read>
  auto fetch(pqxx::transaction_base& tx, Connection& conn, Read read)
      -> std::optional<Page<decltype(read(std::declval<const pqxx::row&>()))>> {
    auto result = run(tx, conn);
    if (!result) return std::nullopt;
    std::vector<decltype(read(std::declval<const pqxx::row&>()))> rows;
    rows.reserve(result->size());
    for (const auto& row : *result) rows.push_back(read(row));
    return make_page(std::move(rows), page_);
  }

 private:
  std::optional<pqxx::result> run(pqxx::transaction_base& tx, Connection& conn);

  const KeysetList& list_;
  const PageRequest& page_;
  std::vector<std::string> params_;
  std::string name_;
  std::string where_;
};

}  // namespace hookgate::db

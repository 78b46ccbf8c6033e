#pragma once
// Cursor pagination as Stripe does it: `limit` (1-100, default 10) and either
// `starting_after` or `ending_before`, each an object id.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate {

// Which way a page walks from its cursor: lists are newest first, so `after`
// reads older items and `before` newer ones.
enum class PageDirection { first, after, before };

struct PageRequest {
  std::size_t limit = 10;
  std::optional<std::string> starting_after;  // newer-to-older: items after this one
  std::optional<std::string> ending_before;   // items before this one

  PageDirection direction() const;
  // The cursor given (an item's id, exactly as the item shows it), if any,
  // and the name of the query parameter that carried it.
  const std::optional<std::string>& cursor() const { return starting_after ? starting_after : ending_before; }
  std::string_view cursor_parameter() const { return starting_after ? "starting_after" : "ending_before"; }
  // Rows to read: one more than the page holds tells whether more follow.
  std::size_t rows_to_fetch() const { return limit + 1; }
};

using QueryLookup = std::function<std::optional<std::string_view>(std::string_view)>;

// Throws invalid_parameter naming the offending parameter.
PageRequest parse_page_request(const QueryLookup& query);

template <class T>
struct Page {
  std::vector<T> data;
  bool has_more = false;
};

// Given up to limit+1 rows fetched in the page's direction, trims the extra
// row into has_more and restores newest-first order for ending_before pages.
template <class T>
Page<T> make_page(std::vector<T> rows, const PageRequest& request) {
  Page<T> page;
  page.has_more = rows.size() > request.limit;
  if (page.has_more) rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(request.limit), rows.end());
  if (request.ending_before) std::reverse(rows.begin(), rows.end());
  page.data = std::move(rows);
  return page;
}

}  // namespace hookgate

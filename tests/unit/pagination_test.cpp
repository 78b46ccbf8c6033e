// The pure half of keyset pagination: cursors read from the query, refused
// when malformed, the page's direction, and the extra row trimmed into has_more.

#include "core/error.h"
#include "domain/pagination.h"
#include "services/list_page.h"

#include <gtest/gtest.h>

#include <map>

namespace hookgate {
namespace {

PageRequest parse(const std::map<std::string, std::string>& query) {
  return parse_page_request([&](std::string_view name) -> std::optional<std::string_view> {
    auto it = query.find(std::string(name));
    if (it == query.end()) return std::nullopt;
    return std::string_view(it->second);
  });
}

// The refusal's parameter and message, or "" when the query is accepted.
std::pair<std::string, std::string> refusal(const std::map<std::string, std::string>& query) {
  try {
    parse(query);
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), Errc::invalid_parameter);
    return {error.details().value("param", ""), error.what()};
  }
  return {};
}

TEST(PaginationTest, AnItemsIdIsItsCursorVerbatim) {
  auto request = parse({{"starting_after", "we_0123abcXYZ"}, {"limit", "25"}});
  ASSERT_TRUE(request.cursor());
  EXPECT_EQ(*request.cursor(), "we_0123abcXYZ");
  EXPECT_EQ(request.cursor_parameter(), "starting_after");
  EXPECT_EQ(request.limit, 25u);
  EXPECT_EQ(request.rows_to_fetch(), 26u);
  auto before = parse({{"ending_before", "whd_42"}});
  EXPECT_EQ(*before.cursor(), "whd_42");
  EXPECT_EQ(before.cursor_parameter(), "ending_before");
}

TEST(PaginationTest, DirectionFollowsTheCursorGiven) {
  EXPECT_EQ(parse({}).direction(), PageDirection::first);
  EXPECT_FALSE(parse({}).cursor());
  EXPECT_EQ(parse({}).limit, 10u);
  EXPECT_EQ(parse({{"starting_after", "key_1"}}).direction(), PageDirection::after);
  EXPECT_EQ(parse({{"ending_before", "key_1"}}).direction(), PageDirection::before);
}

TEST(PaginationTest, RefusesTamperedCursorsAndLimits) {
  EXPECT_EQ(refusal({{"starting_after", ""}}),
            std::make_pair(std::string("starting_after"), std::string("starting_after must be an object id.")));
  EXPECT_EQ(refusal({{"ending_before", std::string(101, 'a')}}),
            std::make_pair(std::string("ending_before"), std::string("ending_before must be an object id.")));
  EXPECT_EQ(refusal({{"starting_after", "a"}, {"ending_before", "b"}}).first, "ending_before");
  for (const char* limit : {"0", "101", "-1", "1x", "", " 5"}) {
    EXPECT_EQ(refusal({{"limit", limit}}).second, "limit must be a whole number from 1 to 100.") << limit;
  }
  EXPECT_EQ(refusal({{"limit", "100"}, {"starting_after", std::string(100, 'a')}}).first, "");
}

TEST(PaginationTest, TheExtraRowBecomesHasMore) {
  PageRequest request;
  request.limit = 3;
  auto full = make_page(std::vector<int>{9, 8, 7, 6}, request);
  EXPECT_TRUE(full.has_more);
  EXPECT_EQ(full.data, (std::vector<int>{9, 8, 7}));
  auto last = make_page(std::vector<int>{9, 8, 7}, request);
  EXPECT_FALSE(last.has_more);
  EXPECT_EQ(last.data, (std::vector<int>{9, 8, 7}));
}

TEST(PaginationTest, AnEndingBeforePageIsReadOldestFirstAndShownNewestFirst) {
  PageRequest request;
  request.limit = 2;
  request.ending_before = "x";
  auto page = make_page(std::vector<int>{4, 5, 6}, request);
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(page.data, (std::vector<int>{5, 4}));
}

TEST(PaginationTest, ACursorStorageDidNotFindIsRefusedNamingItsParameter) {
  PageRequest request;
  request.ending_before = "we_gone";
  try {
    found_page<int>(std::nullopt, request, "webhook endpoint");
    FAIL() << "an unknown cursor was accepted";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), Errc::invalid_parameter);
    EXPECT_EQ(std::string(error.what()), "No such webhook endpoint: we_gone.");
    EXPECT_EQ(error.details().value("param", ""), "ending_before");
  }
  Page<int> page{{1}, true};
  EXPECT_EQ(found_page<int>(page, request, "webhook endpoint").data, std::vector<int>{1});
}

}  // namespace
}  // namespace hookgate

#include "core/storable_text.h"

#include <gtest/gtest.h>

#include <string>

namespace hookgate {
namespace {

using namespace std::string_view_literals;

TEST(StorableTextTest, AcceptsUtf8Text) {
  for (std::string_view text : {""sv, "plain"sv, "caf\xc3\xa9"sv, "\xf0\x9f\x98\x80"sv, "\xef\xbf\xbf"sv,
                                "\xf4\x8f\xbf\xbf"sv /* U+10FFFF */, "tab\tand\nnewline"sv}) {
    EXPECT_TRUE(is_storable_text(text)) << text;
  }
}

TEST(StorableTextTest, RefusesNulAnywhere) {
  for (std::string_view text : {"\0"sv, "a\0"sv, "\0a"sv, "we_abc\0def"sv}) {
    EXPECT_FALSE(is_storable_text(text)) << text.size();
  }
}

TEST(StorableTextTest, RefusesInvalidUtf8) {
  for (std::string_view text : {
           "\xff"sv,              // never valid
           "\x80"sv,              // a lone continuation byte
           "\xc3"sv,              // truncated two-byte sequence
           "a\xe2\x82"sv,         // truncated three-byte sequence
           "\xc0\xaf"sv,          // overlong '/'
           "\xe0\x80\xaf"sv,      // overlong '/' in three bytes
           "\xed\xa0\x80"sv,      // U+D800, a surrogate
           "\xed\xbf\xbf"sv,      // U+DFFF
           "\xf4\x90\x80\x80"sv,  // past U+10FFFF
           "\xc3\x28"sv,          // lead byte without its continuation
       }) {
    EXPECT_FALSE(is_storable_text(text)) << text.size();
  }
}

TEST(StorableTextTest, RequireNamesTheParameter) {
  EXPECT_NO_THROW(require_storable_text("fine", "starting_after"));
  try {
    require_storable_text("x\0"sv, "starting_after");
    FAIL() << "expected an ApiError";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), Errc::invalid_parameter);
    EXPECT_EQ(error.details()["param"], "starting_after");
    EXPECT_STREQ(error.what(), "starting_after must be UTF-8 text without U+0000.");
  }
}

}  // namespace
}  // namespace hookgate

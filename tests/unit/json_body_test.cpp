#include "core/json_body.h"

#include "core/error.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace hookgate::json_body {
namespace {

using json = nlohmann::json;
using namespace std::string_view_literals;

// Runs `action`, expects an ApiError and returns it for inspection.
ApiError catch_api_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const ApiError& error) {
    return error;
  }
  ADD_FAILURE() << "expected an ApiError";
  return ApiError(Errc::internal, "no error thrown");
}

void expect_invalid_json(std::string_view text) {
  auto error = catch_api_error([&] { parse_object(text); });
  EXPECT_EQ(error.code(), Errc::invalid_json) << text.substr(0, 40);
  // The message must be serialisable even when the input was not UTF-8.
  EXPECT_NO_THROW((void)error_body(error, "req_1").dump());
}

void expect_param_error(Errc code, std::string_view param, const std::function<void()>& action) {
  auto error = catch_api_error(action);
  EXPECT_EQ(error.code(), code);
  EXPECT_EQ(error.details().value("param", ""), param);
}

// parse_object

TEST(JsonBodyTest, ParsesAnObject) {
  auto object = parse_object(R"({"url": "https://example.com", "n": 3, "tags": ["a"]})");
  EXPECT_EQ(object["url"], "https://example.com");
  EXPECT_EQ(object["n"], 3);
  EXPECT_EQ(object["tags"][0], "a");
}

TEST(JsonBodyTest, EmptyBodyIsAnEmptyObject) {
  auto object = parse_object("");
  EXPECT_TRUE(object.is_object());
  EXPECT_TRUE(object.empty());
}

TEST(JsonBodyTest, RejectsNonObjects) {
  for (std::string_view text : {"[]", "1", "\"text\"", "null", "true", "[{}]"}) {
    auto error = catch_api_error([&] { parse_object(text); });
    EXPECT_EQ(error.code(), Errc::invalid_json) << text;
    EXPECT_STREQ(error.what(), "Request body must be a JSON object.") << text;
  }
}

TEST(JsonBodyTest, RejectsTruncatedAndMalformedJson) {
  for (std::string_view text : {"{", "{\"url\":", "{\"url\": \"https://", "{\"a\": 1,}", "{'a': 1}", "{\"a\": 1} x",
                                "{\"a\": 1}{}", "   ", "{\"a\": tru}", "{\"a\": 01}", "{\"a\" 1}", "{\"a\": NaN}",
                                "{/* c */}"}) {
    expect_invalid_json(text);
  }
}

// Stripe's clients send form-encoded bodies; the refusal says what to send instead.
TEST(JsonBodyTest, AFormEncodedBodyIsToldToBeJson) {
  for (std::string_view text : {"url=https%3A%2F%2Fa.example&enabled_events[]=order.accepted", "description=x",
                                "metadata[note]=x"}) {
    auto error = catch_api_error([&] { parse_object(text); });
    EXPECT_EQ(error.code(), Errc::invalid_json) << text;
    EXPECT_NE(std::string(error.what()).find("form-encoded"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("Content-Type: application/json"), std::string::npos) << error.what();
  }
  // Not form encoding: the plain message, with the byte.
  for (std::string_view text : {"{\"a\"=1}", "=x", "a b=c"}) {
    auto error = catch_api_error([&] { parse_object(text); });
    EXPECT_EQ(std::string(error.what()).find("form-encoded"), std::string::npos) << text;
  }
}

// A repeated key is refused wherever it is, however it is spelled, naming
// the key; the same key in different objects is fine.
TEST(JsonBodyTest, RejectsDuplicateKeysNamingThem) {
  expect_param_error(Errc::invalid_json, "url", [] { parse_object(R"({"url": "a", "url": "b"})"); });
  expect_param_error(Errc::invalid_json, "url", [] { parse_object(R"({"url": "a", "n": 1, "\u0075rl": "a"})"); });
  expect_param_error(Errc::invalid_json, "metadata[k]",
                     [] { parse_object(R"({"metadata": {"k": "1", "k": null}})"); });
  expect_param_error(Errc::invalid_json, "data[items][1][k]",
                     [] { parse_value(R"({"items": [{"k": 1}, {"k": 1, "k": 2}]})", "data"); });
  auto error = catch_api_error([] { parse_object(R"({"url": "a", "url": "a"})"); });
  EXPECT_STREQ(error.what(), "url is given more than once; send each key once.");
  auto fine = parse_object(R"({"a": {"k": 1}, "b": {"k": 2}, "k": [{"k": 3}, {"k": 4}]})");
  EXPECT_EQ(fine["k"][1]["k"], 4);
}

TEST(JsonBodyTest, ParseErrorMessageGivesThePosition) {
  auto error = catch_api_error([] { parse_object(R"({"a": 1, "b": })"); });
  EXPECT_EQ(error.code(), Errc::invalid_json);
  EXPECT_NE(std::string(error.what()).find("byte 15"), std::string::npos) << error.what();
}

TEST(JsonBodyTest, RejectsInvalidUtf8) {
  expect_invalid_json("{\"a\": \"\xff\"}");
  expect_invalid_json("{\"a\": \"\xc3\"}");              // truncated sequence
  expect_invalid_json("{\"a\": \"\xed\xa0\x80\"}");      // UTF-16 surrogate encoded as UTF-8
  expect_invalid_json("{\"\xc0\xaf\": 1}");              // overlong encoding in a key
  expect_invalid_json("{\"a\": \"\\ud800\"}");           // lone surrogate escape
  expect_invalid_json("{\"a\": \"\0\"}"sv);              // raw NUL inside a string
}

TEST(JsonBodyTest, StringErrorsNameTheirPlace) {
  // nlohmann refuses lone surrogates and invalid UTF-8 as invalid JSON; the
  // error says which string it was.
  auto error = catch_api_error([] { parse_object(R"({"data": {"items": [1, {"name": "\udc00"}]}})"); });
  EXPECT_EQ(error.code(), Errc::invalid_json);
  EXPECT_EQ(error.details().value("param", ""), "data[items][1][name]");
  auto in_key = catch_api_error([] { parse_object("{\"metadata\": {\"a\": \"b\", \"\xff\": \"c\"}}"); });
  EXPECT_EQ(in_key.code(), Errc::invalid_json);
  EXPECT_EQ(in_key.details().value("param", ""), "metadata");
  EXPECT_NO_THROW((void)error_body(in_key, "req_1").dump());
}

TEST(JsonBodyTest, AcceptsValidUtf8) {
  auto object = parse_object("{\"name\": \"caf\xc3\xa9 \\u00e9 \xf0\x9f\x98\x80\"}");
  EXPECT_EQ(object["name"], "caf\xc3\xa9 \xc3\xa9 \xf0\x9f\x98\x80");
}


TEST(JsonBodyTest, AllowsNestingUpToTheLimit) {
  std::string text = "{\"a\":";
  for (int i = 1; i < 32; ++i) text += "[";
  for (int i = 1; i < 32; ++i) text += "]";
  text += "}";
  EXPECT_NO_THROW(parse_object(text));  // exactly 32 levels, the object included

  std::string deeper = "{\"a\":[" + text.substr(5, text.size() - 6) + "]}";
  expect_invalid_json(deeper);
}

TEST(JsonBodyTest, HonoursACustomDepth) {
  EXPECT_NO_THROW(parse_object(R"({"a": {"b": 1}})", 2));
  EXPECT_NO_THROW(parse_object(R"({"a": {"b": []}})", 3));
  EXPECT_EQ(catch_api_error([] { parse_object(R"({"a": {"b": []}})", 2); }).code(), Errc::invalid_json);
}

TEST(JsonBodyTest, RejectsDeepNestingQuicklyWithoutRecursion) {
  auto started = std::chrono::steady_clock::now();
  expect_invalid_json(std::string(100'000, '['));
  expect_invalid_json(std::string(1 << 20, '['));
  expect_invalid_json("{\"a\":" + std::string(100'000, '{'));
  std::string balanced = "{\"a\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  expect_invalid_json(balanced);
  // Generous bound; a parser that recursed or built the whole tree would
  // either crash or take far longer.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(JsonBodyTest, DepthErrorSaysWhy) {
  auto error = catch_api_error([] { parse_object(std::string(100, '[')); });
  EXPECT_EQ(error.code(), Errc::invalid_json);
  EXPECT_NE(std::string(error.what()).find("32 levels"), std::string::npos) << error.what();
}

// reject_unknown

TEST(JsonBodyTest, RejectUnknownNamesTheField) {
  auto object = parse_object(R"({"url": "x", "descripton": "typo"})");
  auto error = catch_api_error([&] { reject_unknown(object, {"url", "description"}); });
  EXPECT_EQ(error.code(), Errc::unknown_parameter);
  EXPECT_EQ(error.details()["param"], "descripton");
  EXPECT_EQ(error_body(error, "req_1")["error"]["param"], "descripton");
}

TEST(JsonBodyTest, RejectUnknownAcceptsKnownAndEmpty) {
  EXPECT_NO_THROW(reject_unknown(parse_object(R"({"url": "x", "description": null})"), {"url", "description"}));
  EXPECT_NO_THROW(reject_unknown(parse_object(""), {}));
  EXPECT_THROW(reject_unknown(parse_object(R"({"a": 1})"), {}), ApiError);
}

TEST(JsonBodyTest, RejectUnknownIsCaseSensitive) {
  expect_param_error(Errc::unknown_parameter, "URL", [] { reject_unknown(parse_object(R"({"URL": "x"})"), {"url"}); });
}

// Strings

TEST(JsonBodyTest, OptionalString) {
  auto object = parse_object(R"({"s": "text", "empty": "", "n": 1, "null": null, "arr": ["x"]})");
  EXPECT_EQ(optional_string(object, "s"), "text");
  EXPECT_EQ(optional_string(object, "empty"), "");
  EXPECT_EQ(optional_string(object, "absent"), std::nullopt);
  expect_param_error(Errc::invalid_parameter, "n", [&] { optional_string(object, "n"); });
  expect_param_error(Errc::invalid_parameter, "null", [&] { optional_string(object, "null"); });
  expect_param_error(Errc::invalid_parameter, "arr", [&] { optional_string(object, "arr"); });
  EXPECT_STREQ(catch_api_error([&] { optional_string(object, "n"); }).what(), "n must be a string.");
}

TEST(JsonBodyTest, RequiredString) {
  auto object = parse_object(R"({"url": "https://example.com", "n": 1})");
  EXPECT_EQ(required_string(object, "url"), "https://example.com");
  expect_param_error(Errc::missing_parameter, "name", [&] { required_string(object, "name"); });
  expect_param_error(Errc::invalid_parameter, "n", [&] { required_string(object, "n"); });
}

// Booleans

TEST(JsonBodyTest, OptionalBool) {
  auto object = parse_object(R"({"t": true, "f": false, "s": "true", "n": 1, "null": null})");
  EXPECT_EQ(optional_bool(object, "t"), true);
  EXPECT_EQ(optional_bool(object, "f"), false);
  EXPECT_EQ(optional_bool(object, "absent"), std::nullopt);
  expect_param_error(Errc::invalid_parameter, "s", [&] { optional_bool(object, "s"); });
  expect_param_error(Errc::invalid_parameter, "n", [&] { optional_bool(object, "n"); });
  expect_param_error(Errc::invalid_parameter, "null", [&] { optional_bool(object, "null"); });
}

// Integers

TEST(JsonBodyTest, OptionalIntegerWithinBounds) {
  auto object = parse_object(R"({"limit": 10, "low": 1, "high": 100, "neg": -5})");
  EXPECT_EQ(optional_integer(object, "limit", 1, 100), 10);
  EXPECT_EQ(optional_integer(object, "low", 1, 100), 1);
  EXPECT_EQ(optional_integer(object, "high", 1, 100), 100);
  EXPECT_EQ(optional_integer(object, "neg", -10, 10), -5);
  EXPECT_EQ(optional_integer(object, "absent", 1, 100), std::nullopt);
}

TEST(JsonBodyTest, OptionalIntegerOutOfRangeNamesTheBounds) {
  auto object = parse_object(R"({"zero": 0, "big": 101, "neg": -1})");
  for (std::string_view name : {"zero", "big", "neg"}) {
    auto error = catch_api_error([&] { optional_integer(object, name, 1, 100); });
    EXPECT_EQ(error.code(), Errc::invalid_parameter) << name;
    EXPECT_EQ(error.details()["param"], name);
    EXPECT_EQ(std::string(error.what()), std::string(name) + " must be an integer between 1 and 100.");
  }
}

TEST(JsonBodyTest, OptionalIntegerRejectsOtherTypes) {
  auto object = parse_object(R"({"f": 5.0, "frac": 5.5, "exp": 1e2, "s": "5", "b": true, "null": null, "a": [5]})");
  for (std::string_view name : {"f", "frac", "exp", "s", "b", "null", "a"}) {
    expect_param_error(Errc::invalid_parameter, name, [&] { optional_integer(object, name, 0, 1000); });
  }
}

TEST(JsonBodyTest, OptionalIntegerHandlesExtremes) {
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  auto object = parse_object(R"({"max": 9223372036854775807, "min": -9223372036854775808,
                                 "over": 9223372036854775808, "umax": 18446744073709551615})");
  EXPECT_EQ(optional_integer(object, "max", min, max), max);
  EXPECT_EQ(optional_integer(object, "min", min, max), min);
  expect_param_error(Errc::invalid_parameter, "over", [&] { optional_integer(object, "over", min, max); });
  expect_param_error(Errc::invalid_parameter, "umax", [&] { optional_integer(object, "umax", min, max); });
  // A positive value where only negatives are allowed.
  expect_param_error(Errc::invalid_parameter, "max", [&] { optional_integer(object, "max", -10, -1); });
}

// String arrays

TEST(JsonBodyTest, OptionalStringArray) {
  auto object = parse_object(R"({"events": ["order.created", "order.*"], "none": []})");
  EXPECT_EQ(optional_string_array(object, "events", 10), (std::vector<std::string>{"order.created", "order.*"}));
  EXPECT_EQ(optional_string_array(object, "none", 10), std::vector<std::string>{});
  EXPECT_EQ(optional_string_array(object, "absent", 10), std::nullopt);
}

TEST(JsonBodyTest, OptionalStringArrayRejectsBadShapes) {
  auto object = parse_object(R"({"s": "order.created", "o": {}, "null": null, "mixed": ["a", 2, "c"],
                                 "nested": [["a"]], "nulls": ["a", null]})");
  expect_param_error(Errc::invalid_parameter, "s", [&] { optional_string_array(object, "s", 10); });
  expect_param_error(Errc::invalid_parameter, "o", [&] { optional_string_array(object, "o", 10); });
  expect_param_error(Errc::invalid_parameter, "null", [&] { optional_string_array(object, "null", 10); });
  expect_param_error(Errc::invalid_parameter, "mixed[1]", [&] { optional_string_array(object, "mixed", 10); });
  expect_param_error(Errc::invalid_parameter, "nested[0]", [&] { optional_string_array(object, "nested", 10); });
  expect_param_error(Errc::invalid_parameter, "nulls[1]", [&] { optional_string_array(object, "nulls", 10); });
}

TEST(JsonBodyTest, OptionalStringArrayEnforcesMaxItems) {
  auto object = parse_object(R"({"events": ["a", "b", "c"]})");
  EXPECT_EQ(optional_string_array(object, "events", 3)->size(), 3u);
  expect_param_error(Errc::invalid_parameter, "events", [&] { optional_string_array(object, "events", 2); });
}

// String maps

TEST(JsonBodyTest, OptionalStringMapWithRemovals) {
  auto object = parse_object(R"({"metadata": {"order": "42", "old": null, "empty": ""}})");
  auto map = optional_string_map(object, "metadata", 50, 40, 500);
  ASSERT_TRUE(map);
  EXPECT_EQ(map->size(), 3u);
  EXPECT_EQ(map->at("order"), "42");
  EXPECT_EQ(map->at("old"), std::nullopt);
  EXPECT_EQ(map->at("empty"), "");
  EXPECT_EQ(optional_string_map(object, "absent", 50, 40, 500), std::nullopt);
  EXPECT_TRUE(optional_string_map(parse_object(R"({"metadata": {}})"), "metadata", 50, 40, 500)->empty());
}

TEST(JsonBodyTest, OptionalStringMapRejectsBadShapes) {
  auto object = parse_object(R"({"s": "x", "a": ["x"], "null": null, "num": {"k": 1}, "deep": {"k": {"x": "y"}},
                                 "bool": {"k": true}, "emptykey": {"": "v"}})");
  expect_param_error(Errc::invalid_parameter, "s", [&] { optional_string_map(object, "s", 50, 40, 500); });
  expect_param_error(Errc::invalid_parameter, "a", [&] { optional_string_map(object, "a", 50, 40, 500); });
  expect_param_error(Errc::invalid_parameter, "null", [&] { optional_string_map(object, "null", 50, 40, 500); });
  expect_param_error(Errc::invalid_parameter, "num[k]", [&] { optional_string_map(object, "num", 50, 40, 500); });
  expect_param_error(Errc::invalid_parameter, "deep[k]", [&] { optional_string_map(object, "deep", 50, 40, 500); });
  expect_param_error(Errc::invalid_parameter, "bool[k]", [&] { optional_string_map(object, "bool", 50, 40, 500); });
  expect_param_error(Errc::invalid_parameter, "emptykey",
                     [&] { optional_string_map(object, "emptykey", 50, 40, 500); });
}

TEST(JsonBodyTest, OptionalStringMapEnforcesLimits) {
  auto object = parse_object(R"({"m": {"a": "1", "b": "2", "c": null}})");
  EXPECT_EQ(optional_string_map(object, "m", 3, 40, 500)->size(), 3u);
  expect_param_error(Errc::invalid_parameter, "m", [&] { optional_string_map(object, "m", 2, 40, 500); });

  json long_key = {{"m", {{std::string(41, 'k'), "v"}}}};
  EXPECT_NO_THROW(optional_string_map(json{{"m", {{std::string(40, 'k'), "v"}}}}, "m", 50, 40, 500));
  // A long key is not echoed back as the param.
  expect_param_error(Errc::invalid_parameter, "m", [&] { optional_string_map(long_key, "m", 50, 40, 500); });

  json long_value = {{"m", {{"k", std::string(501, 'v')}}}};
  EXPECT_NO_THROW(optional_string_map(json{{"m", {{"k", std::string(500, 'v')}}}}, "m", 50, 40, 500));
  expect_param_error(Errc::invalid_parameter, "m[k]", [&] { optional_string_map(long_value, "m", 50, 40, 500); });
}

TEST(JsonBodyTest, OptionalStringMapCountsCharactersNotBytes) {
  std::string four_e_acute = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";  // 4 characters, 8 bytes
  json object = {{"m", {{four_e_acute, four_e_acute}}}};
  EXPECT_NO_THROW(optional_string_map(object, "m", 1, 4, 4));
  EXPECT_THROW(optional_string_map(object, "m", 1, 3, 4), ApiError);
  EXPECT_THROW(optional_string_map(object, "m", 1, 4, 3), ApiError);
}

// Values the database could not store as sent: refused while
// parsing, naming where they are.

void expect_unstorable(std::string_view text, std::string_view param) {
  auto error = catch_api_error([&] { parse_object(text); });
  EXPECT_EQ(error.code(), Errc::invalid_parameter) << text.substr(0, 80);
  EXPECT_EQ(error.details().value("param", ""), param) << text.substr(0, 80);
  EXPECT_NO_THROW((void)error_body(error, "req_1").dump());
}

TEST(JsonBodyTest, RefusesNulInAnyStringNamingIt) {
  expect_unstorable(R"({"description": "a\u0000b"})", "description");
  expect_unstorable(R"({"description": "\u0000"})", "description");
  expect_unstorable(R"({"metadata": {"k": "v\u0000"}})", "metadata[k]");
  expect_unstorable(R"({"enabled_events": ["order.created", "\u0000"]})", "enabled_events[1]");
  expect_unstorable(R"({"data": {"items": [{}, {}, {"name": "x\u0000"}]}})", "data[items][2][name]");
  expect_unstorable(R"({"data": [[["\u0000"]]]})", "data[0][0][0]");
}

TEST(JsonBodyTest, RefusesNulInAnyKeyNamingTheKey) {
  expect_unstorable(R"({"metadata": {"a\u0000b": "v"}})", "metadata[a\\u0000b]");
  expect_unstorable(R"({"data": {"items": [{"\u0000": 1}]}})", "data[items][0][\\u0000]");
  expect_unstorable(R"({"\u0000": 1})", "\\u0000");
}

TEST(JsonBodyTest, PathsAfterContainersAndValuesStayRight) {
  // Each finished element or member moves the path on.
  expect_unstorable(R"({"a": [1, "x", null, true, 1.5, {"b": [2]}, [3], "\u0000"]})", "a[7]");
  expect_unstorable(R"({"a": {"b": {"c": 1}, "d": [], "e": "\u0000"}})", "a[e]");
  expect_unstorable(R"({"a": 1, "b": {}, "c": "\u0000"})", "c");
}

TEST(JsonBodyTest, LongPathsAreCutAtACharacter) {
  std::string key(300, 'k');
  key[199] = '\xc3';  // an é across the cut
  key.insert(200, "\xa9");
  auto error = catch_api_error([&] { parse_object("{\"" + key + "\": \"\\u0000\"}"); });
  auto param = error.details().value("param", "");
  EXPECT_EQ(param, std::string(199, 'k') + "...");
  EXPECT_NO_THROW((void)error_body(error, "req_1").dump());
}

TEST(JsonBodyTest, RefusesNumbersThatWouldBeStoredChanged) {
  expect_unstorable(R"({"data": {"n": 1e400}})", "data[n]");
  expect_unstorable(R"({"data": {"n": -1e400}})", "data[n]");
  expect_unstorable(R"({"url": 1e999})", "url");
  expect_unstorable(R"({"data": {"n": 18446744073709551616}})", "data[n]");  // 2^64
  expect_unstorable(R"({"data": [-9223372036854775809]})", "data[0]");      // below int64
  expect_unstorable(R"({"data": {"n": 123456789012345678901234567890}})", "data[n]");
  expect_unstorable(R"({"data": {"n": 1e-400}})", "data[n]");
  expect_unstorable(R"({"data": {"n": -2.5E-999}})", "data[n]");
  auto error = catch_api_error([] { parse_object(R"({"data": {"n": 1e400}})"); });
  EXPECT_NE(std::string(error.what()).find("data[n]"), std::string::npos) << error.what();
}

TEST(JsonBodyTest, KeepsNumbersADoubleOrA64BitIntegerHolds) {
  auto object = parse_object(R"({"max": 1e308, "tiny": 5e-324, "zero": 0.0, "zero_exp": 0e-999, "negzero": -0,
                                 "negzero_float": -0.0, "umax": 18446744073709551615,
                                 "imin": -9223372036854775808, "plain": 12.5})");
  EXPECT_EQ(object["max"], 1e308);
  EXPECT_GT(object["tiny"].get<double>(), 0.0);
  EXPECT_EQ(object["zero"], 0.0);
  EXPECT_EQ(object["zero_exp"], 0.0);
  EXPECT_EQ(object["negzero"], 0);
  EXPECT_EQ(object["negzero_float"], 0.0);
  EXPECT_EQ(object["umax"].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(object["imin"].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(object["plain"], 12.5);
}

TEST(JsonBodyTest, ParseValueNamesTheRoot) {
  EXPECT_EQ(parse_value(R"({"a": [1]})", "--data")["a"][0], 1);
  EXPECT_EQ(parse_value("[1, 2]", "--data").size(), 2u);
  auto nul = catch_api_error([] { parse_value(R"({"a": ["\u0000"]})", "--data"); });
  EXPECT_EQ(nul.details().value("param", ""), "--data[a][0]");
  auto root = catch_api_error([] { parse_value(R"("\u0000")", "--data"); });
  EXPECT_EQ(root.details().value("param", ""), "--data");
  auto broken = catch_api_error([] { parse_value("{not json", "--data"); });
  EXPECT_EQ(broken.code(), Errc::invalid_json);
  EXPECT_NE(std::string(broken.what()).find("--data is not valid JSON"), std::string::npos) << broken.what();
}

}  // namespace
}  // namespace hookgate::json_body

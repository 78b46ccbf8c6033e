#include "core/stored_json_size.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hookgate {
namespace {

using nlohmann::json;

TEST(StoredJsonSize, CountsNumbersInExponentFormAtTheirPlainDecimalLength) {
  EXPECT_EQ(stored_json_size(json::parse(R"({"a":1})")), 7u);
  EXPECT_EQ(stored_json_size(json::parse(R"({"a":"1e300"})")), 13u) << "strings are what they are";
  // 1e+300 as serialized; 301 digits as PostgreSQL writes it out.
  EXPECT_EQ(stored_json_size(json::parse(R"({"a":1e300})")), json::parse(R"({"a":1e300})").dump().size() - 6 + 301);
  EXPECT_EQ(stored_json_size(json::parse(R"([-1.5e+20])")), 2u + 22u);                  // -150000000000000000000
  EXPECT_EQ(stored_json_size(json::parse(R"([2.5e-10])")), 2u + 13u);                   // 0.00000000025
  EXPECT_EQ(stored_json_size(json::parse(R"([0.5, 12.25])")), json::parse("[0.5,12.25]").dump().size());
}

TEST(StoredJsonSize, AddsUpAtEveryDepth) {
  json many = json::array();
  for (int i = 0; i < 1000; ++i) many.push_back(1e300);
  EXPECT_GT(stored_json_size(json{{"data", {{"deep", many}}}}), 300'000u);
}

}  // namespace
}  // namespace hookgate

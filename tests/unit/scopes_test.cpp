#include "domain/scopes.h"

#include <gtest/gtest.h>

namespace hookgate {
namespace {

Catalogue sample_catalogue() {
  return Catalogue(
      {{"store.orders:read", "", false},
       {"store.orders:write", "", true},
       {"pay.intents:read", "", false},
       {"webhooks.endpoints:read", "", false},
       {"webhooks.endpoints:manage", "", true}},
      {{"store", {"store.orders:read", "store.orders:write", "webhooks.endpoints:manage"}}},
      {{"order.accepted", "store.orders:read", ""},
       {"order.created", "store.orders:read", ""},
       {"payment_intent.created", "pay.intents:read", ""},
       {"orderly.thing", "pay.intents:read", ""}});
}

TEST(EffectiveScopesTest, PublishableKeysLoseScopesThatRequireSecretKeys) {
  auto catalogue = sample_catalogue();
  ScopeSet assigned = {"store.orders:read", "store.orders:write", "webhooks.endpoints:manage"};
  EXPECT_EQ(effective_scopes(KeyKind::publishable, assigned, catalogue), ScopeSet{"store.orders:read"});
  EXPECT_EQ(effective_scopes(KeyKind::secret, assigned, catalogue), assigned);
}

TEST(EffectiveScopesTest, FollowsTheCatalogueFlagNotTheScopeName) {
  // A read scope flagged requires_sk must be dropped for pk_ keys too.
  Catalogue flipped({{"store.orders:read", "", true}}, {}, {});
  EXPECT_TRUE(effective_scopes(KeyKind::publishable, {"store.orders:read"}, flipped).empty());
}

TEST(EffectiveScopesTest, UnknownAssignedScopesGrantNothing) {
  EXPECT_TRUE(effective_scopes(KeyKind::secret, {"retired.scope:read"}, sample_catalogue()).empty());
}

TEST(ResolveScopeRequestTest, CombinesBundleAndScopes) {
  auto scopes = resolve_scope_request(sample_catalogue(), {"pay.intents:read"}, std::string("store"));
  EXPECT_EQ(scopes, (ScopeSet{"pay.intents:read", "store.orders:read", "store.orders:write",
                              "webhooks.endpoints:manage"}));
}

TEST(ResolveScopeRequestTest, UnknownScopeAndBundleAreNamed) {
  try {
    resolve_scope_request(sample_catalogue(), {"nope:read", "pay.intents:read"}, std::nullopt);
    FAIL() << "expected an error";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), Errc::invalid_parameter);
    EXPECT_EQ(error.details()["unknown_scopes"], nlohmann::json::array({"nope:read"}));
  }
  try {
    resolve_scope_request(sample_catalogue(), {}, std::string("gold"));
    FAIL() << "expected an error";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.details()["param"], "bundle");
  }
}

TEST(RequiredScopeTest, GetNeedsReadOtherMethodsNeedWrite) {
  ResourceScopes scopes{"webhooks.endpoints:read", "webhooks.endpoints:manage"};
  EXPECT_EQ(required_scope("GET", scopes), "webhooks.endpoints:read");
  for (const char* method : {"POST", "PATCH", "PUT", "DELETE"}) {
    EXPECT_EQ(required_scope(method, scopes), "webhooks.endpoints:manage") << method;
  }
}

TEST(MissingScopesTest, ListsEachMissingScopeOnceSorted) {
  auto missing = missing_scopes({"b:read"}, {"c:read", "a:read", "b:read", "c:read", ""});
  EXPECT_EQ(missing, (std::vector<std::string>{"a:read", "c:read"}));
}

TEST(MissingScopesTest, ScopeRequiredErrorNamesEveryScope) {
  try {
    require_scopes({}, {"store.orders:read", "pay.intents:read"});
    FAIL() << "expected an error";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), Errc::scope_required);
    EXPECT_EQ(error.details()["required_scopes"],
              nlohmann::json::array({"pay.intents:read", "store.orders:read"}));
    EXPECT_NE(std::string(error.what()).find("store.orders:read"), std::string::npos);
  }
  EXPECT_NO_THROW(require_scopes({"a:read"}, {"a:read"}));
}

TEST(PatternTest, FamilyWildcardMatchesOnlyThatFamily) {
  EXPECT_TRUE(pattern_matches("order.*", "order.accepted"));
  EXPECT_FALSE(pattern_matches("order.*", "orderly.thing"));
  EXPECT_FALSE(pattern_matches("order.*", "order"));
  EXPECT_TRUE(pattern_matches("*", "anything.at_all"));
  EXPECT_TRUE(pattern_matches("order.accepted", "order.accepted"));
  EXPECT_FALSE(pattern_matches("order.accepted", "order.created"));
  EXPECT_TRUE(is_wildcard("order.*"));
  EXPECT_FALSE(is_wildcard(".*"));
}

TEST(PatternTest, ScopesForPatternsCoverEveryMatchedType) {
  auto catalogue = sample_catalogue();
  EXPECT_EQ(scopes_for_patterns(catalogue, {"order.accepted"}, "enabled_events"),
            (std::vector<std::string>{"store.orders:read"}));
  EXPECT_EQ(scopes_for_patterns(catalogue, {"*"}, "enabled_events"),
            (std::vector<std::string>{"pay.intents:read", "store.orders:read"}));
}

TEST(PatternTest, PatternMatchingNothingIsAnErrorNamingItsIndex) {
  try {
    scopes_for_patterns(sample_catalogue(), {"order.accepted", "refund.*"}, "enabled_events");
    FAIL() << "expected an error";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.details()["param"], "enabled_events[1]");
  }
}

}  // namespace
}  // namespace hookgate

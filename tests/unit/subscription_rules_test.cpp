#include "domain/subscription_rules.h"

#include <gtest/gtest.h>

namespace hookgate {
namespace {

Catalogue catalogue() {
  return Catalogue({{"store.orders:read", "", false},
                    {"pay.intents:read", "", false},
                    {"webhooks.endpoints:manage", "", true}},
                   {},
                   {{"order.accepted", "store.orders:read", ""},
                    {"order.created", "store.orders:read", ""},
                    {"payment_intent.created", "pay.intents:read", ""}});
}

TEST(SubscriptionStatusTest, AuthorizedWhileTheKeyHoldsTheScope) {
  AuthorizingKey key{"key_a", KeyKind::secret, false, {"store.orders:read"}};
  auto status = subscription_status("order.*", key, catalogue());
  EXPECT_TRUE(status.authorized);
  EXPECT_FALSE(status.reason);
}

TEST(SubscriptionStatusTest, RevokedKeyLosesEverySubscription) {
  AuthorizingKey key{"key_a", KeyKind::secret, true, {"store.orders:read"}};
  auto status = subscription_status("order.accepted", key, catalogue());
  EXPECT_FALSE(status.authorized);
  EXPECT_EQ(status.reason, "key_revoked");
}

TEST(SubscriptionStatusTest, LostScopeIsNamed) {
  AuthorizingKey key{"key_a", KeyKind::secret, false, {"pay.intents:read"}};
  auto status = subscription_status("*", key, catalogue());
  EXPECT_FALSE(status.authorized);
  EXPECT_EQ(status.reason, "scope_missing");
  EXPECT_EQ(status.missing_scopes, std::vector<std::string>{"store.orders:read"});
}

// As in SQL: the stored subscription of a type that left the catalogue is
// shown, not refused as an unknown event type.
TEST(SubscriptionStatusTest, PatternWhoseTypesLeftTheCatalogueNeedsNothing) {
  AuthorizingKey key{"key_a", KeyKind::publishable, false, {}};
  auto status = subscription_status("gone.*", key, catalogue());
  EXPECT_TRUE(status.authorized);
  EXPECT_FALSE(status.reason);
  EXPECT_TRUE(status.missing_scopes.empty());
}

TEST(ScopesNeededForChangeTest, OnlyAddedPatternsNeedScopes) {
  EndpointChange change{{"order.accepted"}, std::vector<std::string>{"order.accepted", "payment_intent.created"},
                        false, false};
  EXPECT_EQ(scopes_needed_for_change(change, catalogue()), std::vector<std::string>{"pay.intents:read"});
}

TEST(ScopesNeededForChangeTest, DescriptionOrRemovalNeedsNothing) {
  EXPECT_TRUE(scopes_needed_for_change({{"order.*"}, std::nullopt, false, false}, catalogue()).empty());
  EXPECT_TRUE(
      scopes_needed_for_change({{"order.*", "payment_intent.created"}, std::vector<std::string>{"order.*"}, false, false},
                               catalogue())
          .empty());
}

TEST(ScopesNeededForChangeTest, NewUrlOrReEnablingNeedsEveryReceivedScope) {
  std::vector<std::string> both = {"pay.intents:read", "store.orders:read"};
  EXPECT_EQ(scopes_needed_for_change({{"order.*", "payment_intent.created"}, std::nullopt, true, false}, catalogue()),
            both);
  EXPECT_EQ(scopes_needed_for_change({{"order.*", "payment_intent.created"}, std::nullopt, false, true}, catalogue()),
            both);
  // With a new list at the same time, it is the resulting list that counts.
  EXPECT_EQ(scopes_needed_for_change({{"order.*", "payment_intent.created"}, std::vector<std::string>{"order.*"}, true,
                                      false},
                                     catalogue()),
            std::vector<std::string>{"store.orders:read"});
}

TEST(PayloadVisibilityTest, ShownWhenTheKeyHoldsTheEventsReadScope) {
  auto visibility = payload_visibility("order.accepted", {"webhooks.deliveries:read", "store.orders:read"}, catalogue());
  EXPECT_TRUE(visibility.visible);
  EXPECT_EQ(visibility.required_scope, "store.orders:read");
}

TEST(PayloadVisibilityTest, WithheldNamingTheScopeThatWouldShowIt) {
  auto visibility = payload_visibility("payment_intent.created", {"webhooks.deliveries:read", "store.orders:read"},
                                       catalogue());
  EXPECT_FALSE(visibility.visible);
  EXPECT_EQ(visibility.required_scope, "pay.intents:read");
}

TEST(PayloadVisibilityTest, WithheldFromEveryoneOnceTheTypeLeftTheCatalogue) {
  auto visibility = payload_visibility("order.vanished", {"store.orders:read"}, catalogue());
  EXPECT_FALSE(visibility.visible);
  EXPECT_TRUE(visibility.required_scope.empty());
}

}  // namespace
}  // namespace hookgate

#include "auth/key_cache.h"

#include "support/fakes/manual_clock.h"

#include <gtest/gtest.h>

#include <memory>

namespace hookgate {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;

KeyDigest digest_of(unsigned char seed) {
  KeyDigest digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<unsigned char>(seed + i);
  return digest;
}

std::shared_ptr<const Principal> principal(const std::string& key_id) {
  return std::make_shared<const Principal>(Principal{ApiKeyId::from_trusted(key_id),
                                                     AccountId::from_trusted("acct_1"), KeyKind::secret,
                                                     ScopeSet{"store.orders:read"}});
}

class KeyCacheTest : public ::testing::Test {
 protected:
  ManualClock clock;
  KeyCache cache{clock, 60s};

  void SetUp() override { cache.set_trusted(true); }
  void store(unsigned char seed, const std::string& key_id, std::optional<TimePoint> expires_at = std::nullopt) {
    cache.insert(digest_of(seed), {principal(key_id), expires_at}, cache.generation());
  }
};

TEST_F(KeyCacheTest, AHitSharesTheStoredPrincipalInsteadOfCopyingIt) {
  auto stored = principal("key_a");
  cache.insert(digest_of(1), {stored, std::nullopt}, cache.generation());
  auto first = cache.lookup(digest_of(1));
  auto second = cache.lookup(digest_of(1));
  EXPECT_EQ(first, stored);
  EXPECT_EQ(second, stored);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.lookup(digest_of(2)), nullptr);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST_F(KeyCacheTest, DigestsDifferingOnlyInTheirLastByteAreDifferentKeys) {
  store(1, "key_a");
  auto other = digest_of(1);
  other.back() ^= 1;
  EXPECT_EQ(cache.lookup(other), nullptr);
  EXPECT_NE(cache.lookup(digest_of(1)), nullptr);
}

TEST_F(KeyCacheTest, AnInsertRacingAnInvalidationIsDropped) {
  auto generation = cache.generation();  // read before the (simulated) database read
  cache.invalidate_key("key_a");         // a NOTIFY arrives meanwhile
  cache.insert(digest_of(1), {principal("key_a"), std::nullopt}, generation);
  EXPECT_EQ(cache.lookup(digest_of(1)), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(KeyCacheTest, InvalidatingAKeyEvictsOnlyThatKeysSecrets) {
  store(1, "key_a");
  store(2, "key_a");  // a rolled key has two secrets
  store(3, "key_b");
  cache.invalidate_key("key_a");
  EXPECT_EQ(cache.lookup(digest_of(1)), nullptr);
  EXPECT_EQ(cache.lookup(digest_of(2)), nullptr);
  EXPECT_NE(cache.lookup(digest_of(3)), nullptr);
}

TEST_F(KeyCacheTest, AnUntrustedCacheAnswersAndStoresNothing) {
  store(1, "key_a");
  cache.set_trusted(false);
  EXPECT_EQ(cache.lookup(digest_of(1)), nullptr);
  store(2, "key_b");
  EXPECT_EQ(cache.size(), 0u);
  // Trust comes back empty: anything may have changed while it was away.
  cache.set_trusted(true);
  EXPECT_EQ(cache.lookup(digest_of(1)), nullptr);
}

TEST_F(KeyCacheTest, EntriesExpireAfterTheTtlAndAtTheEndOfARollsGrace) {
  store(1, "key_a");
  store(2, "key_b", clock.now() + 10s);
  clock.advance(9s);
  EXPECT_NE(cache.lookup(digest_of(2)), nullptr);
  clock.advance(1s);
  EXPECT_EQ(cache.lookup(digest_of(2)), nullptr);
  EXPECT_NE(cache.lookup(digest_of(1)), nullptr);
  clock.advance(50s);
  EXPECT_EQ(cache.lookup(digest_of(1)), nullptr);
}

}  // namespace
}  // namespace hookgate

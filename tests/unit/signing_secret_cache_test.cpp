// The worker's cache of opened signing secrets: opens what a claim returns,
// keeps the result per endpoint, and refuses another endpoint's secret.

#include "core/crypto.h"
#include "db/sealed_columns.h"
#include "delivery/signing_secret_cache.h"

#include <gtest/gtest.h>

namespace hookgate::delivery {
namespace {

constexpr const char* kKey = "M1WUzAHptaCY7qIiVcmUOnJhWTnS9AtNBQDy9wHWaFE=";
const EndpointId kEndpoint = EndpointId::from_trusted("we_1");
const EndpointId kOther = EndpointId::from_trusted("we_2");

std::string sealed_hex(const SecretKeyRing& ring, const std::string& secret, const EndpointId& endpoint) {
  auto sealed = ring.seal(secret, db::endpoint_secret_binding(endpoint));
  return crypto::hex_encode(std::vector<unsigned char>(sealed.begin(), sealed.end()));
}

TEST(SigningSecretCache, OpensEverySecretInOrder) {
  auto ring = SecretKeyRing::parse(kKey);
  SigningSecretCache cache(ring);
  auto claimed = sealed_hex(ring, "whsec_new", kEndpoint) + " " + sealed_hex(ring, "whsec_old", kEndpoint);
  EXPECT_EQ(cache.open(kEndpoint, claimed), (std::vector<std::string>{"whsec_new", "whsec_old"}));
  EXPECT_EQ(cache.open(kEndpoint, claimed), (std::vector<std::string>{"whsec_new", "whsec_old"}));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.open(kEndpoint, ""), std::vector<std::string>{});
}

TEST(SigningSecretCache, RefusesWhatDoesNotOpen) {
  auto ring = SecretKeyRing::parse(kKey);
  SigningSecretCache cache(ring);
  auto claimed = sealed_hex(ring, "whsec_a", kEndpoint);
  ASSERT_TRUE(cache.open(kEndpoint, claimed));
  EXPECT_EQ(cache.open(kOther, claimed), std::nullopt) << "bound to another endpoint";
  EXPECT_EQ(cache.open(kEndpoint, claimed.substr(1)), std::nullopt) << "not hex pairs";
  EXPECT_EQ(cache.open(kEndpoint, "zz" + claimed.substr(2)), std::nullopt) << "not hex";
  SigningSecretCache other_key(SecretKeyRing::parse("iIm2kj2gcgD6OERI7JeJRxe0Ee+tmAD8GdrFg7JvEvw="));
  EXPECT_EQ(other_key.open(kEndpoint, claimed), std::nullopt);
}

TEST(SigningSecretCache, StaysWithinItsBound) {
  auto ring = SecretKeyRing::parse(kKey);
  SigningSecretCache cache(ring, 2);
  for (int i = 0; i < 5; ++i) {
    auto endpoint = EndpointId::from_trusted("we_" + std::to_string(i));
    ASSERT_TRUE(cache.open(endpoint, sealed_hex(ring, "whsec_x", endpoint)));
    EXPECT_LE(cache.size(), 2u);
  }
}

}  // namespace
}  // namespace hookgate::delivery

// Sealing secrets at rest (DESIGN §9): AES-256-GCM round trips, what must
// refuse to open (wrong key, any changed byte, another row's binding), key
// rings of several keys, and the HOOKGATE_SECRETS_KEYS format.

#include "app/config.h"
#include "core/crypto.h"
#include "core/secret_sealing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace hookgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::string_literals;

// Keys made for these tests with `openssl rand -base64 32`.
constexpr const char* kKeyA = "M1WUzAHptaCY7qIiVcmUOnJhWTnS9AtNBQDy9wHWaFE=";
constexpr const char* kKeyB = "iIm2kj2gcgD6OERI7JeJRxe0Ee+tmAD8GdrFg7JvEvw=";
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

SecretKeyRing ring(const std::string& text) { return SecretKeyRing::parse(text); }

std::string binding() { return "endpoint_secrets.sealed_secret\0we_1"s; }

TEST(SecretSealing, RoundTrip) {
  auto keys = ring(kKeyA);
  auto sealed = keys.seal(kSecret, binding());
  EXPECT_EQ(keys.open(sealed, binding()), kSecret);
  EXPECT_EQ(keys.open(keys.seal("", binding()), binding()), "");
}

TEST(SecretSealing, FormatIsVersionKeyIdNonceCiphertextTag) {
  auto keys = ring(kKeyA);
  auto sealed = keys.seal(kSecret, binding());
  ASSERT_EQ(sealed.size(), 1 + 4 + 12 + std::string(kSecret).size() + 16);
  EXPECT_EQ(sealed[0], '\x01');
  std::vector<unsigned char> key;
  ASSERT_TRUE(crypto::base64_decode(kKeyA, key));
  auto digest = crypto::sha256(std::string(key.begin(), key.end()));
  EXPECT_EQ(sealed.substr(1, 4), std::string(digest.begin(), digest.begin() + 4));
  EXPECT_EQ(key_id_hex(*SecretKeyRing::key_id_of(sealed)), crypto::hex_encode(digest).substr(0, 8));
  EXPECT_THAT(sealed, Not(HasSubstr(kSecret)));
}

TEST(SecretSealing, EverySealUsesAFreshNonce) {
  auto keys = ring(kKeyA);
  std::set<std::string> nonces;
  for (int i = 0; i < 50; ++i) nonces.insert(keys.seal(kSecret, binding()).substr(5, 12));
  EXPECT_EQ(nonces.size(), 50u);
}

TEST(SecretSealing, AnotherKeyDoesNotOpen) {
  auto sealed = ring(kKeyA).seal(kSecret, binding());
  EXPECT_EQ(ring(kKeyB).open(sealed, binding()), std::nullopt);
}

TEST(SecretSealing, EveryChangedByteIsRefused) {
  auto keys = ring(kKeyA);
  auto sealed = keys.seal(kSecret, binding());
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_EQ(keys.open(tampered, binding()), std::nullopt) << "byte " << i;
  }
  EXPECT_EQ(keys.open(sealed.substr(0, sealed.size() - 1), binding()), std::nullopt) << "truncated";
  EXPECT_EQ(keys.open(sealed + "x", binding()), std::nullopt) << "extended";
  EXPECT_EQ(keys.open("", binding()), std::nullopt);
}

TEST(SecretSealing, AnotherRowOrColumnDoesNotOpen) {
  auto keys = ring(kKeyA);
  auto sealed = keys.seal(kSecret, binding());
  EXPECT_EQ(keys.open(sealed, "endpoint_secrets.sealed_secret\0we_2"s), std::nullopt);
  EXPECT_EQ(keys.open(sealed, "idempotency_keys.sealed_response_body\0we_1"s), std::nullopt);
  EXPECT_EQ(keys.open(sealed, ""), std::nullopt);
}

TEST(SecretSealing, TheFirstKeySealsEveryKeyOpens) {
  auto old_only = ring(kKeyA);
  auto rotated = ring(std::string(kKeyB) + "," + kKeyA);
  auto new_only = ring(kKeyB);
  auto sealed_before = old_only.seal(kSecret, binding());
  auto sealed_after = rotated.seal(kSecret, binding());

  EXPECT_EQ(SecretKeyRing::key_id_of(sealed_after), new_only.key_ids().front());
  EXPECT_EQ(rotated.open(sealed_before, binding()), kSecret);
  EXPECT_EQ(rotated.open(sealed_after, binding()), kSecret);
  EXPECT_EQ(new_only.open(sealed_after, binding()), kSecret);
  EXPECT_EQ(new_only.open(sealed_before, binding()), std::nullopt);
  EXPECT_EQ(old_only.open(sealed_after, binding()), std::nullopt);
  ASSERT_EQ(rotated.key_ids().size(), 2u);
  EXPECT_TRUE(rotated.has_key(old_only.key_ids().front()));
}

TEST(SecretSealing, AnEmptyRingCannotSeal) {
  SecretKeyRing empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_THROW(empty.seal(kSecret, binding()), std::logic_error);
  EXPECT_EQ(empty.open(ring(kKeyA).seal(kSecret, binding()), binding()), std::nullopt);
}

TEST(SecretSealing, KeyRingTextAllowsSpacesAroundCommas) {
  EXPECT_EQ(ring(std::string(" ") + kKeyA + " , " + kKeyB + " ").key_ids().size(), 2u);
}

TEST(SecretSealing, BadKeyRingTextIsRefusedWithoutEchoingKeys) {
  const std::string hex64(64, 'a');  // hex is valid base64 text, but 48 bytes
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "key 1 is empty"},
      {",", "key 1 is empty"},
      {std::string(kKeyA) + ",", "key 2 is empty"},
      {"not base64!", "key 1 is not standard base64"},
      {"M1WUzAHptaCY7qIiVcmUOnJhWTnS9AtNBQDy9wHWaFE", "key 1 is not standard base64"},  // no padding
      {"AAAAAAAAAAAAAAAAAAAAAA==", "key 1 decodes to 16 bytes, not 32"},
      {hex64, "key 1 decodes to 48 bytes, not 32"},
      {std::string(kKeyA) + "," + kKeyA, "key 2 repeats an earlier key"},
  };
  for (const auto& [text, expected] : cases) {
    try {
      SecretKeyRing::parse(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr(expected)) << text;
      EXPECT_THAT(e.what(), Not(HasSubstr(kKeyA)));
    }
  }
}

TEST(SecretSealing, ConfigNamesTheVariableAndHidesTheValue) {
  auto env_with = [](std::string value) {
    return [value](std::string_view name) -> std::optional<std::string> {
      if (name == "HOOKGATE_SECRETS_KEYS") return value;
      return std::nullopt;
    };
  };
  try {
    load_config(env_with(std::string(kKeyA).substr(0, 20) + "=="));
    ADD_FAILURE() << "a short key was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HOOKGATE_SECRETS_KEYS"));
    EXPECT_THAT(e.what(), Not(HasSubstr(std::string(kKeyA).substr(0, 20))));
  }
  EXPECT_THROW(load_config(env_with("")), ConfigError);
  EXPECT_TRUE(load_config([](std::string_view) { return std::nullopt; }).secrets_keys.empty());
  EXPECT_EQ(load_config(env_with(std::string(kKeyA) + "," + kKeyB)).secrets_keys.key_ids(),
            ring(std::string(kKeyA) + "," + kKeyB).key_ids());
}

}  // namespace
}  // namespace hookgate

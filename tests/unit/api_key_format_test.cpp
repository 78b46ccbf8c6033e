#include "domain/api_key_format.h"

#include "core/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

namespace hookgate {
namespace {

using namespace std::string_view_literals;

// Deterministic bytes: a counter, so every call yields different output.
class CountingRandom final : public RandomSource {
 public:
  std::vector<unsigned char> bytes(std::size_t count) override {
    std::vector<unsigned char> out(count);
    for (auto& byte : out) byte = next_++;
    return out;
  }

 private:
  unsigned char next_ = 0;
};

// Every byte 0xFF: exercises the '_' and '-' end of the base64url alphabet.
class AllOnesRandom final : public RandomSource {
 public:
  std::vector<unsigned char> bytes(std::size_t count) override { return std::vector<unsigned char>(count, 0xFF); }
};

class ShortRandom final : public RandomSource {
 public:
  std::vector<unsigned char> bytes(std::size_t count) override { return std::vector<unsigned char>(count / 2); }
};

const std::string valid_sk = "sk_" + std::string(43, 'A');

TEST(ApiKeyFormatTest, KeyKindNamesRoundTrip) {
  EXPECT_EQ(key_kind_name(KeyKind::publishable), "pk");
  EXPECT_EQ(key_kind_name(KeyKind::secret), "sk");
  EXPECT_EQ(parse_key_kind("pk"), KeyKind::publishable);
  EXPECT_EQ(parse_key_kind("sk"), KeyKind::secret);
  for (std::string_view text : {"", "PK", "Sk", "pk_", "rk", "s", "sk "}) {
    EXPECT_EQ(parse_key_kind(text), std::nullopt) << text;
  }
}

TEST(ApiKeyFormatTest, GeneratedKeysHaveTheDocumentedShapeAndParse) {
  OpenSslRandom random;
  for (KeyKind kind : {KeyKind::publishable, KeyKind::secret}) {
    std::string key = generate_api_key(kind, random);
    EXPECT_EQ(key.size(), 46u);
    EXPECT_EQ(key.substr(0, 3), std::string(key_kind_name(kind)) + "_");
    EXPECT_EQ(key.find('='), std::string::npos);
    auto parsed = parse_api_key(key);
    ASSERT_TRUE(parsed) << key;
    EXPECT_EQ(parsed->kind, kind);
    EXPECT_EQ(parsed->text, key);
    EXPECT_EQ(parsed->text.substr(3).size(), 43u);
  }
}

TEST(ApiKeyFormatTest, GeneratedKeysAreDistinct) {
  OpenSslRandom random;
  std::set<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.insert(generate_api_key(KeyKind::secret, random));
  EXPECT_EQ(keys.size(), 1000u);
}

TEST(ApiKeyFormatTest, GeneratedKeysUseTheUrlSafeAlphabet) {
  AllOnesRandom random;
  std::string key = generate_api_key(KeyKind::secret, random);
  EXPECT_EQ(key, "sk_" + std::string(42, '_') + "8");
  EXPECT_TRUE(parse_api_key(key));

  CountingRandom counting;
  auto first = generate_api_key(KeyKind::publishable, counting);
  auto second = generate_api_key(KeyKind::publishable, counting);
  EXPECT_NE(first, second);
  EXPECT_TRUE(parse_api_key(first));
  EXPECT_TRUE(parse_api_key(second));
}

TEST(ApiKeyFormatTest, GenerationRefusesAShortRandomSource) {
  ShortRandom random;
  EXPECT_THROW(generate_api_key(KeyKind::secret, random), std::logic_error);
  EXPECT_THROW(generate_signing_secret(random), std::logic_error);
}

TEST(ApiKeyFormatTest, ParseAcceptsBothKinds) {
  auto secret = parse_api_key(valid_sk);
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->kind, KeyKind::secret);
  std::string publishable = "pk_" + std::string(20, 'z') + "0123456789-_" + std::string(11, 'Q');
  auto parsed = parse_api_key(publishable);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->kind, KeyKind::publishable);
}

TEST(ApiKeyFormatTest, ParseRejectsHostileText) {
  std::string body(43, 'A');
  const std::string rejected[] = {
      "",
      "sk_",
      "sk",
      "sk_" + body.substr(1),                        // 42 characters
      "sk_" + body + "A",                            // 44 characters
      "rk_" + body,                                  // unknown kind
      "SK_" + body,                                  // kinds are lower case
      "sk-" + body,                                  // wrong separator
      " sk_" + body.substr(1),                       // leading space
      "sk_" + body.substr(1) + " ",                  // trailing space
      "sk_" + body.substr(1) + "=",                  // padding
      "sk_" + body.substr(1) + "+",                  // standard base64 alphabet
      "sk_" + body.substr(1) + "/",
      "sk_" + body.substr(2) + "\xc3\xa9",           // non-ASCII, still 46 bytes
      "sk_" + body.substr(1) + std::string(1, '\0'),  // NUL
      "sk_" + body.substr(1) + "\n",
      "Bearer " + valid_sk,
      std::string(100'000, 'A'),
      "sk_" + std::string(100'000, 'A'),
  };
  for (const auto& text : rejected) {
    EXPECT_EQ(parse_api_key(text), std::nullopt) << text.substr(0, 60);
  }
  // '_' is a base64url character, so a body may begin with it.
  EXPECT_TRUE(parse_api_key("sk__" + body.substr(1)));
}

TEST(ApiKeyFormatTest, HashIsSha256OfTheWholeKey) {
  auto hash = api_key_hash(valid_sk);
  EXPECT_EQ(hash.size(), 32u);
  EXPECT_EQ(hash, crypto::sha256(valid_sk));
  EXPECT_NE(hash, crypto::sha256(valid_sk.substr(3)));  // the prefix is hashed too
  EXPECT_NE(api_key_hash("pk_" + valid_sk.substr(3)), hash);
  EXPECT_EQ(crypto::hex_encode(api_key_hash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeyFormatTest, DisplayPrefixIsAtMostTwelveCharacters) {
  EXPECT_EQ(api_key_display_prefix("sk_AbCdEfGhIjKlMnOp"), "sk_AbCdEfGhI");
  EXPECT_EQ(api_key_display_prefix(valid_sk).size(), 12u);
  EXPECT_EQ(api_key_display_prefix("sk_ab"), "sk_ab");
  EXPECT_EQ(api_key_display_prefix(""), "");
  EXPECT_EQ(api_key_display_prefix(std::string(100'000, 'x')).size(), 12u);
}

TEST(ApiKeyFormatTest, DisplayPrefixIsSafeToLogForHostileInput) {
  EXPECT_EQ(api_key_display_prefix("sk_\xc3\xa9\n\0\"x"sv), "sk_?????x");
  std::string prefix = api_key_display_prefix("\xff\xfe<script>alert(1)</script>");
  EXPECT_EQ(prefix.size(), 12u);
  EXPECT_EQ(prefix, "???script?al");
}

TEST(ApiKeyFormatTest, BearerTokenAcceptsExactlyOneToken) {
  EXPECT_EQ(bearer_token("Bearer " + valid_sk), valid_sk);
  EXPECT_EQ(bearer_token("bearer " + valid_sk), valid_sk);
  EXPECT_EQ(bearer_token("BEARER " + valid_sk), valid_sk);
  EXPECT_EQ(bearer_token("bEaReR x"), "x");
  // Operator tokens are not API keys; any visible ASCII is a token.
  EXPECT_EQ(bearer_token("Bearer abc.def~ghi+/=="), "abc.def~ghi+/==");
}

TEST(ApiKeyFormatTest, BasicUserIsTheKeyCurlDashUSends) {
  // curl -u sk_...: sends the key as the user name with an empty password.
  EXPECT_EQ(basic_user("Basic " + crypto::base64_encode({valid_sk.begin(), valid_sk.end()})), std::nullopt)
      << "no ':' at all";
  std::string with_colon = valid_sk + ":";
  EXPECT_EQ(basic_user("Basic " + crypto::base64_encode({with_colon.begin(), with_colon.end()})), valid_sk);
  std::string with_password = valid_sk + ":ignored";
  EXPECT_EQ(basic_user("basic " + crypto::base64_encode({with_password.begin(), with_password.end()})), valid_sk);
  std::string no_user = ":" + valid_sk;
  EXPECT_EQ(basic_user("Basic " + crypto::base64_encode({no_user.begin(), no_user.end()})), std::nullopt);
  EXPECT_EQ(basic_user("Basic not*base64"), std::nullopt);
  EXPECT_EQ(basic_user("Basic "), std::nullopt);
  EXPECT_EQ(basic_user("Bearer " + valid_sk), std::nullopt);
}

TEST(ApiKeyFormatTest, BearerTokenViewsTheHeaderValue) {
  std::string header = "Bearer " + valid_sk;
  auto token = bearer_token(header);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->data(), header.data() + 7);
}

TEST(ApiKeyFormatTest, BearerTokenRejectsHostileHeaders) {
  const std::string rejected[] = {
      "",
      "Bearer",
      "Bearer ",
      "Bearer  x",                        // two spaces
      "Bearer a b",                       // extra part
      "Bearer x ",                        // trailing space
      " Bearer x",                        // leading space
      "Bearer\tx",                        // tab instead of space
      "Bearerx",
      "Basic x",
      "Basic dXNlcjpwYXNz",
      "Bearer: x",
      "Bearers x",
      "Token " + valid_sk,
      valid_sk,
      "Bearer x\r\nX-Injected: 1",       // control characters
      "Bearer x\n",
      "Bearer \x7f",                      // DEL
      "Bearer sk_\xc3\xa9",               // non-ASCII bytes
      "Bearer \xff\xfe",
      std::string("Bearer x\0y", 10),     // NUL inside the token
      std::string("Bearer\0x", 8),        // NUL instead of the space
      "B\xc3\xa9" "arer x",
      "Bearer " + std::string(100'000, ' '),
      std::string(100'000, 'B'),
  };
  for (const auto& header : rejected) {
    EXPECT_EQ(bearer_token(header), std::nullopt) << header.substr(0, 60);
  }
}

TEST(ApiKeyFormatTest, BearerTokenDoesNotLimitLengthButParseDoes) {
  std::string header = "Bearer " + std::string(100'000, 'A');
  auto token = bearer_token(header);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->size(), 100'000u);
  EXPECT_EQ(parse_api_key(*token), std::nullopt);
}

TEST(ApiKeyFormatTest, BearerLowercaseKeyStillParses) {
  std::string header = "bearer " + valid_sk;  // the token views this string
  auto token = bearer_token(header);
  ASSERT_TRUE(token);
  auto parsed = parse_api_key(*token);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->kind, KeyKind::secret);
}

TEST(ApiKeyFormatTest, SigningSecretDecodesToTheRequestedBytes) {
  OpenSslRandom random;
  for (std::size_t count : {24u, 27u, 32u}) {
    std::string secret = generate_signing_secret(random, count);
    ASSERT_EQ(secret.substr(0, 6), "whsec_");
    std::vector<unsigned char> decoded;
    ASSERT_TRUE(crypto::base64_decode(secret.substr(6), decoded)) << secret;
    EXPECT_EQ(decoded.size(), count);
  }
  std::vector<unsigned char> decoded;
  ASSERT_TRUE(crypto::base64_decode(generate_signing_secret(random).substr(6), decoded));
  EXPECT_EQ(decoded.size(), 32u);
}

TEST(ApiKeyFormatTest, SigningSecretsCarryTheRandomBytes) {
  CountingRandom random;
  std::string secret = generate_signing_secret(random, 24);
  std::vector<unsigned char> decoded;
  ASSERT_TRUE(crypto::base64_decode(secret.substr(6), decoded));
  for (std::size_t i = 0; i < decoded.size(); ++i) EXPECT_EQ(decoded[i], i);
  EXPECT_NE(generate_signing_secret(random, 24), secret);
}

TEST(ApiKeyFormatTest, SigningSecretRefusesOtherSizes) {
  OpenSslRandom random;
  EXPECT_THROW(generate_signing_secret(random, 0), std::invalid_argument);
  EXPECT_THROW(generate_signing_secret(random, 23), std::invalid_argument);
  EXPECT_THROW(generate_signing_secret(random, 33), std::invalid_argument);
}

}  // namespace
}  // namespace hookgate

#pragma once
// The text form of API keys and webhook signing secrets. Format only: whether
// a key exists, is revoked or holds a scope is decided against Postgres.

#include "core/random.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate {

enum class KeyKind { publishable, secret };

// "pk" / "sk".
std::string_view key_kind_name(KeyKind kind);
// Accepts exactly "pk" or "sk".
std::optional<KeyKind> parse_key_kind(std::string_view text);

// "pk_" or "sk_" + base64url (no padding) of 32 random bytes: 43 characters.
std::string generate_api_key(KeyKind kind, RandomSource& random);

struct ParsedApiKey {
  KeyKind kind;
  std::string_view text;  // the whole key, prefix included; views the input
};
// Format check only (pk_/sk_ then 43 characters of [A-Za-z0-9_-]); says
// nothing about whether the key exists.
std::optional<ParsedApiKey> parse_api_key(std::string_view text);

// SHA-256 of the whole key text (32 raw bytes): what Postgres stores.
std::vector<unsigned char> api_key_hash(std::string_view key_text);
// At most the first 12 characters, e.g. "sk_AbCdEfGhI"; safe to display and
// log even for hostile input (bytes outside the key alphabet become '?').
std::string api_key_display_prefix(std::string_view key_text);

// The token of an Authorization header value of exactly "Bearer <token>":
// scheme case-insensitive, one space, a token of visible ASCII without spaces.
std::optional<std::string_view> bearer_token(std::string_view header_value);
// The user name of an Authorization header value "Basic <base64 of user:password>",
// as `curl -u sk_...:` sends a key (Stripe's habit; the password is ignored):
// nullopt when it is not Basic, not strict base64, or has no ':' or no user.
std::optional<std::string> basic_user(std::string_view header_value);

// "whsec_" + standard base64 of byte_count random bytes; throws
// std::invalid_argument unless 24 <= byte_count <= 32.
std::string generate_signing_secret(RandomSource& random, std::size_t byte_count = 32);

}  // namespace hookgate

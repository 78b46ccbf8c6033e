#include "domain/api_key_format.h"

#include "core/crypto.h"

#include <algorithm>
#include <stdexcept>

namespace hookgate {

namespace {

constexpr std::size_t key_random_bytes = 32;
constexpr std::size_t key_body_length = 43;  // base64url of 32 bytes, unpadded
constexpr std::size_t key_prefix_length = 3;  // "pk_" / "sk_"
constexpr std::size_t display_prefix_length = 12;
constexpr std::string_view signing_secret_prefix = "whsec_";

bool is_key_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Visible ASCII: excludes space, control characters, DEL and non-ASCII bytes.
bool is_token_character(char c) { return c > 0x20 && c < 0x7f; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::vector<unsigned char> exact_random_bytes(RandomSource& random, std::size_t count) {
  auto bytes = random.bytes(count);
  if (bytes.size() != count) throw std::logic_error("random source returned the wrong number of bytes");
  return bytes;
}

}  // namespace

std::string_view key_kind_name(KeyKind kind) { return kind == KeyKind::publishable ? "pk" : "sk"; }

std::optional<KeyKind> parse_key_kind(std::string_view text) {
  if (text == "pk") return KeyKind::publishable;
  if (text == "sk") return KeyKind::secret;
  return std::nullopt;
}

std::string generate_api_key(KeyKind kind, RandomSource& random) {
  return std::string(key_kind_name(kind)) + "_" + crypto::base64url_encode(exact_random_bytes(random, key_random_bytes));
}

std::optional<ParsedApiKey> parse_api_key(std::string_view text) {
  if (text.size() != key_prefix_length + key_body_length || text[2] != '_') return std::nullopt;
  auto kind = parse_key_kind(text.substr(0, 2));
  if (!kind) return std::nullopt;
  auto body = text.substr(key_prefix_length);
  if (!std::all_of(body.begin(), body.end(), is_key_character)) return std::nullopt;
  return ParsedApiKey{*kind, text};
}

std::vector<unsigned char> api_key_hash(std::string_view key_text) { return crypto::sha256(key_text); }

std::string api_key_display_prefix(std::string_view key_text) {
  std::string prefix(key_text.substr(0, display_prefix_length));
  for (char& c : prefix) {
    if (!is_key_character(c)) c = '?';
  }
  return prefix;
}

std::optional<std::string_view> bearer_token(std::string_view header_value) {
  constexpr std::string_view scheme = "bearer ";
  if (header_value.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (ascii_lower(header_value[i]) != scheme[i]) return std::nullopt;
  }
  auto token = header_value.substr(scheme.size());
  if (!std::all_of(token.begin(), token.end(), is_token_character)) return std::nullopt;
  return token;
}

std::optional<std::string> basic_user(std::string_view header_value) {
  constexpr std::string_view scheme = "basic ";
  if (header_value.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (ascii_lower(header_value[i]) != scheme[i]) return std::nullopt;
  }
  std::vector<unsigned char> decoded;
  if (!crypto::base64_decode(header_value.substr(scheme.size()), decoded)) return std::nullopt;
  std::string credentials(decoded.begin(), decoded.end());
  auto colon = credentials.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  credentials.resize(colon);
  return credentials;
}

std::string generate_signing_secret(RandomSource& random, std::size_t byte_count) {
  if (byte_count < 24 || byte_count > 32) {
    throw std::invalid_argument("signing secrets must have 24 to 32 random bytes");
  }
  return std::string(signing_secret_prefix) + crypto::base64_encode(exact_random_bytes(random, byte_count));
}

}  // namespace hookgate

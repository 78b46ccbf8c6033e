// The Standard Webhooks signature input: for any message id, timestamp, body
// and secret, the first signature in the header equals an HMAC-SHA256
// computed here with OpenSSL's one-shot HMAC, and a second secret that does
// not decode is skipped rather than crashing.

#include "delivery/signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

std::string base64(const unsigned char* bytes, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Layout: 1 byte key length (1-64), the key, 8 bytes timestamp, then
  // "id\nbody" (the id ends at the first newline).
  if (size < 10) return 0;
  std::size_t key_length = data[0] % 64 + 1;
  if (size < 1 + key_length + 8) return 0;
  const unsigned char* key = data + 1;
  std::int64_t timestamp;
  std::memcpy(&timestamp, data + 1 + key_length, sizeof(timestamp));
  std::string_view rest(reinterpret_cast<const char*>(data) + 1 + key_length + 8, size - 1 - key_length - 8);
  auto newline = rest.find('\n');
  std::string_view id = rest.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);

  std::string secret = "whsec_" + base64(key, key_length);
  std::string header =
      hookgate::delivery::signature_header(id, timestamp, body, {secret, "whsec_" + std::string(rest.substr(0, 16))});

  std::string signed_text = std::string(id) + "." + std::to_string(timestamp) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), key, static_cast<int>(key_length), reinterpret_cast<const unsigned char*>(signed_text.data()),
       signed_text.size(), mac, &mac_length);
  std::string expected = "v1," + base64(mac, mac_length);
  if (header.compare(0, expected.size(), expected) != 0) std::abort();
  if (header.size() != expected.size() && header[expected.size()] != ' ') std::abort();
  return 0;
}

#include "delivery/signing.h"

#include "core/crypto.h"

namespace hookgate::delivery {

namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

}  // namespace

std::string signature_header(std::string_view message_id, std::int64_t timestamp, std::string_view body,
                             const std::vector<std::string>& secrets) {
  std::string signed_content;
  signed_content.reserve(message_id.size() + body.size() + 24);
  signed_content.append(message_id).append(".").append(std::to_string(timestamp)).append(".").append(body);

  std::string header;
  for (const auto& secret : secrets) {
    std::string_view encoded = secret;
    if (encoded.substr(0, kSecretPrefix.size()) == kSecretPrefix) encoded.remove_prefix(kSecretPrefix.size());
    std::vector<unsigned char> key;
    if (!crypto::base64_decode(encoded, key) || key.empty()) continue;
    if (!header.empty()) header += ' ';
    header += "v1,";
    header += crypto::base64_encode(crypto::hmac_sha256(key, signed_content));
  }
  return header;
}

}  // namespace hookgate::delivery

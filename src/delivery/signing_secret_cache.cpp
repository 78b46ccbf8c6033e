#include "delivery/signing_secret_cache.h"

#include "core/crypto.h"
#include "db/sealed_columns.h"

#include <sstream>

namespace hookgate::delivery {

SigningSecretCache::SigningSecretCache(SecretKeyRing ring, std::size_t max_endpoints)
    : ring_(std::move(ring)), max_endpoints_(max_endpoints) {}

std::optional<std::vector<std::string>> SigningSecretCache::open(const EndpointId& endpoint,
                                                                 const std::string& sealed_hex) {
  auto key = endpoint.str() + ' ' + sealed_hex;
  if (auto it = opened_.find(key); it != opened_.end()) return it->second;

  auto binding = db::endpoint_secret_binding(endpoint);
  std::vector<std::string> secrets;
  std::istringstream words(sealed_hex);
  std::string hex, sealed;
  while (words >> hex) {
    if (!crypto::hex_decode(hex, sealed)) return std::nullopt;
    auto secret = ring_.open(sealed, binding);
    if (!secret) return std::nullopt;
    secrets.push_back(std::move(*secret));
  }
  // Entries of rolled-away secrets are never looked up again; starting over
  // now and then bounds them without tracking use.
  if (opened_.size() >= max_endpoints_) opened_.clear();
  opened_.emplace(std::move(key), secrets);
  return secrets;
}

}  // namespace hookgate::delivery

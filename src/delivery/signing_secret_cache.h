#pragma once
// Opens the sealed signing secrets that a claim returns (DESIGN §9) and
// remembers each endpoint's opened set, so a busy endpoint costs one map
// lookup per delivery rather than an AES-GCM open per secret. The key is the
// sealed text itself: a rolled or rewrapped secret is a new entry. Not
// thread-safe: the worker's dispatcher thread alone uses it.

#include "core/secret_sealing.h"
#include "domain/ids.h"

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace hookgate::delivery {

class SigningSecretCache {
 public:
  explicit SigningSecretCache(SecretKeyRing ring, std::size_t max_endpoints = 10'000);

  // `sealed_hex`: hex-encoded sealed secrets, space-separated, as claimed.
  // nullopt when any of them does not open with the ring.
  std::optional<std::vector<std::string>> open(const EndpointId& endpoint, const std::string& sealed_hex);

  std::size_t size() const { return opened_.size(); }

 private:
  SecretKeyRing ring_;
  std::size_t max_endpoints_;
  std::unordered_map<std::string, std::vector<std::string>> opened_;  // "<endpoint> <sealed_hex>"
};

}  // namespace hookgate::delivery

#pragma once
// Secrets at rest (DESIGN §9): AES-256-GCM under the operator's key ring
// (HOOKGATE_SECRETS_KEYS). The first key seals, every key opens.
//
// A sealed value is bytes:
//   version (1 byte, 0x01) | key id (4) | nonce (12) | ciphertext | GCM tag (16)
// The key id is the first 4 bytes of SHA-256 of the key, so opening picks the
// right key without trying them all. The associated data is the version and
// key id followed by a binding that names the value's column and row: a
// sealed value copied to another row, or another column, does not open.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate {

inline constexpr std::string_view kSecretsKeysVariable = "HOOKGATE_SECRETS_KEYS";

class SecretKeyRing {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kKeyIdBytes = 4;
  using KeyBytes = std::array<unsigned char, kKeyBytes>;
  using KeyId = std::array<unsigned char, kKeyIdBytes>;

  // An empty ring: not configured; seal() throws, open() finds no key.
  SecretKeyRing() = default;
  // Throws std::invalid_argument when a key appears twice (or two keys share an id).
  explicit SecretKeyRing(const std::vector<KeyBytes>& keys);

  // The HOOKGATE_SECRETS_KEYS format: one or more keys separated by commas
  // (spaces around them ignored), each the standard base64 of 32 bytes, as
  // `openssl rand -base64 32` prints. Throws std::invalid_argument saying
  // what is wrong and which key (by position), never the key itself.
  static SecretKeyRing parse(std::string_view text);

  bool empty() const { return keys_.empty(); }
  // In ring order; the first seals.
  std::vector<KeyId> key_ids() const;
  bool has_key(const KeyId& id) const { return find(id) != nullptr; }

  // A fresh random nonce per call. Throws std::logic_error on an empty ring.
  std::string seal(std::string_view plaintext, std::string_view binding) const;
  // nullopt when the value is malformed, sealed under a key the ring lacks,
  // tampered with, or bound to another row or column.
  std::optional<std::string> open(std::string_view sealed, std::string_view binding) const;

  // The key id a sealed value names; nullopt when it is not a sealed value.
  static std::optional<KeyId> key_id_of(std::string_view sealed);

 private:
  struct Key {
    KeyBytes bytes;
    KeyId id;
  };
  const Key* find(const KeyId& id) const;

  std::vector<Key> keys_;
};

// Eight hex digits, as messages and the README show key ids.
std::string key_id_hex(const SecretKeyRing::KeyId& id);

}  // namespace hookgate

#include "core/secret_sealing.h"

#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <stdexcept>

namespace hookgate {

namespace {

constexpr unsigned char kVersion = 0x01;
constexpr std::size_t kNonceBytes = 12;  // GCM's native IV size: random 96-bit nonces
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kHeaderBytes = 1 + SecretKeyRing::kKeyIdBytes;
constexpr std::size_t kOverheadBytes = kHeaderBytes + kNonceBytes + kTagBytes;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() {
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  return ctx;
}

// Fetched once, as crypto.cpp does for SHA-256: OpenSSL 3 would look the
// implementation up again on every call otherwise.
const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr) throw std::runtime_error("OpenSSL has no AES-256-GCM");
  return cipher;
}

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

int int_size(std::size_t size) {
  if (size > static_cast<std::size_t>(INT_MAX)) throw std::length_error("value too large to seal");
  return static_cast<int>(size);
}

// The header is authenticated with the binding, so neither the version nor
// the key id can be changed without the value failing to open.
std::string associated_data(std::string_view header, std::string_view binding) {
  std::string out(header);
  out += binding;
  return out;
}

SecretKeyRing::KeyId key_id_for(const SecretKeyRing::KeyBytes& key) {
  auto digest = crypto::sha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  SecretKeyRing::KeyId id{};
  std::copy_n(digest.begin(), id.size(), id.begin());
  return id;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

SecretKeyRing::SecretKeyRing(const std::vector<KeyBytes>& keys) {
  for (const auto& bytes : keys) {
    Key key{bytes, key_id_for(bytes)};
    if (find(key.id) != nullptr) {
      throw std::invalid_argument("key " + std::to_string(keys_.size() + 1) + " repeats an earlier key (id " +
                                  key_id_hex(key.id) + ")");
    }
    keys_.push_back(key);
  }
}

SecretKeyRing SecretKeyRing::parse(std::string_view text) {
  std::vector<KeyBytes> keys;
  while (true) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    auto position = "key " + std::to_string(keys.size() + 1);
    if (item.empty()) throw std::invalid_argument(position + " is empty");
    std::vector<unsigned char> decoded;
    if (!crypto::base64_decode(item, decoded)) throw std::invalid_argument(position + " is not standard base64");
    if (decoded.size() != kKeyBytes) {
      OPENSSL_cleanse(decoded.data(), decoded.size());
      throw std::invalid_argument(position + " decodes to " + std::to_string(decoded.size()) +
                                  " bytes, not 32 (openssl rand -base64 32 makes one)");
    }
    KeyBytes key{};
    std::copy(decoded.begin(), decoded.end(), key.begin());
    OPENSSL_cleanse(decoded.data(), decoded.size());
    keys.push_back(key);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  SecretKeyRing ring(keys);
  for (auto& key : keys) OPENSSL_cleanse(key.data(), key.size());
  return ring;
}

std::vector<SecretKeyRing::KeyId> SecretKeyRing::key_ids() const {
  std::vector<KeyId> out;
  for (const auto& key : keys_) out.push_back(key.id);
  return out;
}

const SecretKeyRing::Key* SecretKeyRing::find(const KeyId& id) const {
  auto it = std::find_if(keys_.begin(), keys_.end(), [&](const Key& key) { return key.id == id; });
  return it == keys_.end() ? nullptr : &*it;
}

std::string SecretKeyRing::seal(std::string_view plaintext, std::string_view binding) const {
  if (keys_.empty()) throw std::logic_error(std::string(kSecretsKeysVariable) + " holds no key to seal with");
  const Key& key = keys_.front();
  std::string out(kOverheadBytes + plaintext.size(), '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  data[0] = kVersion;
  std::copy(key.id.begin(), key.id.end(), data + 1);
  unsigned char* nonce = data + kHeaderBytes;
  // Straight from the CSPRNG, never an injected source: a repeated nonce
  // under one key would expose the GCM authentication key.
  if (RAND_bytes(nonce, static_cast<int>(kNonceBytes)) != 1) throw std::runtime_error("RAND_bytes failed");
  unsigned char* ciphertext = nonce + kNonceBytes;
  auto aad = associated_data(out.substr(0, kHeaderBytes), binding);

  auto ctx = new_context();
  int length = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), aes_256_gcm(), key.bytes.data(), nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes_of(aad), int_size(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ciphertext, &length, bytes_of(plaintext), int_size(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ciphertext + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          ciphertext + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM sealing failed");
  }
  return out;
}

std::optional<std::string> SecretKeyRing::open(std::string_view sealed, std::string_view binding) const {
  auto id = key_id_of(sealed);
  if (!id) return std::nullopt;
  const Key* key = find(*id);
  if (key == nullptr) return std::nullopt;
  const unsigned char* nonce = bytes_of(sealed) + kHeaderBytes;
  const unsigned char* ciphertext = nonce + kNonceBytes;
  std::size_t size = sealed.size() - kOverheadBytes;
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer but only reads it.
  std::array<unsigned char, kTagBytes> tag{};
  std::copy_n(ciphertext + size, kTagBytes, tag.begin());
  auto aad = associated_data(sealed.substr(0, kHeaderBytes), binding);

  std::string plaintext(size, '\0');
  auto ctx = new_context();
  int length = 0;
  bool opened =
      EVP_DecryptInit_ex2(ctx.get(), aes_256_gcm(), key->bytes.data(), nonce, nullptr) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes_of(aad), int_size(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &length, ciphertext,
                        int_size(size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + length, &length) == 1;
  if (!opened) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  return plaintext;
}

std::optional<SecretKeyRing::KeyId> SecretKeyRing::key_id_of(std::string_view sealed) {
  if (sealed.size() < kOverheadBytes || static_cast<unsigned char>(sealed[0]) != kVersion) return std::nullopt;
  KeyId id{};
  std::copy_n(bytes_of(sealed) + 1, id.size(), id.begin());
  return id;
}

std::string key_id_hex(const SecretKeyRing::KeyId& id) {
  return crypto::hex_encode(std::vector<unsigned char>(id.begin(), id.end()));
}

}  // namespace hookgate

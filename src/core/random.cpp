#include "core/random.h"

#include <openssl/rand.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace hookgate {

double RandomSource::unit() {
  auto raw = bytes(sizeof(std::uint64_t));
  std::uint64_t value = 0;
  std::memcpy(&value, raw.data(), sizeof(value));
  return static_cast<double>(value >> 11) * 0x1.0p-53;  // 53 random mantissa bits
}

std::vector<unsigned char> OpenSslRandom::bytes(std::size_t count) {
  std::vector<unsigned char> out(count);
  if (count > 0 && RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return out;
}

}  // namespace hookgate

#include "core/random.h"

#include <openssl/rand.h>

#include <algorithm>
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

SeededRandom::SeededRandom() {
  OpenSslRandom seed;
  auto raw = seed.bytes(sizeof(state_));
  std::memcpy(state_, raw.data(), sizeof(state_));
  if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0) state_[0] = 1;  // the one state it cannot leave
}

std::uint64_t SeededRandom::next() {
  auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

std::vector<unsigned char> SeededRandom::bytes(std::size_t count) {
  std::vector<unsigned char> out(count);
  for (std::size_t i = 0; i < count; i += sizeof(std::uint64_t)) {
    std::uint64_t word = next();
    std::memcpy(out.data() + i, &word, std::min(sizeof(word), count - i));
  }
  return out;
}

}  // namespace hookgate

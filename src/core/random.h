#pragma once
// Randomness is injected: production draws from OpenSSL's CSPRNG, tests may
// substitute a deterministic source.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hookgate {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual std::vector<unsigned char> bytes(std::size_t count) = 0;
  // A uniformly distributed double in [0, 1), for jitter.
  virtual double unit();
};

class OpenSslRandom final : public RandomSource {
 public:
  std::vector<unsigned char> bytes(std::size_t count) override;
};

// A fast generator (xoshiro256**) seeded once from OpenSSL, for identifiers
// that must not collide but need not be unpredictable, such as request ids:
// OpenSSL's CSPRNG costs a lock and a getpid() system call per draw. Not
// for secrets, keys or object ids. One per thread: it is not synchronised.
class SeededRandom final : public RandomSource {
 public:
  SeededRandom();
  std::vector<unsigned char> bytes(std::size_t count) override;

 private:
  std::uint64_t next();
  std::uint64_t state_[4];
};

}  // namespace hookgate

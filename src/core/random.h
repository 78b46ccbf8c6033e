#pragma once
// Randomness is injected: production draws from OpenSSL's CSPRNG, tests may
// substitute a deterministic source.

#include <cstddef>
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

}  // namespace hookgate

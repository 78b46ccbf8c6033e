#pragma once
// Randomness that is not random: every draw is the same, so jitter and
// generated tokens are predictable.

#include "core/random.h"

#include <cstddef>
#include <vector>

namespace hookgate::testing {

class FixedRandom final : public RandomSource {
 public:
  // unit() answers `unit` (0.5 is a jitter factor of exactly 1); bytes() are all `fill`.
  explicit FixedRandom(double unit = 0.5, unsigned char fill = 0) : unit_(unit), fill_(fill) {}

  std::vector<unsigned char> bytes(std::size_t count) override { return std::vector<unsigned char>(count, fill_); }
  double unit() override { return unit_; }

 private:
  double unit_;
  unsigned char fill_;
};

}  // namespace hookgate::testing

// SeededRandom draws request ids: each generator is seeded on its own, and
// every byte asked for is filled.

#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

namespace hookgate {
namespace {

TEST(SeededRandomTest, GeneratorsSeededApartDrawDifferentStreams) {
  SeededRandom first, second;
  EXPECT_NE(first.bytes(32), second.bytes(32));
}

TEST(SeededRandomTest, SuccessiveDrawsDoNotRepeat) {
  SeededRandom random;
  std::set<std::vector<unsigned char>> seen;
  for (int i = 0; i < 10'000; ++i) seen.insert(random.bytes(16));
  EXPECT_EQ(seen.size(), 10'000u);
}

TEST(SeededRandomTest, AnOddCountIsFilledToTheLastByte) {
  SeededRandom random;
  // Over 64 draws of 13 bytes, the 13th byte is not always zero.
  bool last_byte_varies = false;
  for (int i = 0; i < 64; ++i) {
    auto drawn = random.bytes(13);
    ASSERT_EQ(drawn.size(), 13u);
    last_byte_varies = last_byte_varies || drawn[12] != 0;
  }
  EXPECT_TRUE(last_byte_varies);
}

}  // namespace
}  // namespace hookgate

#include "core/typed_id.h"

namespace hookgate {

std::string random_base62(RandomSource& random, std::size_t length) {
  static constexpr std::string_view alphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    for (unsigned char byte : random.bytes(length)) {
      // Reject the top of the byte range so every character is equally likely.
      if (byte >= 248) continue;
      out.push_back(alphabet[byte % 62]);
      if (out.size() == length) break;
    }
  }
  return out;
}

bool valid_id_body(std::string_view body) {
  if (body.empty() || body.size() > 64) return false;
  for (char c : body) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum) return false;
  }
  return true;
}

}  // namespace hookgate

#pragma once
// Identifiers are distinct types carrying their wire prefix, so an endpoint id
// can never be passed where a delivery id is expected. Each layer names its
// own kinds of id (domain/ids.h; the request id in http/).

#include "core/random.h"

#include <optional>
#include <string>
#include <string_view>

namespace hookgate {

// Random base62 text of the given length.
std::string random_base62(RandomSource& random, std::size_t length);
// True when the text after the prefix is 1..64 alphanumeric characters.
bool valid_id_body(std::string_view body);

template <class Tag>
class Id {
 public:
  static constexpr std::string_view prefix = Tag::prefix;
  static constexpr std::size_t body_length = 24;

  static Id generate(RandomSource& random) { return Id(std::string(prefix) + random_base62(random, body_length)); }

  // Accepts only the right prefix followed by a plausible body.
  static std::optional<Id> parse(std::string_view text) {
    if (text.size() <= prefix.size() || text.substr(0, prefix.size()) != prefix) return std::nullopt;
    if (!valid_id_body(text.substr(prefix.size()))) return std::nullopt;
    return Id(std::string(text));
  }

  // For values read back from our own database, already known to be valid.
  static Id from_trusted(std::string text) { return Id(std::move(text)); }

  const std::string& str() const { return value_; }
  friend bool operator==(const Id&, const Id&) = default;
  friend auto operator<=>(const Id&, const Id&) = default;

 private:
  explicit Id(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

}  // namespace hookgate

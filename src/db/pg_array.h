#pragma once
// Builds PostgreSQL array literals ('{"a","b",NULL}'): the one way a list
// goes to the server, as one parameter ($n::text[], $n::bigint[]) unpacked
// with unnest() or ANY — a whole batch in one statement instead of one per row.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookgate::db {

class ArrayLiteral {
 public:
  ArrayLiteral& text(std::string_view value);  // NUL bytes are dropped: text cannot hold them
  ArrayLiteral& number(std::int64_t value);
  ArrayLiteral& flag(bool value);
  ArrayLiteral& null();
  ArrayLiteral& optional_number(const std::optional<std::int64_t>& value) { return value ? number(*value) : null(); }
  std::string str() const { return body_ + "}"; }

 private:
  void separate();
  std::string body_ = "{";
};

// A list of texts (ids, scopes, patterns) as one text[] parameter.
template <typename Texts>
std::string text_array(const Texts& texts) {
  ArrayLiteral array;
  for (const auto& text : texts) array.text(text);
  return array.str();
}

}  // namespace hookgate::db

#pragma once
// Builds PostgreSQL array literals ('{"a","b",NULL}') so a whole batch goes
// to the server as one parameter per column, unpacked with unnest() — one
// statement per batch instead of one per row.

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

}  // namespace hookgate::db

#include "db/pg_array.h"

namespace hookgate::db {

void ArrayLiteral::separate() {
  if (body_.size() > 1) body_ += ',';
}

ArrayLiteral& ArrayLiteral::text(std::string_view value) {
  separate();
  body_ += '"';
  for (char c : value) {
    if (c == '\0') continue;
    if (c == '"' || c == '\\') body_ += '\\';
    body_ += c;
  }
  body_ += '"';
  return *this;
}

ArrayLiteral& ArrayLiteral::number(std::int64_t value) {
  separate();
  body_ += std::to_string(value);
  return *this;
}

ArrayLiteral& ArrayLiteral::flag(bool value) {
  separate();
  body_ += value ? "t" : "f";
  return *this;
}

ArrayLiteral& ArrayLiteral::null() {
  separate();
  body_ += "NULL";
  return *this;
}

}  // namespace hookgate::db

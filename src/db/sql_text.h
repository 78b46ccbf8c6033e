#pragma once
// Small helpers shared by the repositories for passing lists through one
// text parameter (`string_to_array($n, ' ')` on the SQL side) and reading
// timestamps as epoch microseconds. Words never contain spaces: ids, scope
// names and event patterns are validated before they reach storage.

#include <sstream>
#include <string>
#include <vector>

// SQL expression: a timestamptz column as bigint microseconds since the epoch.
#define HG_MICROS(col) "(extract(epoch FROM " col ") * 1000000)::bigint"

namespace hookgate::db {

template <typename Words>
std::string join_words(const Words& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

template <typename Set>
Set split_words(const std::string& text) {
  Set out;
  std::istringstream stream(text);
  std::string word;
  while (stream >> word) out.insert(out.end(), word);
  return out;
}

}  // namespace hookgate::db

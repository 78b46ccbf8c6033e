#pragma once
// The platform's scope reference page (docs/reference/api-key-scopes.txt),
// parsed strictly: tests compare Postgres and hookgate's behaviour against
// what the page says, never against the data hookgate itself loaded.

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace hookgate::testing {

using ScopeReferenceRow = std::tuple<std::string, std::string, bool>;  // name, description, requires_sk

struct ScopeReference {
  std::vector<ScopeReferenceRow> scopes;                        // in the page's order
  std::map<std::string, std::vector<std::string>> bundle_columns;  // bundle -> scopes marked "Yes" in its column
  std::map<std::string, std::vector<std::string>> bundle_lines;    // bundle -> its section's "Scopes:" line
  std::map<std::string, std::string> bundle_descriptions;

  bool requires_sk(const std::string& scope) const;
};

std::string scope_reference_path();
std::string read_file_bytes(const std::string& path);
// Throws with file:line on anything unexpected, so a format change fails loudly.
ScopeReference parse_scope_reference(const std::string& path = scope_reference_path());

}  // namespace hookgate::testing

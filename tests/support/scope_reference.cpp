#include "support/scope_reference.h"

#include "support/test_database.h"
#include "support/text.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace hookgate::testing {

using Names = std::vector<std::string>;

namespace {

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, separator)) out.push_back(trim_blanks(part));
  if (!s.empty() && s.back() == separator) out.emplace_back();
  return out;
}

// "| a | b |" and "a | b |" both give {"a", "b"}.
std::vector<std::string> table_cells(const std::string& line) {
  auto cells = split(line, '|');
  if (!cells.empty() && cells.front().empty()) cells.erase(cells.begin());
  if (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

}  // namespace

std::string scope_reference_path() { return source_dir() + "/docs/reference/api-key-scopes.txt"; }

bool ScopeReference::requires_sk(const std::string& scope) const {
  for (const auto& row : scopes) {
    if (std::get<0>(row) == scope) return std::get<2>(row);
  }
  throw std::runtime_error("scope " + scope + " is not in the reference page");
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Strict: anything unexpected throws, so a page format change fails loudly
// instead of silently yielding fewer rows.
ScopeReference parse_scope_reference(const std::string& path) {
  static const std::regex scope_name(R"(^[a-z]+\.[a-z_]+:[a-z]+$)");
  static const std::regex bundle_heading(R"(^([A-Z][a-z]+) bundle$)");
  static const std::regex all_scopes(R"(^All ([0-9]+) scopes listed above\.$)");
  ScopeReference ref;
  Names column_bundles;  // from the header row, e.g. "Pay bundle" -> "pay"
  std::optional<std::string> section;
  std::optional<int> all_claimed;
  std::string full_bundle;

  std::istringstream in(read_file_bytes(path));
  std::string raw;
  for (int number = 1; std::getline(in, raw); ++number) {
    auto fail = [&](const std::string& why) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " + why + ": " + raw);
    };
    std::string line = trim_blanks(raw);
    std::smatch match;
    if (line.find('|') != std::string::npos) {
      auto cells = table_cells(line);
      if (cells.size() != 6) fail("expected 6 table cells");
      if (cells[0] == "Scope") {
        if (cells[1] != "Description" || cells[2] != "Requires sk_") fail("unexpected header");
        for (int i = 3; i < 6; ++i) {
          if (!std::regex_match(cells[i], match, bundle_heading)) fail("bundle column header");
          std::string name = match[1].str();
          name = lower_ascii(name);
          column_bundles.push_back(name);
        }
        continue;
      }
      if (cells[0].find_first_not_of('-') == std::string::npos) continue;  // |---|---|
      if (column_bundles.empty()) fail("table row before the header");
      if (!std::regex_match(cells[0], scope_name)) fail("not a scope name");
      if (cells[2] != "Yes" && cells[2] != "No") fail("requires sk_ is not Yes/No");
      ref.scopes.emplace_back(cells[0], cells[1], cells[2] == "Yes");
      for (int i = 0; i < 3; ++i) {
        const auto& mark = cells[3 + i];
        if (mark != "Yes" && mark != "--") fail("bundle mark is not Yes/--");
        if (mark == "Yes") ref.bundle_columns[column_bundles[i]].push_back(cells[0]);
      }
    } else if (std::regex_match(line, match, bundle_heading)) {
      section = match[1].str();
      *section = lower_ascii(*section);
    } else if (section && line.rfind("Scopes:", 0) == 0) {
      std::string list = trim_blanks(line.substr(7));
      if (std::regex_match(list, match, all_scopes)) {
        all_claimed = std::stoi(match[1].str());
        full_bundle = *section;
      } else {
        ref.bundle_lines[*section] = split(list, ',');
      }
      section.reset();
    } else if (section && !ref.bundle_descriptions.count(*section)) {
      ref.bundle_descriptions[*section] = line;  // the sentence under the heading
    }
  }
  if (all_claimed) {
    // "All N scopes listed above." stands for the whole table, and N must agree with it.
    if (*all_claimed != static_cast<int>(ref.scopes.size())) {
      throw std::runtime_error(path + ": page says all " + std::to_string(*all_claimed) + " scopes but the table has " +
                               std::to_string(ref.scopes.size()));
    }
    for (const auto& row : ref.scopes) ref.bundle_lines[full_bundle].push_back(std::get<0>(row));
  }
  return ref;
}

}  // namespace hookgate::testing

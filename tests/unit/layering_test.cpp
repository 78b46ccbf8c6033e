// The layering of src/ (docs/architecture.md): each folder may include its own
// headers and those of the layers below it, never above or beside. A file that
// includes against the direction fails here, naming the file and the include.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// folder -> the folders it may include besides itself.
const std::map<std::string, std::set<std::string>>& allowed_includes() {
  static const std::map<std::string, std::set<std::string>> table = {
      {"core", {}},
      {"domain", {"core"}},
      {"http", {"core"}},
      {"db", {"core", "domain"}},
      {"auth", {"core", "domain", "db"}},
      {"delivery", {"core", "domain", "db"}},
      {"services", {"core", "domain", "db", "auth", "delivery"}},
      {"api", {"core", "domain", "db", "auth", "delivery", "services", "http"}},
      {"app", {"core", "domain", "db", "auth", "delivery", "services", "http", "api"}},
      {"cli", {"core", "domain", "db", "auth", "delivery", "services", "http", "api", "app"}},
  };
  return table;
}

// Includes against the direction that are still being taken out, each with
// the reason; the list only shrinks.
const std::set<std::pair<std::string, std::string>>& known_exceptions() {
  static const std::set<std::pair<std::string, std::string>> pending = {};
  return pending;
}

// folder -> headers of the layers below that it must not include anyway.
const std::map<std::string, std::set<std::string>>& forbidden_headers() {
  static const std::map<std::string, std::set<std::string>> table = {
      // Storage reports typed outcomes and db/storage_error.h; what a client
      // is told is decided in services/ and api/. Request bodies are api's.
      {"db", {"core/error.h", "core/json_body.h"}},
      // The sender reports SendResults (url_policy's verdict, not ApiError).
      {"delivery", {"core/error.h", "core/json_body.h"}},
      {"domain", {"core/json_body.h"}},
  };
  return table;
}

struct Include {
  std::string file;    // relative to src/, e.g. "db/pool.cpp"
  std::string target;  // as written, e.g. "core/error.h"
};

std::vector<Include> project_includes() {
  static const std::regex include_line(R"(^\s*#\s*include\s+"([^"]+)\")");
  std::vector<Include> found;
  const fs::path src = fs::path(HOOKGATE_SOURCE_DIR) / "src";
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    if (!entry.is_regular_file()) continue;
    auto ext = entry.path().extension();
    if (ext != ".h" && ext != ".cpp") continue;
    std::ifstream in(entry.path());
    std::string line;
    std::smatch match;
    while (std::getline(in, line)) {
      if (std::regex_search(line, match, include_line)) {
        found.push_back({fs::relative(entry.path(), src).generic_string(), match[1]});
      }
    }
  }
  return found;
}

std::string folder_of(const std::string& path) {
  auto slash = path.find('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

TEST(Layering, EveryFolderOfSrcHasAPlaceInTheTable) {
  for (const auto& entry : fs::directory_iterator(fs::path(HOOKGATE_SOURCE_DIR) / "src")) {
    if (!entry.is_directory()) continue;
    EXPECT_TRUE(allowed_includes().count(entry.path().filename().string()))
        << "src/" << entry.path().filename().string() << " is not in the layering table";
  }
}

TEST(Layering, NoFileIncludesAgainstTheDirection) {
  auto includes = project_includes();
  ASSERT_GT(includes.size(), 100u) << "the scan found too few includes to be looking at src/";
  for (const auto& include : includes) {
    std::string from = folder_of(include.file);
    std::string to = folder_of(include.target);
    if (from.empty() || to.empty() || from == to) continue;  // main.cpp, or its own folder
    if (known_exceptions().count({include.file, include.target})) continue;
    auto rules = allowed_includes().find(from);
    ASSERT_NE(rules, allowed_includes().end()) << include.file;
    EXPECT_TRUE(rules->second.count(to))
        << "src/" << include.file << " includes \"" << include.target << "\": " << from << " may not use " << to;
  }
}

TEST(Layering, NoFolderIncludesAHeaderItMustNotUse) {
  for (const auto& include : project_includes()) {
    auto rules = forbidden_headers().find(folder_of(include.file));
    if (rules == forbidden_headers().end()) continue;
    EXPECT_FALSE(rules->second.count(include.target))
        << "src/" << include.file << " includes \"" << include.target << "\", which " << rules->first
        << "/ must not use";
  }
}

TEST(Layering, TheForbiddenHeadersExist) {
  // A renamed header would otherwise silently empty a rule.
  for (const auto& [folder, headers] : forbidden_headers()) {
    for (const auto& header : headers) {
      EXPECT_TRUE(fs::exists(fs::path(HOOKGATE_SOURCE_DIR) / "src" / header)) << header << " (" << folder << ")";
    }
  }
}

TEST(Layering, TheTableItselfPointsOnlyDownwards) {
  // No two layers may use each other, or the order would not be an order.
  for (const auto& [layer, below] : allowed_includes()) {
    for (const auto& lower : below) {
      EXPECT_FALSE(allowed_includes().at(lower).count(layer)) << layer << " and " << lower << " use each other";
    }
  }
}

}  // namespace

// Documentation and container files must speak of the configuration hookgate
// really reads. (No database needed; it lives here for the source path.)

#include "app/config.h"
#include "support/scope_reference.h"
#include "support/test_database.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

namespace hookgate::testing {
namespace {

TEST(ProjectFiles, ReadmeDocumentsEveryConfigurationVariable) {
  auto readme = read_file_bytes(source_dir() + "/README.md");
  for (auto name : known_config_variables()) {
    EXPECT_NE(readme.find("`" + std::string(name) + "`"), std::string::npos) << name << " is not in README.md";
  }
}

TEST(ProjectFiles, ComposeAndReadmeUseOnlyKnownVariables) {
  std::set<std::string> known(known_config_variables().begin(), known_config_variables().end());
  known.insert({"HOOKGATE_SANITIZE", "HOOKGATE_BUILD_TESTS", "HOOKGATE_FUZZ"});  // CMake options, not environment
  known.insert("HOOKGATE_FUZZ_SECONDS");  // read by scripts/test.sh, not by hookgate
  known.insert({"HOOKGATE_LOCAL_DIR", "HOOKGATE_BIN"});  // read by scripts/run.sh and scripts/hookgate
  static const std::regex variable(R"(HOOKGATE_[A-Z0-9_]+)");
  for (const char* file : {"/docker-compose.yml", "/Dockerfile", "/README.md"}) {
    auto text = read_file_bytes(source_dir() + file);
    for (std::sregex_iterator it(text.begin(), text.end(), variable), end; it != end; ++it) {
      EXPECT_TRUE(known.count(it->str())) << it->str() << " in " << file << " is not a variable hookgate reads";
    }
  }
}

TEST(ProjectFiles, ComposeMountsOnlyFilesThatExist) {
  auto compose = read_file_bytes(source_dir() + "/docker-compose.yml");
  static const std::regex mount(R"(- \./([^:\s]+):)");
  int mounts = 0;
  for (std::sregex_iterator it(compose.begin(), compose.end(), mount), end; it != end; ++it, ++mounts) {
    auto path = source_dir() + "/" + (*it)[1].str();
    EXPECT_TRUE(std::filesystem::exists(path)) << (*it)[1].str() << " is mounted by docker-compose.yml but missing";
  }
  EXPECT_GE(mounts, 3) << "the sample receiver's files are mounted";
}

}  // namespace
}  // namespace hookgate::testing

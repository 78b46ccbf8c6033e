#include "support/scratch_cluster.h"

#include "support/process.h"
#include "support/test_database.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace hookgate::testing {

ScratchCluster::ScratchCluster() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hookgate-scratch-pg.XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  state_dir_ = buffer.data();
  run("start");
  std::ifstream file(state_dir_ + "/url");
  std::getline(file, url_);
  if (url_.empty()) throw std::runtime_error("pg-cluster.sh start wrote no URL in " + state_dir_);
}

ScratchCluster::~ScratchCluster() {
  try {
    run("stop");
  } catch (const std::exception&) {
    // Best effort: the data lives in a temporary directory anyway.
  }
  std::error_code ignored;
  std::filesystem::remove_all(state_dir_, ignored);
}

void ScratchCluster::crash() { run("crash"); }

void ScratchCluster::resume() { run("resume"); }

void ScratchCluster::run(const std::string& command) {
  Process script({source_dir() + "/scripts/pg-cluster.sh", command, state_dir_});
  auto status = script.wait_for(std::chrono::minutes(2));
  if (!status || !status->exited(0)) {
    throw std::runtime_error("pg-cluster.sh " + command + " failed: " + script.describe());
  }
}

}  // namespace hookgate::testing

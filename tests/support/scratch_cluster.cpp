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
  make_state_dir();
  run({"start"});
  read_url("start");
}

ScratchCluster::ScratchCluster(StandbyOf of) {
  make_state_dir();
  run({"standby", of.primary.state_dir_, of.synchronous ? "sync" : "async"});
  read_url("standby");
}

void ScratchCluster::make_state_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hookgate-scratch-pg.XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  state_dir_ = buffer.data();
}

void ScratchCluster::read_url(const std::string& command) {
  std::ifstream file(state_dir_ + "/url");
  std::getline(file, url_);
  if (url_.empty()) throw std::runtime_error("pg-cluster.sh " + command + " wrote no URL in " + state_dir_);
}

ScratchCluster::~ScratchCluster() {
  try {
    run({"stop"});
  } catch (const std::exception&) {
    // Best effort: the data lives in a temporary directory anyway.
  }
  std::error_code ignored;
  std::filesystem::remove_all(state_dir_, ignored);
}

void ScratchCluster::crash() { run({"crash"}); }

void ScratchCluster::resume() { run({"resume"}); }

void ScratchCluster::kill() { run({"kill"}); }

void ScratchCluster::promote() { run({"promote"}); }

std::string ScratchCluster::host_and_port() const {
  // url_ is postgresql://hookgate@127.0.0.1:PORT/postgres
  auto at = url_.find('@');
  return url_.substr(at + 1, url_.find('/', at) - at - 1);
}

void ScratchCluster::run(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {source_dir() + "/scripts/pg-cluster.sh", args[0], state_dir_};
  argv.insert(argv.end(), args.begin() + 1, args.end());
  Process script(argv);
  auto status = script.wait_for(std::chrono::minutes(2));
  if (!status || !status->exited(0)) {
    throw std::runtime_error("pg-cluster.sh " + args[0] + " failed: " + script.describe());
  }
}

}  // namespace hookgate::testing

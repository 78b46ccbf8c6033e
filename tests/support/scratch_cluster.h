#pragma once
// A PostgreSQL cluster of a test's own (scripts/pg-cluster.sh), for a test
// that stops and restarts the server: the run's shared cluster must stay up
// for the tests running beside it.

#include <string>

namespace hookgate::testing {

class ScratchCluster {
 public:
  // Creates and starts the cluster; throws with the script's output on failure.
  ScratchCluster();
  // Stops it and deletes its data.
  ~ScratchCluster();
  ScratchCluster(const ScratchCluster&) = delete;
  ScratchCluster& operator=(const ScratchCluster&) = delete;

  // The `postgres` database of the cluster.
  const std::string& url() const { return url_; }
  // pg_ctl stop -m immediate: connections die without a clean goodbye.
  void crash();
  // Starts it again on the same port, so url() stays valid.
  void resume();

 private:
  void run(const std::string& command);

  std::string state_dir_;
  std::string url_;
};

}  // namespace hookgate::testing

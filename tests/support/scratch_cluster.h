#pragma once
// A PostgreSQL cluster of a test's own (scripts/pg-cluster.sh), for a test
// that stops and restarts the server: the run's shared cluster must stay up
// for the tests running beside it.

#include <string>

namespace hookgate::testing {

class ScratchCluster;

// Names the primary a standby streams from (pg_basebackup). A synchronous
// standby holds every commit the primary acknowledged, and the primary's
// commits wait while it is away; an asynchronous one may lag.
struct StandbyOf {
  const ScratchCluster& primary;
  bool synchronous = true;
};

class ScratchCluster {
 public:
  // Creates and starts the cluster; throws with the script's output on failure.
  ScratchCluster();
  // A hot standby of `of.primary`, streaming from the start.
  explicit ScratchCluster(StandbyOf of);
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
  // SIGKILL of the postmaster, as the loss of its machine would look.
  void kill();
  // Makes a standby the primary.
  void promote();
  // "127.0.0.1:PORT", for a multi-host URL.
  std::string host_and_port() const;

 private:
  void make_state_dir();
  void read_url(const std::string& command);
  void run(const std::vector<std::string>& args);

  std::string state_dir_;
  std::string url_;
};

}  // namespace hookgate::testing

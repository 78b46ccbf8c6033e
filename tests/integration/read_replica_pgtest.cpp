// Dashboard reads on a hot standby (issue 20, DESIGN §11): `hookgate serve`
// with HOOKGATE_DATABASE_READ_URL naming a streaming standby of its primary
// (scripts/pg-cluster.sh standby). Lists and gets are served by the standby
// (its own statistics count the scans); a key's writes are visible to its
// next reads even while the standby's replay is paused, in the writing
// process at once and in another process once it heard the write; a standby
// further behind than HOOKGATE_READ_MAX_LAG_MS, or gone, gets no reads, and
// every answer is still right.

#include "support/api_fixture.h"
#include "support/hookgate_process.h"
#include "support/process.h"
#include "support/scratch_cluster.h"
#include "support/test_database.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <csignal>
#include <map>
#include <sstream>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// hookgate_db_reads_total, summed over reasons when `reason` is empty.
double reads_counted(unsigned short port, const std::string& target, const std::string& reason = "") {
  std::istringstream lines(request(port, "GET", "/metrics").body);
  std::string line;
  double total = 0;
  const std::string prefix = "hookgate_db_reads_total{target=\"" + target + "\",reason=\"";
  while (std::getline(lines, line)) {
    if (!line.starts_with(prefix)) continue;
    if (!reason.empty() && !line.starts_with(prefix + reason + "\"")) continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

bool replica_lag_known(unsigned short port) {
  return request(port, "GET", "/metrics").body.find("\nhookgate_read_replica_lag_seconds ") != std::string::npos;
}

// Scans of the endpoints table that the server at `url` ran itself.
long long endpoint_scans(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  return tx.exec("SELECT coalesce(sum(coalesce(idx_scan, 0) + coalesce(seq_scan, 0)), 0) FROM pg_stat_user_tables "
                 "WHERE relname LIKE 'webhook_endpoint%'")[0][0]
      .as<long long>();
}

class ReadReplicaTest : public ::testing::Test {
 protected:
  Process serve(const std::string& max_lag_ms) {
    return serve_hookgate(primary_.url(),
                          {{"HOOKGATE_DATABASE_READ_URL", standby_.url()}, {"HOOKGATE_READ_MAX_LAG_MS", max_lag_ms}});
  }

  // An account with a full sk_ key and one endpoint, made through `port`.
  struct Tenant {
    std::string account;
    std::string key;
    std::string endpoint;
  };
  Tenant tenant(unsigned short port, const std::string& name) {
    ApiFixture api(port);
    Tenant t;
    t.account = api.create_account(name);
    t.key = api.create_key(t.account, "sk", {}, "full").secret;
    auto created = post(port, kEndpointsPath, t.key,
                        {{"url", "https://receiver.example.com/" + name}, {"enabled_events", {"order.accepted"}}});
    EXPECT_EQ(created.status, 200) << created.body;
    t.endpoint = created.json()["id"].get<std::string>();
    return t;
  }

  std::string description_seen(unsigned short port, const Tenant& t) {
    auto response = get(port, kEndpointsPath + "/" + t.endpoint, t.key);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.json().value("description", "");
  }

  ScratchCluster primary_;
  // Asynchronous, as read replicas usually are: the primary goes on when it is gone.
  ScratchCluster standby_{StandbyOf{primary_, false}};
};

TEST_F(ReadReplicaTest, ListsAndGetsRunOnTheStandbyAndAKeysWritesStayVisibleWhileItsReplayIsPaused) {
  // A lag allowance far beyond the test, so only read-your-writes keeps
  // reads off the paused standby.
  auto writer = serve("60000");
  auto writer_port = wait_until_ready(writer);
  auto other = serve("60000");
  auto other_port = wait_until_ready(other);
  auto alice = tenant(writer_port, "alice");
  auto bob = tenant(writer_port, "bob");
  ASSERT_TRUE(eventually([&] { return replica_lag_known(writer_port) && replica_lag_known(other_port); }, 10s));

  // Once the standby has the creation, the reads are its.
  auto scans_before = endpoint_scans(standby_.url());
  ASSERT_TRUE(eventually(
      [&] {
        EXPECT_EQ(get(other_port, kEndpointsPath + "/" + alice.endpoint, alice.key).status, 200);
        return reads_counted(other_port, "replica", "fresh") > 0;
      },
      10s));
  for (const auto& path : {kEndpointsPath, std::string("/v1/webhook_deliveries")}) {
    auto response = get(other_port, path, alice.key);
    EXPECT_EQ(response.status, 200) << path << ": " << response.body;
  }
  EXPECT_GE(reads_counted(other_port, "replica", "fresh"), 3);
  EXPECT_TRUE(eventually([&] { return endpoint_scans(standby_.url()) > scans_before; }, 10s))
      << "the standby's own statistics show no scan of the endpoints";

  // Replay paused: the standby keeps what it has, the primary moves on.
  run_sql(standby_.url(), "SELECT pg_wal_replay_pause()");
  auto patched = patch(writer_port, kEndpointsPath + "/" + alice.endpoint, alice.key, {{"description", "after pause"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  // The writing process: the very next read sees it.
  EXPECT_EQ(description_seen(writer_port, alice), "after pause");
  auto listed = get(writer_port, kEndpointsPath, alice.key);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json()["data"][0]["description"], "after pause");
  EXPECT_GT(reads_counted(writer_port, "primary", "own_write"), 0);
  // A new endpoint is found at once too.
  auto created = post(writer_port, kEndpointsPath, alice.key,
                      {{"url", "https://receiver.example.com/second"}, {"enabled_events", {"order.accepted"}}});
  ASSERT_EQ(created.status, 200);
  EXPECT_EQ(get(writer_port, kEndpointsPath + "/" + created.json()["id"].get<std::string>(), alice.key).status, 200);

  // Another process: once it heard the write (the paused standby would
  // never show it), and on the primary.
  EXPECT_TRUE(eventually([&] { return description_seen(other_port, alice) == "after pause"; }, 5s));
  EXPECT_GT(reads_counted(other_port, "primary", "own_write"), 0);

  // An account that wrote nothing is still read from the standby.
  auto bob_replica_reads = reads_counted(other_port, "replica", "fresh");
  EXPECT_EQ(get(other_port, kEndpointsPath + "/" + bob.endpoint, bob.key).status, 200);
  EXPECT_EQ(reads_counted(other_port, "replica", "fresh"), bob_replica_reads + 1);

  // Replay resumed: once the standby holds the write, the account's reads go back to it.
  run_sql(standby_.url(), "SELECT pg_wal_replay_resume()");
  auto replica_reads = reads_counted(writer_port, "replica", "fresh");
  EXPECT_TRUE(eventually(
      [&] {
        EXPECT_EQ(description_seen(writer_port, alice), "after pause");
        return reads_counted(writer_port, "replica", "fresh") > replica_reads;
      },
      10s));

  for (auto* process : {&writer, &other}) {
    process->kill(SIGTERM);
    EXPECT_TRUE(process->wait().exited(0)) << process->describe();
  }
}

TEST_F(ReadReplicaTest, ALaggingOrMissingStandbyGetsNoReadsAndEveryAnswerStaysRight) {
  auto hookgate = serve("300");
  auto port = wait_until_ready(hookgate);
  auto alice = tenant(port, "alice");
  ASSERT_TRUE(eventually(
      [&] {
        EXPECT_EQ(get(port, kEndpointsPath, alice.key).status, 200);
        return reads_counted(port, "replica", "fresh") > 0;
      },
      10s));

  // Lag: the standby stops replaying while the primary keeps writing.
  run_sql(standby_.url(), "SELECT pg_wal_replay_pause()");
  run_sql(primary_.url(), "CREATE TABLE lag_marker (n int); INSERT INTO lag_marker VALUES (1)");
  EXPECT_TRUE(eventually(
      [&] {
        EXPECT_EQ(get(port, kEndpointsPath + "/" + alice.endpoint, alice.key).status, 200);
        return reads_counted(port, "primary", "lagging") > 0;
      },
      10s));
  run_sql(standby_.url(), "SELECT pg_wal_replay_resume()");
  auto replica_reads = reads_counted(port, "replica", "fresh");
  EXPECT_TRUE(eventually(
      [&] {
        EXPECT_EQ(get(port, kEndpointsPath, alice.key).status, 200);
        return reads_counted(port, "replica", "fresh") > replica_reads;
      },
      10s));

  // Gone: the standby stops at once; reads fall back to the primary, all 200.
  standby_.crash();
  for (int i = 0; i < 20; ++i) {
    auto response = get(port, i % 2 ? kEndpointsPath : kEndpointsPath + "/" + alice.endpoint, alice.key);
    EXPECT_EQ(response.status, 200) << response.body;
  }
  EXPECT_GT(reads_counted(port, "primary", "replica_failed") + reads_counted(port, "primary", "unknown"), 0);
  EXPECT_TRUE(eventually([&] { return !replica_lag_known(port); }, 10s)) << "the lag of a lost standby is unknown";
  hookgate.kill(SIGTERM);
  EXPECT_TRUE(hookgate.wait().exited(0)) << hookgate.describe();
}

}  // namespace
}  // namespace hookgate::testing

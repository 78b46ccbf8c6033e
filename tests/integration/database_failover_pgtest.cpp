// The loss of the database primary (issue 20, DESIGN §11): two real
// `hookgate serve` processes on a libpq multi-host URL naming a primary and
// its synchronous streaming standby (scripts/pg-cluster.sh standby). Under
// API and publishing load the primary's postmaster is SIGKILLed; two seconds
// later the standby is promoted. Throughout, every answer is a success or a
// 503 with Retry-After (never another 5xx, a dropped connection or a hang);
// both processes find the new primary by themselves, without a restart; and
// every publish acknowledged at any point, before or after the switch, is
// delivered. The time from promotion to each process's first successful
// publish is printed.

#include "support/api_fixture.h"
#include "support/concurrent_calls.h"
#include "support/hookgate_process.h"
#include "support/process.h"
#include "support/scratch_cluster.h"
#include "support/test_database.h"
#include "support/webhook_receiver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int kPoolPerProcess = 4;
constexpr int kProcesses = 2;

Process start_failover_hookgate(const std::string& database_url) {
  std::string schedule = "0";  // an attempt a second, for long enough to outlast the switch
  for (int i = 0; i < 60; ++i) schedule += ",1s";
  return serve_hookgate(database_url, {{"HOOKGATE_DB_POOL_SIZE", std::to_string(kPoolPerProcess)},
                                       {"HOOKGATE_DB_ACQUIRE_TIMEOUT_MS", "2000"},
                                       {"HOOKGATE_DELIVERY_POLL_MS", "200"},
                                       {"HOOKGATE_RETRY_SCHEDULE", schedule}});
}

int log_lines_starting(Process& process, std::string_view prefix) {
  int count = 0;
  for (const auto& line : json_lines(process.stderr_text())) count += line.value("msg", "").starts_with(prefix);
  return count;
}

TEST(DatabaseFailover, TwoProcessesFindThePromotedStandbyAndLoseNoAcknowledgedPublish) {
  ScratchCluster primary;
  ScratchCluster standby(StandbyOf{primary});
  const std::string url = "postgresql://hookgate@" + primary.host_and_port() + "," + standby.host_and_port() +
                          "/postgres?target_session_attrs=read-write";
  WebhookReceiver receiver;
  // One at a time: the first applies the migrations.
  std::vector<Process> processes;
  std::vector<unsigned short> ports;
  for (int i = 0; i < kProcesses; ++i) {
    processes.push_back(start_failover_hookgate(url));
    ports.push_back(wait_until_ready(processes.back()));
  }
  ApiFixture api(ports[0]);
  auto account = api.create_account("failover");
  auto key = api.create_key(account, "sk", {}, "full");
  auto created = post(ports[0], kEndpointsPath, key.secret,
                      {{"url", receiver.url("/failover")}, {"enabled_events", {"order.accepted"}}});
  ASSERT_EQ(created.status, 200) << created.body;
  auto endpoint = created.json()["id"].get<std::string>();
  receiver.set_secrets("/failover", {created.json()["secret"].get<std::string>()});

  const Headers bearer = {{"Authorization", "Bearer " + key.secret}};
  const Headers operator_auth = {{"Authorization", std::string("Bearer ") + kOperatorToken},
                                 {"Content-Type", "application/json"}};
  const Call publish = {"POST", "/internal/v1/events",
                        json{{"account", account}, {"type", "order.accepted"}, {"data", {{"load", true}}}}.dump(),
                        operator_auth};
  const std::vector<Call> calls = {
      {"GET", kEndpointsPath, "", bearer},
      {"GET", kEndpointsPath + "/" + endpoint, "", bearer},
      {"GET", "/v1/webhook_deliveries", "", bearer},
      publish,
      {"GET", "/readyz", "", {}},
  };

  std::mutex acknowledged_mutex;
  std::set<std::string> acknowledged;  // every one must be delivered in the end
  auto note_acknowledged = [&](const Call& call, const HttpResponse& response) {
    if (call.target != publish.target || response.status != 200) return;
    std::lock_guard lock(acknowledged_mutex);
    acknowledged.insert(response.json()["id"].get<std::string>());
  };
  Check succeeded = [&](const Call& call, const HttpResponse& response) {
    note_acknowledged(call, response);
    return response.status == 200 ? "" : "status " + std::to_string(response.status) + " " + response.body;
  };
  std::atomic<int> unavailable_answers{0};
  Check succeeded_or_unavailable = [&](const Call& call, const HttpResponse& response) {
    note_acknowledged(call, response);
    if (response.status == 200) return std::string();
    ++unavailable_answers;
    return unless_unavailable(call, response);
  };

  // Every pooled connection of both processes (and their workers') is open on
  // the primary before it dies, so each meets the loss on a connection it holds.
  bool all_open = eventually(
      [&] {
        EXPECT_EQ(summary(run_concurrently(calls, ports, succeeded)), "");
        return hookgate_connections(primary.url()) >= kProcesses * (kPoolPerProcess + 2);
      },
      20s, 10ms);
  ASSERT_TRUE(all_open) << hookgate_connections(primary.url()) << " connections";

  std::atomic<int> load_rounds{0};
  std::mutex load_mutex;
  std::vector<std::string> load_failures;
  std::jthread load([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      auto failures = run_concurrently(calls, ports, succeeded_or_unavailable);
      std::lock_guard lock(load_mutex);
      load_failures.insert(load_failures.end(), failures.begin(), failures.end());
      ++load_rounds;
    }
  });
  ASSERT_TRUE(eventually([&] { return load_rounds >= 1; }, 10s, 1ms));  // the load is under way
  primary.kill();
  std::this_thread::sleep_for(2s);  // an operator's (or a failover manager's) reaction time
  auto promoted_at = std::chrono::steady_clock::now();
  standby.promote();

  // Each process publishes again by itself.
  for (std::size_t i = 0; i < ports.size(); ++i) {
    bool publishing = eventually(
        [&] {
          auto response = request(ports[i], publish.method, publish.target, publish.body, publish.headers, 10s);
          note_acknowledged(publish, response);
          return response.status == 200;
        },
        60s, 20ms);
    ASSERT_TRUE(publishing) << processes[i].describe();
    auto after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - promoted_at);
    std::cout << "process " << i + 1 << ": promotion to its first successful publish " << after.count() << " ms\n";
  }
  auto rounds_after_promotion = load_rounds.load();
  ASSERT_TRUE(eventually([&] { return load_rounds >= rounds_after_promotion + 3; }, 60s, 10ms));
  load.request_stop();
  load.join();
  EXPECT_EQ(summary(load_failures), "");
  EXPECT_GT(unavailable_answers, 0) << "the load never met the missing primary";
  std::cout << unavailable_answers << " answers were 503 while there was no primary\n";

  // Serving in full again: a connection to the dead primary is never handed out.
  EXPECT_TRUE(eventually([&] { return run_concurrently(calls, ports, succeeded).empty(); }, 30s, 100ms));
  EXPECT_EQ(summary(run_concurrently(calls, ports, succeeded)), "");
  for (auto& process : processes) {
    EXPECT_FALSE(process.poll().has_value()) << "hookgate exited: " << process.describe();
  }

  // Nothing acknowledged was lost: each publish, before, during or after the
  // switch, has its delivery on the new primary, and it succeeds.
  ASSERT_FALSE(acknowledged.empty());
  EXPECT_TRUE(eventually([&] { return undelivered(standby.url(), acknowledged) == 0; }, 60s, 200ms))
      << undelivered(standby.url(), acknowledged) << " of " << acknowledged.size()
      << " acknowledged publishes not delivered";
  std::cout << acknowledged.size() << " acknowledged publishes, 0 lost\n";

  // Each LISTEN connection found the new primary (the key caches trust themselves again).
  for (auto& process : processes) {
    EXPECT_TRUE(eventually(
        [&] {
          return log_lines_starting(process, "notification connection lost") >= 1 &&
                 log_lines_starting(process, "change notifications active") >= 2;
        },
        10s, 50ms))
        << process.describe();
  }
  for (auto& process : processes) {
    process.kill(SIGTERM);
    EXPECT_TRUE(process.wait().exited(0)) << process.describe();
  }
}

}  // namespace
}  // namespace hookgate::testing

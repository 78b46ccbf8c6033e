// At-least-once across crashes (DESIGN §5): events are published to several
// endpoints while a separate `hookgate serve --role worker` process is
// killed with SIGKILL and restarted again and again. Afterwards every
// (event, endpoint) pair has reached the receiver, duplicates carry the same
// webhook-id, and every request the receiver saw has an attempt on record.

#include "support/api_fixture.h"
#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <csignal>
#include <map>
#include <set>
#include <thread>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int kCrashEndpoints = 4;
constexpr int kEvents = 1500;
constexpr int kPublishBatch = 100;
constexpr int kKills = 10;
constexpr int kConcurrency = 64;

Process start_worker(const std::string& database_url) {
  return Process({hookgate_binary(), "serve", "--role", "worker", "--no-migrate"},
                 {.env = {{"HOOKGATE_DATABASE_URL", database_url},
                          {"HOOKGATE_SECRETS_KEYS", kTestSecretsKeys},
                          {"HOOKGATE_ALLOW_PRIVATE_TARGETS", "1"},
                          {"HOOKGATE_DELIVERY_TIMEOUT_MS", "1000"},  // lease: 2 s
                          {"HOOKGATE_DELIVERY_CONCURRENCY", std::to_string(kConcurrency)},
                          {"HOOKGATE_RETRY_SCHEDULE", "0,100ms,100ms,100ms,100ms,100ms,100ms,100ms"},
                          {"HOOKGATE_LOG_LEVEL", "warn"}},
                  .unset_env = {"HOOKGATE_LISTEN", "HOOKGATE_ROLE"}});
}

TEST(DeliveryCrash, NothingIsLostWhenWorkersAreKilledMidFlight) {
  WebhookReceiver receiver;
  auto api_server = TestServer::start();  // API only: the worker runs in its own process
  ApiFixture api(*api_server);
  auto account = api.create_account("crash");
  auto key = api.create_key(account, "sk", {}, "full");
  for (int i = 0; i < kCrashEndpoints; ++i) {
    auto path = "/crash" + std::to_string(i);
    auto created = post(api_server->port(), "/v1/webhook_endpoints", key.secret,
                        {{"url", receiver.url(path)}, {"enabled_events", {"order.*"}}});
    ASSERT_EQ(created.status, 200) << created.body;
    receiver.set_secrets(path, {created.json()["secret"].get<std::string>()});
  }
  auto database_url = api_server->config().database_url;

  // The producer publishes in transactions of 100 events, throughout.
  std::atomic<bool> publish_failed{false};
  std::thread producer([&] {
    try {
      pqxx::connection conn(database_url);
      for (int published = 0; published < kEvents; published += kPublishBatch) {
        pqxx::work tx(conn);
        tx.exec_params(
            "SELECT hookgate_publish_event($1, 'order.accepted', jsonb_build_object('n', n)) "
            "FROM generate_series($2::int, $3::int) AS n",
            account, published, published + kPublishBatch - 1);
        tx.commit();
        std::this_thread::sleep_for(20ms);  // spread publishing over the kills
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "publishing failed: " << e.what();
      publish_failed = true;
    }
  });

  // Kill the worker each time it has made some progress, kKills times.
  for (int kill = 0; kill < kKills; ++kill) {
    auto before = receiver.stats().total;
    auto worker = start_worker(database_url);
    bool progressed = eventually([&] { return receiver.stats().total >= before + 150; }, 60s, 5ms);
    ASSERT_TRUE(progressed) << worker.describe();
    worker.kill(SIGKILL);
    auto status = worker.wait();
    EXPECT_EQ(status.signal, SIGKILL) << worker.describe();
  }
  producer.join();
  ASSERT_FALSE(publish_failed);

  // A last worker finishes the job, including the killed workers' leases.
  auto worker = start_worker(database_url);
  const std::size_t expected_pairs = static_cast<std::size_t>(kEvents) * kCrashEndpoints;
  std::vector<ReceivedWebhook> received;
  std::set<std::pair<std::string, std::string>> pairs;  // (path, event id)
  bool complete = eventually(
      [&] {
        received = receiver.received_all();
        pairs.clear();
        for (const auto& request : received) pairs.insert({request.path, json::parse(request.body)["id"]});
        return pairs.size() == expected_pairs;
      },
      120s, 250ms);
  ASSERT_TRUE(complete) << pairs.size() << " of " << expected_pairs << " pairs\n" << worker.describe();

  // Every pair arriving is not the end: a killed worker's request can reach
  // the receiver first, its delivery then waits out the dead lease (2 s) and
  // is sent and recorded again. The checks below hold once the queue is empty.
  pqxx::connection conn(database_url);
  bool settled = eventually(
      [&] {
        pqxx::read_transaction tx(conn);
        return tx.exec1("SELECT count(*) FROM webhook_delivery_queue")[0].as<long>() == 0;
      },
      60s, 100ms);
  ASSERT_TRUE(settled) << worker.describe();
  received = receiver.received_all();

  // Duplicates are the in-flight requests of killed workers: at most the
  // concurrency limit per kill, each with the delivery's one webhook-id.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> ids_by_pair;
  std::map<std::string, int> received_by_id;
  for (const auto& request : received) {
    EXPECT_TRUE(request.verified) << request.verify_error;
    ASSERT_TRUE(request.webhook_id.has_value());
    ids_by_pair[{request.path, json::parse(request.body)["id"]}].insert(*request.webhook_id);
    ++received_by_id[*request.webhook_id];
  }
  for (const auto& [pair, ids] : ids_by_pair) EXPECT_EQ(ids.size(), 1u) << pair.first << " " << pair.second;
  auto duplicates = received.size() - expected_pairs;
  EXPECT_LE(duplicates, static_cast<std::size_t>(kKills * kConcurrency));
  std::cout << "[ crash    ] " << received.size() << " requests for " << expected_pairs << " pairs ("
            << duplicates << " duplicates) across " << kKills << " kills\n";

  // Every request that reached the receiver has an attempt on record.
  pqxx::read_transaction tx(conn);
  std::map<std::string, int> attempts_by_id;
  for (const auto& row : tx.exec("SELECT delivery_id, count(*) FROM webhook_attempts GROUP BY delivery_id")) {
    attempts_by_id[row[0].as<std::string>()] = row[1].as<int>();
  }
  for (const auto& [id, times] : received_by_id) {
    EXPECT_GE(attempts_by_id[id], times) << id << " was received " << times << " times";
  }
  worker.kill(SIGTERM);
  EXPECT_TRUE(worker.wait().exited(0)) << worker.describe();
}

}  // namespace
}  // namespace hookgate::testing

// Shutdown under load (issue 15): SIGTERM to a real `hookgate serve` while
// deliveries and API requests are in flight. Sends that finish within the
// grace are recorded; the rest are cancelled, recorded as interrupted and
// released (due now, claim token cleared), so a second process sends them
// at once rather than after the lease. API clients get complete answers or
// a connection closed or refused without one, never a truncated response.

#include "support/api_fixture.h"
#include "support/hookgate_process.h"
#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kGrace = 5s;
constexpr auto kExitMargin = 15s;  // generous: only "not after the lease" matters
constexpr int kEvents = 10;        // each to a quick and a slow endpoint

Process start_hookgate(const std::string& database_url, const std::string& role) {
  return Process({hookgate_binary(), "serve", "--no-migrate", "--role", role},
                 {.env = {{"HOOKGATE_DATABASE_URL", database_url},
                          {"HOOKGATE_LISTEN", "127.0.0.1:0"},
                          {"HOOKGATE_OPERATOR_TOKEN", kOperatorToken},
                          {"HOOKGATE_SECRETS_KEYS", kTestSecretsKeys},
                          {"HOOKGATE_ALLOW_PRIVATE_TARGETS", "1"},
                          {"HOOKGATE_SHUTDOWN_GRACE_MS", std::to_string(kGrace.count() * 1000)},
                          // The lease (twice this) is far beyond every wait below.
                          {"HOOKGATE_DELIVERY_TIMEOUT_MS", "120000"},
                          {"HOOKGATE_RATE_LIMIT_PER_SECOND", "1000000"},
                          {"HOOKGATE_RATE_LIMIT_BURST", "1000000"},
                          {"HOOKGATE_DB_POOL_SIZE", "2"},  // API requests queue for handlers
                          {"HOOKGATE_LOG_LEVEL", "info"}},
                  .unset_env = {"HOOKGATE_ROLE"}});
}

struct DeliveryState {
  std::string path;
  std::string status;
  bool queued = false;
  bool due_now = false;
  bool claim_released = false;
  int succeeded_attempts = 0;
  int interrupted_attempts = 0;
};

std::map<std::string, DeliveryState> delivery_states(const std::string& database_url, const std::string& account) {
  pqxx::connection conn(database_url);
  pqxx::nontransaction tx(conn);
  auto rows = tx.exec_params(
      "SELECT d.id, e.url, d.status, q.delivery_id IS NOT NULL, coalesce(q.due_at <= now(), false),"
      "  coalesce(q.claim_token IS NULL AND q.attempt_id IS NULL, false),"
      "  (SELECT count(*) FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.outcome = 'succeeded'),"
      "  (SELECT count(*) FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.outcome = 'interrupted')"
      " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
      " LEFT JOIN webhook_delivery_queue q ON q.delivery_id = d.id WHERE d.account_id = $1",
      account);
  std::map<std::string, DeliveryState> states;
  for (const auto& row : rows) {
    auto url = row[1].as<std::string>();
    states[row[0].as<std::string>()] = {url.substr(url.rfind('/')), row[2].as<std::string>(), row[3].as<bool>(),
                                        row[4].as<bool>(),         row[5].as<bool>(),          row[6].as<int>(),
                                        row[7].as<int>()};
  }
  return states;
}

TEST(ShutdownUnderLoad, InFlightDeliveriesAreRecordedOrReleasedAtOnce) {
  WebhookReceiver receiver;
  receiver.script("/quick", json::array(), {{"status", 200}, {"delay_ms", 1000}});  // finishes within the grace
  receiver.script("/slow", json::array(), {{"status", 200}, {"delay_ms", 600000}});  // is cancelled
  auto api_server = TestServer::start();
  ApiFixture api(*api_server);
  auto account = api.create_account("shutdown");
  auto key = api.create_key(account, "sk", {}, "full");
  for (std::string path : {"/quick", "/slow"}) {
    auto created = post(api_server->port(), kEndpointsPath, key.secret,
                        {{"url", receiver.url(path)}, {"enabled_events", {"order.*"}}});
    ASSERT_EQ(created.status, 200) << created.body;
    receiver.set_secrets(path, {created.json()["secret"].get<std::string>()});
  }
  auto database_url = api_server->config().database_url;

  auto first = start_hookgate(database_url, "all");
  wait_until_ready(first);
  {
    pqxx::connection conn(database_url);
    pqxx::work tx(conn);
    tx.exec_params("SELECT hookgate_publish_event($1, 'order.accepted', jsonb_build_object('n', n)) "
                   "FROM generate_series(1, $2::int) AS n",
                   account, kEvents);
    tx.commit();
  }
  const std::size_t deliveries = 2 * kEvents;
  // Every request has reached the receiver, which holds each one open.
  ASSERT_TRUE(eventually([&] { return receiver.stats().total >= static_cast<std::int64_t>(deliveries); }, 60s))
      << receiver.stats().total << " requests\n" << first.describe();

  first.kill(SIGTERM);
  auto status = first.wait_for(kGrace + kExitMargin);
  ASSERT_TRUE(status.has_value()) << "still running after the grace\n" << first.describe();
  EXPECT_TRUE(status->exited(0)) << first.describe();

  // Nothing lost: each delivery succeeded with its attempt recorded, or is
  // pending and due now with its claim released and its attempt interrupted.
  auto states = delivery_states(database_url, account);
  ASSERT_EQ(states.size(), deliveries);
  for (const auto& [id, state] : states) {
    if (state.path == "/quick") {
      EXPECT_EQ(state.status, "succeeded") << id << ": sent within the grace, so recorded";
      EXPECT_EQ(state.succeeded_attempts, 1) << id;
      EXPECT_FALSE(state.queued) << id;
    } else {
      EXPECT_EQ(state.status, "pending") << id;
      EXPECT_TRUE(state.queued && state.due_now) << id << ": due now, not at the end of its lease";
      EXPECT_TRUE(state.claim_released) << id;
      EXPECT_EQ(state.interrupted_attempts, 1) << id;
    }
  }

  // A second process sends the released deliveries at once (the lease is
  // four minutes away), each with the webhook-id it had before.
  receiver.script("/slow", json::array(), {{"status", 200}});
  auto second = start_hookgate(database_url, "worker");
  bool all_succeeded = eventually(
      [&] {
        states = delivery_states(database_url, account);
        return std::all_of(states.begin(), states.end(), [](const auto& s) { return s.second.status == "succeeded"; });
      },
      60s, 100ms);
  EXPECT_TRUE(all_succeeded) << second.describe();
  std::set<std::string> answered;
  for (const auto& webhook : receiver.received_all()) {
    if (webhook.status_returned == 200 && webhook.webhook_id) answered.insert(*webhook.webhook_id);
  }
  for (const auto& [id, state] : states) EXPECT_TRUE(answered.count(id)) << id << " never arrived with a 200";
  second.kill(SIGTERM);
  auto second_status = second.wait_for(kGrace + kExitMargin);
  ASSERT_TRUE(second_status.has_value()) << second.describe();
  EXPECT_TRUE(second_status->exited(0)) << second.describe();
}

// How one API call ended, from the client's side.
enum class Ending { answered, closed_unanswered, refused, broken };

struct CallEnding {
  Ending ending;
  bool server_closes = false;  // the answer said Connection: close
  std::string detail;
};

CallEnding call_once(std::optional<Connection>& connection, unsigned short port, const std::string& key) {
  try {
    if (!connection) connection.emplace(port, 10s);
  } catch (const std::exception& error) {
    std::string what = error.what();
    bool refused = what.find("refused") != std::string::npos;
    return {refused ? Ending::refused : Ending::broken, false, what};
  }
  try {
    connection->send_raw("GET /v1/webhook_endpoints HTTP/1.1\r\nHost: hookgate\r\nAuthorization: Bearer " + key +
                         "\r\n\r\n");
  } catch (const std::exception&) {
    return {Ending::closed_unanswered, true, "closed before the request was sent"};
  }
  try {
    auto response = connection->read_response();
    if (!response) return {Ending::closed_unanswered, true, "closed without an answer"};
    bool closes = response->header("connection") == "close";
    if (response->status == 200 && json::parse(response->body, nullptr, false).contains("data")) {
      return {Ending::answered, closes, ""};
    }
    if (response->status == 503 && closes) return {Ending::answered, true, ""};
    return {Ending::broken, true, "status " + std::to_string(response->status) + " " + response->body};
  } catch (const std::exception& error) {
    return {Ending::broken, true, error.what()};  // truncated, or no answer in time
  }
}

TEST(ShutdownUnderLoad, ApiRequestsInFlightGetWholeAnswersOrACleanClose) {
  auto api_server = TestServer::start();
  auto hookgate = start_hookgate(api_server->config().database_url, "api");
  auto port = wait_until_ready(hookgate);
  ApiFixture api(port);
  auto key = api.create_account_and_key("sk", {}, "full");

  constexpr int kClients = 16;
  std::atomic<int> answered{0};
  std::atomic<bool> stop_clients{false};
  std::mutex mutex;
  std::vector<std::string> broken;
  std::map<Ending, int> endings;
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&] {
      std::optional<Connection> connection;  // kept alive until the server says close
      while (!stop_clients) {
        auto ending = call_once(connection, port, key.secret);
        if (ending.ending == Ending::answered) ++answered;
        if (ending.server_closes || ending.ending != Ending::answered) connection.reset();
        std::lock_guard lock(mutex);
        ++endings[ending.ending];
        if (ending.ending == Ending::broken) broken.push_back(ending.detail);
        if (ending.ending == Ending::refused) return;  // the listener has gone
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return answered >= 200; }, 60s)) << hookgate.describe();
  hookgate.kill(SIGTERM);
  auto status = hookgate.wait_for(kGrace + kExitMargin);
  stop_clients = true;
  for (auto& client : clients) client.join();
  ASSERT_TRUE(status.has_value()) << hookgate.describe();
  EXPECT_TRUE(status->exited(0)) << hookgate.describe();

  EXPECT_TRUE(broken.empty()) << broken.size() << " broken, first: " << broken.front();
  EXPECT_GT(endings[Ending::refused], 0) << "new connections are refused once the listener is closed";
  std::cout << "[ shutdown ] answered " << endings[Ending::answered] << ", closed unanswered "
            << endings[Ending::closed_unanswered] << ", refused " << endings[Ending::refused] << "\n";
}

}  // namespace
}  // namespace hookgate::testing

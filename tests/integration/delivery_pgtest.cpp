// The delivery engine against a real database, with an injected clock and a
// scripted sender: fan-out (DESIGN §3 rule 3), idempotent publishing, the
// retry schedule, Retry-After, 410, auto-disable, fencing and leases. Time
// only moves when a test moves it; no test sleeps.

#include "core/error.h"
#include "core/timefmt.h"
#include "db/catalogue_repository.h"
#include "db/delivery_repository.h"
#include "db/sealed_columns.h"
#include "delivery/attempt_outcome.h"
#include "delivery/worker.h"
#include "domain/retry_policy.h"
#include "services/event_service.h"
#include "services/operator_service.h"
#include "support/api_fixture.h"
#include "support/fakes/fixed_random.h"
#include "support/fakes/manual_clock.h"
#include "support/test_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>

namespace hookgate::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::UnorderedElementsAre;

// Answers every request at once with what `script` returns for it.
class ScriptedSender final : public delivery::HttpSender {
 public:
  using Script = std::function<delivery::SendResult(const delivery::OutboundRequest&)>;

  void set_script(Script script) {
    std::lock_guard lock(mutex_);
    script_ = std::move(script);
  }
  void send(delivery::OutboundRequest request, Completion done) override {
    delivery::SendResult result;
    {
      std::lock_guard lock(mutex_);
      result = script_(request);
      sent_.push_back(std::move(request));
    }
    done(std::move(result));
  }
  std::vector<delivery::OutboundRequest> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  mutable std::mutex mutex_;
  Script script_ = [](const delivery::OutboundRequest&) { return status(200); };
  std::vector<delivery::OutboundRequest> sent_;

 public:
  static delivery::SendResult status(int code, std::optional<std::string> retry_after = std::nullopt) {
    delivery::SendResult result;
    result.outcome = delivery::SendOutcome::response;
    result.status_code = code;
    result.response_snippet = "status " + std::to_string(code);
    result.retry_after = std::move(retry_after);
    return result;
  }
};

std::string header(const delivery::OutboundRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = fresh_database();
    pool_ = std::make_unique<db::ConnectionPool>(url_, 4, 5s);
    {
      auto conn = pool_->acquire();
      catalogue_.set(db::load_catalogue(*conn));
    }
    operators_ = std::make_unique<OperatorService>(*pool_, catalogue_, ids_random_);
    events_ = std::make_unique<EventService>(*pool_, catalogue_, 256 * 1024);
    account_ = operators_->create_account("deliveries").id;
  }

  void TearDown() override {
    if (worker_) worker_->stop();
  }

  ApiKeyId key(const std::vector<std::string>& scopes, KeyKind kind = KeyKind::secret,
               const AccountId* account = nullptr) {
    return operators_->create_key(account ? *account : account_, kind, {scopes, std::nullopt}, "").key.id;
  }

  // Inserts an endpoint directly: the rules that guard creation are tested
  // elsewhere; here the subscriptions' authorizing keys are what matters.
  EndpointId endpoint(const std::map<std::string, ApiKeyId>& subscriptions, const std::string& status = "enabled",
                      const AccountId* account = nullptr) {
    auto id = "we_t" + std::to_string(++endpoints_);
    pqxx::connection conn(url_);
    pqxx::work tx(conn);
    tx.exec_params("INSERT INTO webhook_endpoints (id, account_id, url, status, disabled_reason) "
                   "VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'disabled' THEN 'manual' END)",
                   id, (account ? *account : account_).str(), "https://receiver.example/" + id, status);
    auto sealed = test_secrets_keys().seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                           db::endpoint_secret_binding(EndpointId::from_trusted(id)));
    tx.exec_params("INSERT INTO endpoint_secrets (endpoint_id, sealed_secret) VALUES ($1, $2)", id,
                   pqxx::binarystring(sealed.data(), sealed.size()));
    for (const auto& [pattern, key_id] : subscriptions) {
      tx.exec_params("INSERT INTO endpoint_subscriptions (endpoint_id, pattern, authorized_by) VALUES ($1, $2, $3)",
                     id, pattern, key_id.str());
    }
    tx.commit();
    return EndpointId::from_trusted(id);
  }

  PublishedEvent publish(const std::string& type, std::optional<EventId> id = std::nullopt) {
    return events_->publish({std::move(id), account_, type, {{"order", "ord_1"}}, std::nullopt});
  }

  std::set<std::string> delivery_endpoints(const EventId& event) {
    pqxx::connection conn(url_);
    pqxx::read_transaction tx(conn);
    std::set<std::string> out;
    for (const auto& row : tx.exec_params("SELECT endpoint_id FROM webhook_deliveries WHERE event_id = $1", event.str())) {
      out.insert(row[0].as<std::string>());
    }
    return out;
  }

  pqxx::row query_row(const std::string& sql) {
    pqxx::connection conn(url_);
    pqxx::read_transaction tx(conn);
    return tx.exec1(sql);
  }

  long long count(const std::string& sql) { return query_row(sql)[0].as<long long>(); }

  void start_worker(delivery::RetryPolicy retry = delivery::default_retry_policy(),
                    std::chrono::seconds disable_after = 5 * 24h) {
    delivery::WorkerOptions options;
    options.retry = std::move(retry);
    options.disable_after = disable_after;
    options.lease = 60s;
    options.secrets_keys = test_secrets_keys();
    worker_pool_ = std::make_unique<db::ConnectionPool>(url_, 2, 5s, std::string(db::kWorkerSessionSql));
    worker_ = std::make_unique<delivery::DeliveryWorker>(*worker_pool_, sender_, clock_, random_, options);
    worker_->start();
  }

  // Wakes the worker until `n` attempts have finished (recorded).
  bool attempts_finished(long long n) {
    return eventually([&] {
      worker_->wake();
      return count("SELECT count(*) FROM webhook_attempts WHERE outcome IS NOT NULL") >= n &&
             worker_->in_flight() == 0;
    });
  }

  std::string url_;
  std::unique_ptr<db::ConnectionPool> pool_;
  CatalogueStore catalogue_{nullptr};
  OpenSslRandom ids_random_;  // key ids must differ
  FixedRandom random_{0.5, 7};  // the worker's jitter, exactly 1
  ManualClock clock_{std::chrono::system_clock::from_time_t(1'900'000'000)};
  ScriptedSender sender_;
  std::unique_ptr<OperatorService> operators_;
  std::unique_ptr<EventService> events_;
  AccountId account_ = AccountId::from_trusted("acct_unset");
  int endpoints_ = 0;
  std::unique_ptr<db::ConnectionPool> worker_pool_;
  std::unique_ptr<delivery::DeliveryWorker> worker_;
};

TEST_F(DeliveryTest, FansOutOnlyToEnabledEndpointsWithAnAuthorizedMatchingSubscription) {
  auto orders = key({"store.orders:read"});
  auto everything = operators_->create_key(account_, KeyKind::secret, {{}, "full"}, "").key.id;
  auto exact = endpoint({{"order.accepted", orders}});
  auto family = endpoint({{"order.*", orders}});
  auto all = endpoint({{"*", everything}});
  endpoint({{"product.created", everything}});                 // another type
  endpoint({{"order.accepted", orders}}, "disabled");          // disabled
  auto revoked_key = key({"store.orders:read"});
  endpoint({{"order.accepted", revoked_key}});                 // key revoked below
  auto narrowed_key = key({"store.orders:read", "store.products:read"});
  endpoint({{"order.accepted", narrowed_key}});                // key loses the scope below
  auto pk_key = key({"store.orders:read"}, KeyKind::publishable);
  endpoint({{"order.accepted", pk_key}});                      // pk_ holds orders:read: authorized
  auto other_account = operators_->create_account("other").id;
  auto other_key = key({"store.orders:read"}, KeyKind::secret, &other_account);
  endpoint({{"order.accepted", other_key}}, "enabled", &other_account);  // another account: never
  operators_->revoke_key(revoked_key);
  operators_->replace_scopes(narrowed_key, {{"store.products:read"}, std::nullopt});

  auto event = publish("order.accepted");
  EXPECT_FALSE(event.duplicate);
  auto pk_endpoint = "we_t" + std::to_string(endpoints_ - 1);
  EXPECT_EQ(delivery_endpoints(event.id),
            (std::set<std::string>{exact.str(), family.str(), all.str(), pk_endpoint}));
  EXPECT_EQ(event.deliveries, 4);
}

TEST_F(DeliveryTest, AWildcardNeedsEveryScopeItMatchesAtFanOut) {
  // "*" authorized by a key that later loses one scope is unauthorized as a
  // whole (rule 3 as the endpoint view reports it), for every event type.
  auto all_scopes = operators_->create_key(account_, KeyKind::secret, {{}, "full"}, "").key.id;
  endpoint({{"*", all_scopes}});
  auto before = publish("order.accepted");
  EXPECT_EQ(before.deliveries, 1);
  operators_->replace_scopes(all_scopes, {{}, std::string("store")});
  EXPECT_EQ(publish("order.accepted").deliveries, 0);
}

TEST_F(DeliveryTest, PublishingIsIdempotentOnTheEventId) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.*", orders}});
  auto id = EventId::from_trusted("evt_fixed1");
  auto first = publish("order.accepted", id);
  auto again = publish("order.accepted", id);
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(again.deliveries, 1);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries"), 1);
  try {
    publish("order.created", id);
    FAIL() << "expected a conflict";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), Errc::conflict);
  }
}

// Ids made by the database start with their creation time (V012), so new
// rows append to their indexes; they keep the wire shape prefix + 32 hex.
TEST_F(DeliveryTest, EventAndDeliveryIdsAreOrderedByCreation) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  auto first = publish("order.accepted");
  auto second = publish("order.accepted");
  EXPECT_LT(first.id.str(), second.id.str());
  EXPECT_THAT(second.id.str(), ::testing::MatchesRegex("evt_[0-9a-f]{32}"));
  auto deliveries = query_row("SELECT min(id), max(id), bool_and(id ~ '^whd_[0-9a-f]{32}$') FROM webhook_deliveries");
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries WHERE event_id = '" + first.id.str() + "' AND id = '" +
                  deliveries[0].as<std::string>() + "'"), 1) << "the first event's delivery has the smallest id";
  EXPECT_TRUE(deliveries[2].as<bool>());
}

// What a LISTEN on the workers' wake-up channel has received, in commit order.
class WakeupLog final : public pqxx::notification_receiver {
 public:
  explicit WakeupLog(pqxx::connection_base& conn) : notification_receiver(conn, "hookgate_deliveries") {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

// Waits for the marker NOTIFY sent after `publishing`: whatever that sent
// came before it, so nothing is waited for that might never come.
std::vector<std::string> wakeups_during(const std::string& url, const std::function<void()>& publishing) {
  pqxx::connection listener(url);
  WakeupLog log(listener);
  publishing();
  run_sql(url, "NOTIFY hookgate_deliveries, 'marker'");
  for (int i = 0; i < 100 && (log.payloads.empty() || log.payloads.back() != "marker"); ++i) {
    listener.await_notification(1, 0);
  }
  return log.payloads;
}

// The REST route's and CLI's publishing wakes the workers after its commit
// (V014); the SQL function does so inside the producer's transaction unless
// told not to.
TEST_F(DeliveryTest, PublishingWakesTheWorkersOncePerEventWithDeliveries) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  EXPECT_EQ(wakeups_during(url_, [&] { publish("order.accepted"); }), (std::vector<std::string>{"", "marker"}));
  EXPECT_EQ(wakeups_during(url_, [&] { publish("order.created"); }), (std::vector<std::string>{"marker"}))
      << "no delivery, no wake-up";
  auto in_sql = [&](const std::string& extra) {
    return [this, extra] {
      run_sql(url_, "SELECT hookgate_publish_event('" + account_.str() + "', 'order.accepted', '{}'::jsonb" + extra +
                        ")");
    };
  };
  EXPECT_EQ(wakeups_during(url_, in_sql("")), (std::vector<std::string>{"", "marker"}));
  EXPECT_EQ(wakeups_during(url_, in_sql(", p_notify => false")), (std::vector<std::string>{"marker"}));
}

TEST_F(DeliveryTest, PublishRejectsUnknownTypesAccountsAndNonObjects) {
  auto code_of = [&](const PublishRequest& request) {
    try {
      events_->publish(request);
    } catch (const ApiError& error) {
      return error.code();
    }
    return Errc::internal;
  };
  EXPECT_EQ(code_of({std::nullopt, account_, "order.nope", nlohmann::json::object(), std::nullopt}),
            Errc::invalid_parameter);
  EXPECT_EQ(code_of({std::nullopt, AccountId::from_trusted("acct_missing"), "order.accepted",
                     nlohmann::json::object(), std::nullopt}),
            Errc::resource_missing);
  EXPECT_EQ(code_of({std::nullopt, account_, "order.accepted", nlohmann::json::array(), std::nullopt}),
            Errc::invalid_parameter);
  EventService small(*pool_, catalogue_, 16);
  try {
    small.publish({std::nullopt, account_, "order.accepted", {{"text", std::string(32, 'x')}}, std::nullopt});
    FAIL() << "expected 413";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), Errc::body_too_large);
  }
}

TEST_F(DeliveryTest, DeliversSignedRequestsAndRecordsTheAttempt) {
  auto orders = key({"store.orders:read"});
  auto target = endpoint({{"order.accepted", orders}});
  auto event = publish("order.accepted");
  start_worker();
  ASSERT_TRUE(attempts_finished(1));

  auto sent = sender_.sent();
  ASSERT_EQ(sent.size(), 1u);
  auto delivery = query_row("SELECT id, status, attempt_count, NOT EXISTS (SELECT 1 FROM webhook_delivery_queue) "
                            "FROM webhook_deliveries");
  EXPECT_EQ(sent[0].url, "https://receiver.example/" + target.str());
  EXPECT_EQ(header(sent[0], "webhook-id"), delivery[0].as<std::string>());
  EXPECT_EQ(header(sent[0], "webhook-timestamp"),
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count()));
  EXPECT_THAT(header(sent[0], "webhook-signature"), ::testing::StartsWith("v1,"));
  auto body = nlohmann::json::parse(sent[0].body);
  EXPECT_EQ(body["id"], event.id.str());
  EXPECT_EQ(body["type"], "order.accepted");
  EXPECT_EQ(body["account"], account_.str());
  EXPECT_EQ(body["data"], nlohmann::json({{"order", "ord_1"}}));
  EXPECT_EQ(delivery[1].as<std::string>(), "succeeded");
  EXPECT_EQ(delivery[2].as<int>(), 1);
  EXPECT_TRUE(delivery[3].as<bool>());
  auto attempt = query_row("SELECT outcome, status_code, response_snippet, attempt_number FROM webhook_attempts");
  EXPECT_EQ(attempt[0].as<std::string>(), "succeeded");
  EXPECT_EQ(attempt[1].as<int>(), 200);
  EXPECT_EQ(attempt[2].as<std::string>(), "status 200");
  EXPECT_EQ(attempt[3].as<int>(), 1);
}

TEST_F(DeliveryTest, RetriesFollowTheScheduleOnTheInjectedClockThenFail) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  sender_.set_script([](const delivery::OutboundRequest&) { return ScriptedSender::status(500); });
  delivery::RetryPolicy retry;
  retry.schedule = {0ms, 5s, 5min};
  start_worker(retry);
  auto next_attempt_us = [&] {
    return query_row("SELECT (extract(epoch FROM due_at) * 1000000)::bigint FROM webhook_delivery_queue")[0]
        .as<long long>();
  };
  auto claimable_now = [&] {
    auto conn = pool_->acquire();
    return db::claim_due_deliveries(*conn, 10, clock_.now(), 1s).size();
  };

  ASSERT_TRUE(attempts_finished(1));
  EXPECT_EQ(next_attempt_us(), to_epoch_micros(clock_.now() + 5s));
  clock_.advance(4s);
  EXPECT_EQ(claimable_now(), 0u) << "not due before its time";

  clock_.advance(1s);
  ASSERT_TRUE(attempts_finished(2));
  EXPECT_EQ(next_attempt_us(), to_epoch_micros(clock_.now() + 5min));

  clock_.advance(5min);
  ASSERT_TRUE(attempts_finished(3));
  auto delivery = query_row("SELECT status, attempt_count, NOT EXISTS (SELECT 1 FROM webhook_delivery_queue), "
                            "last_error FROM webhook_deliveries");
  EXPECT_EQ(delivery[0].as<std::string>(), "failed");
  EXPECT_EQ(delivery[1].as<int>(), 3);
  EXPECT_TRUE(delivery[2].as<bool>());
  EXPECT_EQ(delivery[3].as<std::string>(), "HTTP 500");
  EXPECT_EQ(count("SELECT count(*) FROM webhook_attempts WHERE outcome = 'failed' AND status_code = 500"), 3);
  EXPECT_EQ(sender_.sent().size(), 3u);
  auto ids = std::set<std::string>();
  for (const auto& request : sender_.sent()) ids.insert(header(request, "webhook-id"));
  EXPECT_EQ(ids.size(), 1u) << "webhook-id is the same on every retry";
}

TEST_F(DeliveryTest, RetryAfterPostponesTheNextAttempt) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  sender_.set_script([](const delivery::OutboundRequest&) { return ScriptedSender::status(429, "120"); });
  start_worker();
  ASSERT_TRUE(attempts_finished(1));
  auto due = query_row("SELECT (extract(epoch FROM due_at) * 1000000)::bigint FROM webhook_delivery_queue")[0];
  EXPECT_EQ(due.as<long long>(), to_epoch_micros(clock_.now() + 120s));
}

TEST_F(DeliveryTest, GoneDisablesTheEndpointAndAnnouncesIt) {
  auto orders = key({"store.orders:read", "webhooks.endpoints:read"});
  auto gone = endpoint({{"order.accepted", orders}});
  auto watcher = endpoint({{"webhook_endpoint.disabled", orders}});
  publish("order.accepted");
  sender_.set_script([&](const delivery::OutboundRequest& request) {
    return ScriptedSender::status(request.url.ends_with(gone.str()) ? 410 : 200);
  });
  start_worker();
  ASSERT_TRUE(attempts_finished(2));  // the 410, then the announcement to the watcher

  auto endpoint_row = query_row("SELECT status, disabled_reason FROM webhook_endpoints WHERE id = '" + gone.str() + "'");
  EXPECT_EQ(endpoint_row[0].as<std::string>(), "disabled");
  EXPECT_EQ(endpoint_row[1].as<std::string>(), "gone");
  auto announcement = sender_.sent().back();
  EXPECT_TRUE(announcement.url.ends_with(watcher.str()));
  auto body = nlohmann::json::parse(announcement.body);
  EXPECT_EQ(body["type"], "webhook_endpoint.disabled");
  EXPECT_EQ(body["data"]["id"], gone.str());
  EXPECT_EQ(body["data"]["disabled_reason"], "gone");
  // A disabled endpoint receives nothing more.
  EXPECT_EQ(publish("order.accepted").deliveries, 0);
}

TEST_F(DeliveryTest, AnEndpointFailingForTheWholePeriodIsDisabled) {
  auto orders = key({"store.orders:read"});
  auto failing = endpoint({{"order.accepted", orders}});
  sender_.set_script([](const delivery::OutboundRequest&) { return ScriptedSender::status(503); });
  delivery::RetryPolicy retry;
  retry.schedule = {0ms, 1h, 1h, 1h};
  start_worker(retry, 2h);
  publish("order.accepted");
  ASSERT_TRUE(attempts_finished(1));
  clock_.advance(1h);
  ASSERT_TRUE(attempts_finished(2));
  EXPECT_EQ(query_row("SELECT status FROM webhook_endpoints WHERE id = '" + failing.str() + "'")[0].as<std::string>(),
            "enabled")
      << "failing for one hour of two";
  clock_.advance(1h);
  ASSERT_TRUE(attempts_finished(3));
  auto row = query_row("SELECT status, disabled_reason FROM webhook_endpoints WHERE id = '" + failing.str() + "'");
  EXPECT_EQ(row[0].as<std::string>(), "disabled");
  EXPECT_EQ(row[1].as<std::string>(), "failing");
  EXPECT_EQ(query_row("SELECT status FROM webhook_deliveries")[0].as<std::string>(), "failed")
      << "its pending delivery ends with it";
}

TEST_F(DeliveryTest, ASuccessResetsTheFailurePeriod) {
  auto orders = key({"store.orders:read"});
  auto flaky = endpoint({{"order.accepted", orders}});
  sender_.set_script([](const delivery::OutboundRequest&) { return ScriptedSender::status(500); });
  start_worker();
  publish("order.accepted");
  ASSERT_TRUE(attempts_finished(1));
  EXPECT_FALSE(query_row("SELECT failing_since IS NULL FROM webhook_endpoints")[0].as<bool>());
  sender_.set_script([](const delivery::OutboundRequest&) { return ScriptedSender::status(200); });
  publish("order.accepted");
  ASSERT_TRUE(attempts_finished(2));
  EXPECT_TRUE(query_row("SELECT failing_since IS NULL FROM webhook_endpoints WHERE id = '" + flaky.str() + "'")[0]
                  .as<bool>());
}

TEST_F(DeliveryTest, ASubscriptionThatLostItsKeyAfterFanOutIsNotSent) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  operators_->revoke_key(orders);
  start_worker();
  ASSERT_TRUE(attempts_finished(1));
  EXPECT_TRUE(sender_.sent().empty());
  auto row = query_row("SELECT status, last_error FROM webhook_deliveries");
  EXPECT_EQ(row[0].as<std::string>(), "failed");
  EXPECT_THAT(row[1].as<std::string>(), ::testing::HasSubstr("no longer authorized"));
}

TEST_F(DeliveryTest, ASecretThatDoesNotOpenIsNeverSentUnsignedAndIsRetried) {
  auto orders = key({"store.orders:read"});
  auto id = endpoint({{"order.accepted", orders}});
  // Sealed by a process whose ring has a key this worker lacks.
  auto foreign = SecretKeyRing::parse("Bn6xnH/xAFqPI7Mbrhe7BkGq/+OoeoUr9k8XbGYajsI=")
                     .seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", db::endpoint_secret_binding(id));
  {
    pqxx::connection conn(url_);
    pqxx::work tx(conn);
    tx.exec_params("UPDATE endpoint_secrets SET sealed_secret = $1",
                   pqxx::binarystring(foreign.data(), foreign.size()));
    tx.commit();
  }
  publish("order.accepted");
  start_worker();
  ASSERT_TRUE(attempts_finished(1));
  EXPECT_TRUE(sender_.sent().empty());
  auto row = query_row("SELECT status, last_error FROM webhook_deliveries");
  EXPECT_EQ(row[0].as<std::string>(), "pending") << "retried on the schedule";
  EXPECT_THAT(row[1].as<std::string>(), ::testing::HasSubstr("HOOKGATE_SECRETS_KEYS"));
}

TEST_F(DeliveryTest, AnExpiredLeaseIsClaimedAgainAndTheStaleResultIsFencedOut) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  auto conn = pool_->acquire();
  auto first = db::claim_due_deliveries(*conn, 10, clock_.now(), 30s);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(db::claim_due_deliveries(*conn, 10, clock_.now() + 29s, 30s).empty()) << "leased";
  auto second = db::claim_due_deliveries(*conn, 10, clock_.now() + 31s, 30s);
  ASSERT_EQ(second.size(), 1u) << "the lease expired: claimable again";
  EXPECT_NE(second[0].claim_token, first[0].claim_token);
  EXPECT_EQ(second[0].attempt_number, 2);

  // The first worker reports late: its attempt is recorded, the delivery is not touched.
  AttemptResult stale(first[0], clock_.now() + 32s);
  stale.outcome = "succeeded";
  stale.status_code = 200;
  db::record_attempt_results(*conn, {stale}, clock_.now() + 32s, 24h);
  auto row = query_row("SELECT d.status, q.claim_token FROM webhook_deliveries d "
                       "JOIN webhook_delivery_queue q ON q.delivery_id = d.id");
  EXPECT_EQ(row[0].as<std::string>(), "pending");
  EXPECT_EQ(row[1].as<long long>(), second[0].claim_token);
  // The second claim recorded the first attempt as interrupted; the late
  // result replaced that with what happened.
  auto late = query_row("SELECT id, outcome, status_code FROM webhook_attempts");
  EXPECT_EQ(late[0].as<std::string>(), first[0].attempt.str());
  EXPECT_EQ(late[1].as<std::string>(), "succeeded");
  EXPECT_EQ(late[2].as<int>(), 200);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_attempts"), 1);

  AttemptResult current(second[0], clock_.now() + 33s);
  current.outcome = "failed";
  current.status_code = 500;
  current.error = "HTTP 500";
  db::record_attempt_results(*conn, {current}, clock_.now() + 33s, 24h);
  EXPECT_EQ(query_row("SELECT status FROM webhook_deliveries")[0].as<std::string>(), "failed");
}

// On shutdown a cancelled send is recorded as interrupted and releases its
// claim (due now, token cleared), but only while the claim is still its own.
TEST_F(DeliveryTest, ACancelledAttemptReleasesItsClaimAtOnceUnlessTheClaimPassedOn) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  publish("order.accepted");
  auto conn = pool_->acquire();
  auto claimed = db::claim_due_deliveries(*conn, 10, clock_.now(), 30s);
  ASSERT_EQ(claimed.size(), 2u);
  // The second delivery's lease passed to another claim meanwhile.
  run_sql(url_, "UPDATE webhook_delivery_queue SET claim_token = nextval('webhook_claim_tokens') WHERE delivery_id = '" +
                    claimed[1].id.str() + "'");
  auto taken_over = query_row("SELECT claim_token, due_at FROM webhook_delivery_queue WHERE delivery_id = '" +
                              claimed[1].id.str() + "'");

  delivery::SendResult cancelled;
  cancelled.outcome = delivery::SendOutcome::cancelled;
  cancelled.error = "cancelled: the sender stopped";
  auto stopped_at = clock_.now() + 2s;
  std::vector<AttemptResult> results;
  for (const auto& delivery : claimed) {
    results.push_back(delivery::attempt_result(delivery, cancelled, stopped_at, delivery::default_retry_policy(),
                                               random_, 1024));
  }
  db::record_attempt_results(*conn, results, stopped_at, 24h);

  auto released = query_row("SELECT claim_token IS NULL, attempt_id IS NULL, due_at = to_timestamp(" +
                            std::to_string(to_epoch_micros(stopped_at)) + " / 1000000.0), attempt_count "
                            "FROM webhook_delivery_queue WHERE delivery_id = '" + claimed[0].id.str() + "'");
  EXPECT_TRUE(released[0].as<bool>()) << "claim token cleared";
  EXPECT_TRUE(released[1].as<bool>()) << "no attempt left in flight";
  EXPECT_TRUE(released[2].as<bool>()) << "due at once, not at the end of the lease";
  EXPECT_EQ(released[3].as<int>(), 1) << "the interrupted attempt keeps its number";
  auto fenced = query_row("SELECT claim_token, due_at FROM webhook_delivery_queue WHERE delivery_id = '" +
                          claimed[1].id.str() + "'");
  EXPECT_EQ(fenced[0].as<long long>(), taken_over[0].as<long long>()) << "the newer claim is untouched";
  EXPECT_EQ(fenced[1].as<std::string>(), taken_over[1].as<std::string>());
  EXPECT_EQ(count("SELECT count(*) FROM webhook_attempts WHERE outcome = 'interrupted'"), 2)
      << "both attempts are on record";
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_endpoints WHERE failing_since IS NOT NULL"), 0)
      << "an interrupted attempt is not held against the endpoint";
  auto again = db::claim_due_deliveries(*conn, 10, stopped_at, 30s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, claimed[0].id);
  EXPECT_EQ(again[0].attempt_number, 2);
}

TEST_F(DeliveryTest, AnAttemptLeftOpenByADeadWorkerIsMarkedInterruptedOnReclaim) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  auto conn = pool_->acquire();
  auto first = db::claim_due_deliveries(*conn, 10, clock_.now(), 30s);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_attempts"), 0) << "an attempt is written with its result";
  auto second = db::claim_due_deliveries(*conn, 10, clock_.now() + 31s, 30s);
  ASSERT_EQ(second.size(), 1u);
  auto interrupted = query_row("SELECT id, attempt_number, started_at = to_timestamp(" +
                               std::to_string(to_epoch_micros(clock_.now())) + " / 1000000.0), outcome, "
                               "finished_at IS NOT NULL FROM webhook_attempts");
  EXPECT_EQ(interrupted[0].as<std::string>(), first[0].attempt.str());
  EXPECT_EQ(interrupted[1].as<int>(), 1);
  EXPECT_TRUE(interrupted[2].as<bool>());
  EXPECT_EQ(interrupted[3].as<std::string>(), "interrupted");
  EXPECT_TRUE(interrupted[4].as<bool>());
  auto in_flight = query_row("SELECT attempt_id, attempt_count FROM webhook_delivery_queue");
  EXPECT_EQ(in_flight[0].as<std::string>(), second[0].attempt.str());
  EXPECT_EQ(in_flight[1].as<int>(), 2);
  EXPECT_NE(second[0].attempt, first[0].attempt);
}

// Disabling an endpoint ends its queued deliveries; an attempt in flight is
// recorded as interrupted rather than lost.
TEST_F(DeliveryTest, DisablingAnEndpointRecordsItsAttemptInFlight) {
  auto orders = key({"store.orders:read"});
  auto hook = endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  auto conn = pool_->acquire();
  auto claimed = db::claim_due_deliveries(*conn, 10, clock_.now(), 30s);
  ASSERT_EQ(claimed.size(), 1u);
  run_sql(url_, "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = 'manual' WHERE id = '" +
                    hook.str() + "'");
  auto row = query_row("SELECT a.id, a.outcome, d.status FROM webhook_attempts a "
                       "JOIN webhook_deliveries d ON d.id = a.delivery_id");
  EXPECT_EQ(row[0].as<std::string>(), claimed[0].attempt.str());
  EXPECT_EQ(row[1].as<std::string>(), "interrupted");
  EXPECT_EQ(row[2].as<std::string>(), "failed");
  EXPECT_EQ(count("SELECT count(*) FROM webhook_delivery_queue"), 0);
}

// Attempts have no foreign key to their delivery (V011); deleting an endpoint
// still takes its deliveries' attempts with it, and no other endpoint's.
TEST_F(DeliveryTest, DeletingAnEndpointDeletesItsDeliveriesAttempts) {
  auto orders = key({"store.orders:read"});
  auto doomed = endpoint({{"order.accepted", orders}});
  auto kept = endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  start_worker();
  ASSERT_TRUE(attempts_finished(2));
  worker_->stop();
  run_sql(url_, "DELETE FROM webhook_endpoints WHERE id = '" + doomed.str() + "'");
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
                  "WHERE d.endpoint_id = '" + kept.str() + "'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_attempts"), 1);
}

// A result that comes back after its endpoint (and so its delivery) was
// deleted leaves no attempt behind.
TEST_F(DeliveryTest, AResultForADeletedDeliveryIsDropped) {
  auto orders = key({"store.orders:read"});
  auto doomed = endpoint({{"order.accepted", orders}});
  auto kept = endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  auto conn = pool_->acquire();
  auto claimed = db::claim_due_deliveries(*conn, 10, clock_.now(), 30s);
  ASSERT_EQ(claimed.size(), 2u);
  run_sql(url_, "DELETE FROM webhook_endpoints WHERE id = '" + doomed.str() + "'");
  std::vector<AttemptResult> results;
  for (const auto& claim : claimed) {
    AttemptResult result(claim, clock_.now());
    result.outcome = "succeeded";
    result.status_code = 200;
    results.push_back(result);
  }
  db::record_attempt_results(*conn, results, clock_.now(), 24h);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_attempts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
                  "WHERE d.endpoint_id = '" + kept.str() + "' AND a.outcome = 'succeeded'"), 1);
}

// A result may change these columns of a delivery; none of them may be in an
// index or an index predicate, so the update stays heap-only (issue 5).
TEST_F(DeliveryTest, NoIndexOfDeliveriesReadsAColumnThatAResultWrites) {
  auto indexed = count(
      "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
      "WHERE i.indrelid = 'webhook_deliveries'::regclass AND a.attnum > 0 "
      "  AND a.attname IN ('status', 'attempt_count', 'last_attempt_at', 'last_status_code', 'last_error', "
      "                    'updated_at') "
      "  AND (a.attnum = ANY (i.indkey::int2[]) "
      "       OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ ('\\m' || a.attname || '\\M'))");
  EXPECT_EQ(indexed, 0);
}

// A delivery is queued exactly while pending; one that failed for good and is
// sent again is queued anew with its attempt count, and leaves the failed set.
TEST_F(DeliveryTest, AFailedDeliverySentAgainIsQueuedAndNoLongerCountsAsFailed) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  auto conn = pool_->acquire();
  auto claimed = db::claim_due_deliveries(*conn, 10, clock_.now(), 30s);
  ASSERT_EQ(claimed.size(), 1u);
  // A final result of a claim, as the worker would write it.
  auto finish = [&](const ClaimedDelivery& claim, const std::string& outcome, int status_code) {
    AttemptResult result(claim, clock_.now());
    result.outcome = outcome;
    result.status_code = status_code;
    db::record_attempt_results(*conn, {result}, clock_.now(), 24h);
  };
  finish(claimed[0], "failed", 500);
  auto row = query_row("SELECT status, failed_at IS NOT NULL, attempt_count, "
                       "(SELECT count(*) FROM webhook_delivery_queue) FROM webhook_deliveries");
  EXPECT_EQ(row[0].as<std::string>(), "failed");
  EXPECT_TRUE(row[1].as<bool>());
  EXPECT_EQ(row[2].as<int>(), 1);
  EXPECT_EQ(row[3].as<int>(), 0);

  {
    pqxx::connection retrier(url_);
    pqxx::work tx(retrier);
    tx.exec_params("SELECT hookgate_retry_delivery($1, $2)", claimed[0].id.str(), orders.str());
    tx.commit();
  }
  row = query_row("SELECT d.status, d.failed_at IS NULL, q.attempt_count, q.claim_token IS NULL "
                  "FROM webhook_deliveries d JOIN webhook_delivery_queue q ON q.delivery_id = d.id");
  EXPECT_EQ(row[0].as<std::string>(), "pending");
  EXPECT_TRUE(row[1].as<bool>());
  EXPECT_EQ(row[2].as<int>(), 1) << "the attempt count carries on";
  EXPECT_TRUE(row[3].as<bool>());

  auto again = db::claim_due_deliveries(*conn, 10, clock_.now(), 30s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt_number, 2);
  finish(again[0], "succeeded", 200);
  row = query_row("SELECT status, failed_at IS NULL, attempt_count, (SELECT count(*) FROM webhook_delivery_queue) "
                  "FROM webhook_deliveries");
  EXPECT_EQ(row[0].as<std::string>(), "succeeded");
  EXPECT_TRUE(row[1].as<bool>());
  EXPECT_EQ(row[2].as<int>(), 2);
  EXPECT_EQ(row[3].as<int>(), 0);
}

TEST_F(DeliveryTest, ResultBatchesSurviveHostileResponseText) {
  auto orders = key({"store.orders:read"});
  endpoint({{"order.accepted", orders}});
  publish("order.accepted");
  sender_.set_script([](const delivery::OutboundRequest&) {
    auto result = ScriptedSender::status(500);
    result.response_snippet = std::string("quote\" back\\slash {brace}, comma NUL\0 bad\xFF", 42);
    return result;
  });
  start_worker();
  ASSERT_TRUE(attempts_finished(1));
  EXPECT_EQ(query_row("SELECT response_snippet FROM webhook_attempts")[0].as<std::string>(),
            "quote\" back\\slash {brace}, comma NUL? bad?");
}

}  // namespace
}  // namespace hookgate::testing

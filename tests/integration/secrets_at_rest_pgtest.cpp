// Secrets at rest (DESIGN §9) against a real PostgreSQL: what the tables and
// a pg_dump hold, `hookgate secrets rewrap`, sealing plaintext left from
// before V015, `serve` refusing a key ring that does not open the database,
// and deliveries signed with secrets that were rewrapped.

#include "core/crypto.h"
#include "db/account_repository.h"
#include "db/pool.h"
#include "db/sealed_columns.h"
#include "support/api_fixture.h"
#include "support/hookgate_process.h"
#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <csignal>
#include <set>
#include <string>
#include <vector>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// A second key, made with `openssl rand -base64 32` for this file.
constexpr const char* kNewKey = "Bn6xnH/xAFqPI7Mbrhe7BkGq/+OoeoUr9k8XbGYajsI=";

std::string key_id(const std::string& keys) { return key_id_hex(SecretKeyRing::parse(keys).key_ids().front()); }

// Every way a secret could appear in a dump or a column: its text, its
// base64 body, and either as the hex that bytea is dumped in.
std::vector<std::string> spellings(const std::string& secret) {
  std::string body = secret.substr(secret.find('_') + 1);
  std::vector<unsigned char> raw;
  EXPECT_TRUE(crypto::base64_decode(body, raw)) << secret;
  return {secret, body, crypto::hex_encode(std::vector<unsigned char>(secret.begin(), secret.end())),
          crypto::hex_encode(raw)};
}

class SecretsAtRestTest : public ::testing::Test {
 protected:
  void SetUp() override { start_server(kTestSecretsKeys); }

  void start_server(const std::string& keys, const std::string& database = "", Config::Role role = Config::Role::api) {
    server_ = TestServer::start([&](Config& config) {
      config.secrets_keys = SecretKeyRing::parse(keys);
      if (!database.empty()) config.database_url = database;
      config.role = role;
      config.retry_schedule = {0ms, 100ms};
      config.delivery_poll_interval = 200ms;
    });
    api_ = std::make_unique<ApiFixture>(*server_);
    url_ = server_->config().database_url;
    if (key_.secret.empty()) {
      account_ = api_->create_account("secrets at rest");
      key_ = api_->create_key(account_, "sk", {}, "full");
    }
  }

  void stop_server() {
    api_.reset();
    server_.reset();
  }

  json create_endpoint(const std::string& url, const std::string& idempotency_key = "") {
    Headers headers;
    if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
    auto created = post(server_->port(), kEndpointsPath, key_.secret,
                        {{"url", url}, {"enabled_events", {"order.accepted"}}}, headers);
    EXPECT_EQ(created.status, 200) << created.body;
    return created.json();
  }

  json roll(const json& endpoint, const std::string& idempotency_key = "") {
    Headers headers;
    if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
    auto rolled = post(server_->port(), kEndpointsPath + "/" + endpoint["id"].get<std::string>() + "/secret/roll",
                       key_.secret, {{"grace_period_seconds", 3600}}, headers);
    EXPECT_EQ(rolled.status, 200) << rolled.body;
    return rolled.json();
  }

  long long count(const std::string& sql) { return run_sql(url_, sql)[0][0].as<long long>(); }

  // The endpoint's stored secrets, opened with `keys`; throws when one does not open.
  std::set<std::string> opened_secrets(const std::string& endpoint_id, const std::string& keys) {
    auto ring = SecretKeyRing::parse(keys);
    std::set<std::string> out;
    pqxx::connection conn(url_);
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         tx.exec_params("SELECT sealed_secret FROM endpoint_secrets WHERE endpoint_id = $1", endpoint_id)) {
      auto opened = ring.open(pqxx::binarystring(row[0]).str(),
                              db::endpoint_secret_binding(EndpointId::from_trusted(endpoint_id)));
      if (!opened) throw std::runtime_error("a secret of " + endpoint_id + " does not open with the given keys");
      out.insert(*opened);
    }
    return out;
  }

  std::map<std::string, std::string> env(const std::optional<std::string>& keys) const {
    std::map<std::string, std::string> out{{"HOOKGATE_DATABASE_URL", url_}, {"HOOKGATE_LOG_LEVEL", "warn"}};
    if (keys) out["HOOKGATE_SECRETS_KEYS"] = *keys;
    return out;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ApiFixture> api_;
  std::string url_;
  std::string account_;
  CreatedKey key_;
};

TEST_F(SecretsAtRestTest, TablesHoldOnlySealedSecretsAndReplaysStillShowThem) {
  auto endpoint = create_endpoint("https://receiver.example/a", "create-a");
  auto rolled = roll(endpoint, "roll-a");
  auto first = endpoint["secret"].get<std::string>();
  auto second = rolled["secret"].get<std::string>();
  auto id = endpoint["id"].get<std::string>();

  EXPECT_EQ(count("SELECT count(*) FROM endpoint_secrets WHERE secret IS NOT NULL"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM endpoint_secrets WHERE sealed_secret IS NOT NULL"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM idempotency_keys WHERE response_body IS NOT NULL"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM idempotency_keys WHERE sealed_response_body IS NOT NULL"), 2);
  EXPECT_EQ(opened_secrets(id, kTestSecretsKeys), (std::set<std::string>{first, second}));

  // No column of any table holds either secret in any spelling.
  pqxx::connection conn(url_);
  pqxx::read_transaction tx(conn);
  auto columns = tx.exec("SELECT table_name, column_name FROM information_schema.columns "
                         "WHERE table_schema = 'public' ORDER BY table_name, column_name");
  ASSERT_GT(columns.size(), 0u);
  for (const auto& column : columns) {
    auto table = tx.quote_name(column[0].as<std::string>());
    auto name = tx.quote_name(column[1].as<std::string>());
    for (const auto& secret : {first, second}) {
      for (const auto& spelling : spellings(secret)) {
        auto hits = tx.exec_params1("SELECT count(*) FROM " + table + " WHERE strpos(" + name + "::text, $1) > 0",
                                    spelling)[0].as<long>();
        EXPECT_EQ(hits, 0) << column[0].as<std::string>() << "." << column[1].as<std::string>();
      }
    }
  }

  // Replays open the sealed response: the same secret, shown again.
  auto replayed = create_endpoint("https://receiver.example/a", "create-a");
  EXPECT_EQ(replayed["secret"], first);
  EXPECT_EQ(replayed["id"], endpoint["id"]);
  EXPECT_EQ(roll(endpoint, "roll-a")["secret"], second);
}

TEST_F(SecretsAtRestTest, APgDumpHoldsNoSigningSecret) {
  auto endpoint = create_endpoint("https://receiver.example/dumped", "create-dumped");
  auto rolled = roll(endpoint);
  ASSERT_FALSE(std::string(HOOKGATE_PG_DUMP).empty()) << "pg_dump was not found when the tests were configured";
  Process dump({HOOKGATE_PG_DUMP, "--dbname", url_});
  auto status = dump.wait_for(60s);
  ASSERT_TRUE(status && status->exited(0)) << dump.describe();
  auto text = dump.stdout_text();
  ASSERT_THAT(text, HasSubstr(endpoint["id"].get<std::string>())) << "the dump holds the endpoint's rows";
  ASSERT_THAT(text, HasSubstr("COPY public.endpoint_secrets"));
  for (const auto& secret : {endpoint["secret"].get<std::string>(), rolled["secret"].get<std::string>()}) {
    for (const auto& spelling : spellings(secret)) {
      EXPECT_EQ(text.find(spelling), std::string::npos) << "the dump contains " << spelling;
    }
  }
}

TEST_F(SecretsAtRestTest, RewrapMovesEverySecretToTheNewFirstKeyAndDeliveriesStillVerify) {
  WebhookReceiver receiver;
  auto kept = create_endpoint(receiver.url("/kept"), "create-kept");
  auto rolled_endpoint = create_endpoint("https://receiver.example/rolled", "create-rolled");
  roll(rolled_endpoint, "roll-rolled");
  stop_server();
  auto sealed_values = count("SELECT count(*) FROM endpoint_secrets") +
                       count("SELECT count(*) FROM idempotency_keys WHERE sealed_response_body IS NOT NULL");
  ASSERT_EQ(sealed_values, 3 + 3);

  auto rotated = std::string(kNewKey) + ", " + kTestSecretsKeys;
  auto first = run_hookgate({"secrets", "rewrap", "--batch", "2"}, env(rotated));
  ASSERT_TRUE(first.status.exited(0)) << first.description;
  EXPECT_THAT(first.out, HasSubstr("rewrapped " + std::to_string(sealed_values) + " sealed value(s) under key " +
                                   key_id(kNewKey)));
  auto again = run_hookgate({"secrets", "rewrap"}, env(rotated));
  ASSERT_TRUE(again.status.exited(0)) << again.description;
  EXPECT_THAT(again.out, HasSubstr("rewrapped 0 sealed value(s)"));

  EXPECT_EQ(opened_secrets(kept["id"].get<std::string>(), kNewKey), (std::set<std::string>{kept["secret"].get<std::string>()}));
  EXPECT_EQ(opened_secrets(rolled_endpoint["id"].get<std::string>(), kNewKey).size(), 2u);
  EXPECT_THROW(opened_secrets(kept["id"].get<std::string>(), kTestSecretsKeys), std::runtime_error) << "the old key no longer opens";

  // Only the new key from here on: replays and signed deliveries work.
  start_server(kNewKey, url_, Config::Role::all);
  EXPECT_EQ(create_endpoint(receiver.url("/kept"), "create-kept")["secret"], kept["secret"]);
  receiver.set_secrets("/kept", {kept["secret"].get<std::string>()});
  auto published = api_->publish_event(account_, "order.accepted", {{"order", "ord_1"}});
  auto received = receiver.wait_for("/kept", 1);
  ASSERT_EQ(received.size(), 1u) << receiver.describe();
  EXPECT_TRUE(received[0].verified) << received[0].verify_error;
}

TEST_F(SecretsAtRestTest, ServeStopsAtStartWithoutAKeyThatOpensTheDatabase) {
  create_endpoint("https://receiver.example/guarded");
  stop_server();

  auto wrong = run_hookgate({"serve", "--no-migrate"}, env(std::string(kNewKey)));
  EXPECT_TRUE(wrong.status.exited(2)) << wrong.description;
  EXPECT_THAT(wrong.err, HasSubstr("HOOKGATE_SECRETS_KEYS does not open the sealed secrets"));
  EXPECT_THAT(wrong.err, HasSubstr(key_id(kTestSecretsKeys))) << "names the key id the database needs";

  auto unset = run_hookgate({"serve", "--no-migrate"}, env(std::nullopt));
  EXPECT_TRUE(unset.status.exited(2)) << unset.description;
  EXPECT_THAT(unset.err, HasSubstr("HOOKGATE_SECRETS_KEYS is not set"));

  auto malformed = run_hookgate({"serve", "--no-migrate"}, env(std::string("not-a-key")));
  EXPECT_TRUE(malformed.status.exited(2)) << malformed.description;
  EXPECT_THAT(malformed.err, HasSubstr("HOOKGATE_SECRETS_KEYS=\"(hidden)\" is invalid"));

  auto rewrap = run_hookgate({"secrets", "rewrap"}, env(std::nullopt));
  EXPECT_TRUE(rewrap.status.exited(2)) << rewrap.description;
  EXPECT_THAT(rewrap.err, HasSubstr("HOOKGATE_SECRETS_KEYS is not set"));

  // The right key among others passes the check (the server then runs until stopped).
  auto env_ok = env(std::string(kNewKey) + "," + kTestSecretsKeys);
  env_ok["HOOKGATE_LISTEN"] = "127.0.0.1:0";
  env_ok["HOOKGATE_LOG_LEVEL"] = "info";  // for the "listening" line
  ProcessOptions options;
  for (auto name : known_config_variables()) options.unset_env.emplace_back(name);
  options.env = env_ok;
  Process serving({hookgate_binary(), "serve", "--no-migrate", "--role", "api"}, options);
  EXPECT_TRUE(eventually([&] { return serving.stderr_text().find("\"listening\"") != std::string::npos; }, 30s))
      << serving.describe();
  EXPECT_FALSE(serving.poll().has_value()) << serving.describe();
}

TEST_F(SecretsAtRestTest, PlaintextFromBeforeSealingIsSealedByMigrateWithAKey) {
  stop_server();
  url_ = fresh_database();
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string response = json{{"id", "we_old1"}, {"secret", secret}}.dump();
  {
    db::Connection conn(url_);
    db::insert_account(conn, AccountId::from_trusted("acct_old1"), "from before V015");
  }
  // As an older hookgate wrote them.
  run_sql(url_, "INSERT INTO webhook_endpoints (id, account_id, url) VALUES ('we_old1', 'acct_old1', "
                "'https://receiver.example/old')");
  run_sql(url_, "INSERT INTO endpoint_secrets (endpoint_id, secret) VALUES ('we_old1', '" + secret + "')");
  run_sql(url_, "INSERT INTO idempotency_keys (account_id, key, fingerprint, state, response_status, response_body) "
                "VALUES ('acct_old1', 'create-old', 'f', 'done', 200, '" + response + "')");

  auto without_key = run_hookgate({"migrate"}, env(std::nullopt));
  ASSERT_TRUE(without_key.status.exited(0)) << without_key.description;
  EXPECT_THAT(without_key.err, HasSubstr("2 secret(s) are still stored as plaintext"));
  EXPECT_EQ(count("SELECT count(*) FROM endpoint_secrets WHERE secret IS NOT NULL"), 1);

  auto with_key = run_hookgate({"migrate"}, env(std::string(kTestSecretsKeys)));
  ASSERT_TRUE(with_key.status.exited(0)) << with_key.description;
  EXPECT_THAT(with_key.out, HasSubstr("sealed 2 plaintext secret(s)"));
  EXPECT_EQ(count("SELECT count(*) FROM endpoint_secrets WHERE secret IS NOT NULL"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM idempotency_keys WHERE response_body IS NOT NULL"), 0);
  EXPECT_EQ(opened_secrets("we_old1", kTestSecretsKeys), std::set<std::string>{secret});
  auto stored = run_sql(url_, "SELECT sealed_response_body FROM idempotency_keys");
  EXPECT_EQ(test_secrets_keys().open(pqxx::binarystring(stored[0][0]).str(),
                                     db::idempotency_response_binding(AccountId::from_trusted("acct_old1"),
                                                                      "create-old")),
            response);

  auto rerun = run_hookgate({"migrate"}, env(std::string(kTestSecretsKeys)));
  ASSERT_TRUE(rerun.status.exited(0)) << rerun.description;
  EXPECT_THAT(rerun.out, Not(HasSubstr("sealed")));
}

}  // namespace
}  // namespace hookgate::testing

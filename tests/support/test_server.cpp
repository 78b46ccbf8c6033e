#include "support/test_server.h"

#include "support/test_database.h"

namespace hookgate::testing {

SecretKeyRing test_secrets_keys() { return SecretKeyRing::parse(kTestSecretsKeys); }

Config test_config(const std::string& database_url) {
  Config config;
  config.secrets_keys = test_secrets_keys();
  config.listen = ListenAddress{"127.0.0.1", 0};
  config.database_url = database_url;
  config.operator_token = kOperatorToken;
  config.allow_private_targets = true;
  config.db_pool_size = 4;
  config.shutdown_grace = std::chrono::seconds(10);
  config.role = Config::Role::api;  // tests of deliveries opt in to workers
  // Every test client is 127.0.0.1; tests of the failed-authentication
  // throttle set a small budget themselves.
  config.auth_failure_burst = 1e9;
  // The database's gauges are read often, so tests see a change soon.
  config.metrics_database_interval = std::chrono::milliseconds(100);
  return config;
}

TestServer::TestServer(Config config, bool wait_until_listening) : config_(std::move(config)) {
  app_ = std::make_unique<App>(config_);
  server_ = make_server(config_, *app_);
  port_ = server_->start();
  // Until LISTEN is in place the catalogue is not loaded and nothing is cached.
  if (wait_until_listening && !app_->wait_until_listening(std::chrono::seconds(20))) {
    throw std::runtime_error("hookgate did not start listening for change notifications");
  }
}

std::unique_ptr<TestServer> TestServer::start(const std::function<void(Config&)>& adjust) {
  Config config = test_config(fresh_database());
  if (adjust) adjust(config);
  return std::make_unique<TestServer>(std::move(config));
}

TestServer::~TestServer() {
  server_->request_stop();
  server_->wait();
  server_.reset();
  app_.reset();
}

}  // namespace hookgate::testing

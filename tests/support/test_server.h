#pragma once
// A real hookgate App and HTTP server in the test process, listening on a
// free loopback port and backed by its own fresh database.

#include "app/app.h"
#include "app/config.h"
#include "app/server_options.h"

#include <functional>
#include <memory>
#include <string>

namespace hookgate::testing {

inline constexpr const char* kOperatorToken = "test-operator-token-0123456789";
// HOOKGATE_SECRETS_KEYS of every test server and hookgate process (a key
// made for the tests, sealing nothing else).
inline constexpr const char* kTestSecretsKeys = "vRakbeZqJVTdnnvlRH4skLW9iN3pwTTVhURZ9adr5NM=";
SecretKeyRing test_secrets_keys();

// Defaults for tests: port 0 (any free port), a fresh migrated database,
// operator plane on, private targets allowed, the test secrets key.
Config test_config(const std::string& database_url);

class TestServer {
 public:
  // Waits until change notifications are live unless told not to (for
  // servers whose database is unreachable or unmigrated on purpose).
  explicit TestServer(Config config, bool wait_until_listening = true);
  // Uses test_config(fresh_database()), then lets `adjust` change it.
  static std::unique_ptr<TestServer> start(const std::function<void(Config&)>& adjust = {});
  ~TestServer();

  unsigned short port() const { return port_; }
  App& app() { return *app_; }
  const Config& config() const { return config_; }

 private:
  Config config_;
  std::unique_ptr<App> app_;
  std::unique_ptr<http::Server> server_;
  unsigned short port_ = 0;
};

}  // namespace hookgate::testing

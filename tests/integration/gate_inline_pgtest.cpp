// The gate decides on the I/O thread when memory is enough (issue 19): a
// cached key's 403s, its 429s and its catalogue reads answer while the only
// handler thread waits for the only database connection, and what does need
// the database still waits its turn and is then answered in full.

#include "support/api_fixture.h"
#include "support/test_server.h"

#include <gtest/gtest.h>

#include <future>

namespace hookgate::testing {
namespace {

using namespace std::chrono_literals;

TEST(GateInline, ACachedKeysRefusalsAndCatalogueNeedNoHandlerThread) {
  auto server = TestServer::start([](Config& config) {
    config.db_pool_size = 1;  // one connection, so one handler thread
    config.db_acquire_timeout = 60s;
    config.rate_limit_per_second = 1;
    config.rate_limit_burst = 5;
    // Nothing else may queue for the connection while the test holds it.
    config.key_use_flush_interval = std::chrono::hours(1);
    config.maintenance_interval = std::chrono::seconds(0);
  });
  ApiFixture api(*server);
  auto port = server->port();
  auto account = api.create_account("inline");
  auto sk = api.create_key(account, "sk", {}, "full");
  auto pk = api.create_key(account, "pk", {"pay.intents:read"});
  // Seen once each, so the key cache knows them.
  ASSERT_EQ(get(port, kEventTypesPath, sk.secret).status, 200);
  ASSERT_EQ(get(port, kEventTypesPath, pk.secret).status, 200);

  auto& pool = server->app().pool();
  std::future<HttpResponse> listing;
  {
    auto held = pool.acquire();
    // A database read takes the only handler thread and waits there.
    listing = std::async(std::launch::async, [&] { return get(port, kEndpointsPath, sk.secret); });
    ASSERT_TRUE(eventually([&] { return pool.stats().waiting == 1; }, 30s, 5ms));

    auto catalogue = get(port, kEventTypesPath, sk.secret);
    EXPECT_EQ(catalogue.status, 200) << catalogue.body;
    EXPECT_TRUE(catalogue.json()["data"].is_array());
    EXPECT_FALSE(catalogue.header("ratelimit-remaining").empty());

    auto forbidden = get(port, kEndpointsPath, pk.secret);
    EXPECT_EQ(forbidden.status, 403) << forbidden.body;
    EXPECT_EQ(forbidden.json()["error"]["code"], "SCOPE_REQUIRED");

    // The sk_ key spends its burst of 5 (three requests above) and is refused.
    int status = 200;
    for (int i = 0; i < 20 && status == 200; ++i) status = get(port, kEventTypesPath, sk.secret).status;
    EXPECT_EQ(status, 429);

    EXPECT_EQ(listing.wait_for(0s), std::future_status::timeout) << "the database read still waits";
  }
  auto listed = listing.get();
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["object"], "list");
  EXPECT_FALSE(listed.header("ratelimit-limit").empty()) << "decided on the I/O thread, answered with its headers";
}

}  // namespace
}  // namespace hookgate::testing

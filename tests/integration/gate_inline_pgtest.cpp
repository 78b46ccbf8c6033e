// The gate decides on the I/O thread when memory is enough (issue 19): a
// cached key's 403s, its 429s and its catalogue reads answer while the only
// handler thread waits for the only database connection, and what does need
// the database still waits its turn and is then answered in full.

#include "auth/key_cache.h"
#include "domain/api_key_format.h"
#include "support/api_fixture.h"
#include "support/test_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>

namespace hookgate::testing {
namespace {

using namespace std::chrono_literals;

TEST(GateInline, ACachedKeysRefusalsAndCatalogueNeedNoHandlerThread) {
  auto server = TestServer::start([](Config& config) {
    config.db_pool_size = 1;  // one connection, so one handler thread
    config.db_acquire_timeout = 60s;
    config.rate_limit_per_second = 1;
    config.rate_limit_burst = 30;  // the warm-up's rounds spend some
    // Nothing else may queue for the connection while the test holds it.
    config.key_use_flush_interval = std::chrono::hours(1);
    config.maintenance_interval = std::chrono::seconds(0);
  });
  ApiFixture api(*server);
  auto port = server->port();
  auto account = api.create_account("inline");
  auto sk = api.create_key(account, "sk", {}, "full");
  auto pk = api.create_key(account, "pk", {"pay.intents:read"});
  // Seen once each, so the key cache knows them. The notifications of their
  // creation arrive on their own and may evict them after a first request,
  // so both are asked for until both stay cached.
  auto digest = [](const std::string& secret) {
    KeyDigest out{};
    auto hash = api_key_hash(secret);
    std::copy(hash.begin(), hash.end(), out.begin());
    return out;
  };
  auto& cache = server->app().key_cache();
  int rounds = 0;
  ASSERT_TRUE(eventually([&] {
    ++rounds;
    bool answered = get(port, kEventTypesPath, sk.secret).status == 200 &&
                    get(port, kEventTypesPath, pk.secret).status == 200;
    return answered && rounds > 1 && cache.lookup(digest(sk.secret)) && cache.lookup(digest(pk.secret));
  }, 30s, 50ms));

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

    // The sk_ key spends its burst and is refused.
    int status = 200;
    for (int i = 0; i < 60 && status == 200; ++i) status = get(port, kEventTypesPath, sk.secret).status;
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

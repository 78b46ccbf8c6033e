// Idempotency-Key on POST (DESIGN §4), exercised through Idempotency::run
// against a real database: replays, mismatches, released claims, stale
// claims, expiry, and racing requests that must run the handler only once.

#include "api/idempotency.h"
#include "core/error.h"
#include "db/account_repository.h"
#include "db/idempotency_repository.h"
#include "db/pool.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <atomic>
#include <barrier>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hookgate::testing {
namespace {

using namespace std::chrono_literals;

const AccountId kAccount = AccountId::from_trusted("acct_idem1");
const AccountId kOtherAccount = AccountId::from_trusted("acct_idem2");
constexpr const char* kIdempotentPath = "/v1/webhook_endpoints";

std::optional<std::string> header_of(const http::Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

bool replayed(const http::Response& response) { return header_of(response, "Idempotent-Replayed") == "true"; }

// The ApiError `action` throws; a test failure (and Errc::internal) when it throws none.
ApiError api_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ApiError& error) {
    return error;
  }
  ADD_FAILURE() << "expected an ApiError";
  return ApiError(Errc::internal, "no error");
}

class IdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = fresh_database();
    pool_ = std::make_unique<db::ConnectionPool>(url_, 10, 5s);
    auto conn = pool_->acquire();
    db::insert_account(*conn, kAccount, "idempotency");
    db::insert_account(*conn, kOtherAccount, "idempotency too");
    idempotency_ = std::make_unique<Idempotency>(*pool_, keys_, random_);
  }

  static http::Request post(const std::string& body, const std::optional<std::string>& key,
                            const std::string& path = kIdempotentPath) {
    http::Request request;
    request.method = "POST";
    request.target = path;
    request.path = path;
    request.body = body;
    request.request_id = "req_test";
    if (key) request.headers.emplace_back("Idempotency-Key", *key);
    return request;
  }

  // A handler answering {"n": <how many times it has run>}.
  std::function<http::Response()> counted(int status = 200) {
    return [this, status] { return http::json_response(status, {{"n", ++calls_}}); };
  }

  http::Response run(const http::Request& request, const std::function<http::Response()>& handler,
                     const AccountId& account = kAccount) {
    return idempotency_->run(account, request, handler);
  }

  pqxx::result sql(const std::string& statement) { return run_sql(url_, statement); }

  std::string url_;
  std::unique_ptr<db::ConnectionPool> pool_;
  const SecretKeyRing keys_ = test_secrets_keys();
  OpenSslRandom random_;
  std::unique_ptr<Idempotency> idempotency_;
  std::atomic<int> calls_{0};
};

TEST_F(IdempotencyTest, SameKeyAndBodyRunsTheHandlerOnceAndReplaysItsResponse) {
  auto first = run(post(R"({"url":"https://a.example"})", "key-1"), counted(201));
  auto second = run(post(R"({"url":"https://a.example"})", "key-1"), counted(201));
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(first.status, 201);
  EXPECT_FALSE(replayed(first));
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.content_type, "application/json");
  EXPECT_TRUE(replayed(second));
}

TEST_F(IdempotencyTest, SameKeyWithADifferentRequestIs409KeyReused) {
  run(post(R"({"url":"https://a.example"})", "key-1"), counted());
  auto different_body = api_error_of([&] { run(post(R"({"url":"https://b.example"})", "key-1"), counted()); });
  EXPECT_EQ(different_body.code(), Errc::idempotency_key_reused);
  EXPECT_EQ(http_status(different_body.code()), 409);
  EXPECT_EQ(error_code(different_body.code()), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_NE(std::string(different_body.what()).find("different request"), std::string::npos);
  // The path is part of the request too.
  auto different_path =
      api_error_of([&] { run(post(R"({"url":"https://a.example"})", "key-1", "/v1/other"), counted()); });
  EXPECT_EQ(different_path.code(), Errc::idempotency_key_reused);
  EXPECT_EQ(calls_, 1);
}

TEST_F(IdempotencyTest, KeyOrderAndWhitespaceDoNotMakeADifferentRequest) {
  auto first = run(post(R"({"a":1,"b":{"x":true,"y":[1,2]}})", "key-1"), counted());
  auto second = run(post("{ \"b\": {\"y\": [1, 2], \"x\": true},\n  \"a\": 1 }", "key-1"), counted());
  EXPECT_EQ(calls_, 1);
  EXPECT_TRUE(replayed(second));
  EXPECT_EQ(second.body, first.body);
  // Array order does matter.
  auto reordered_array = api_error_of([&] { run(post(R"({"a":1,"b":{"x":true,"y":[2,1]}})", "key-1"), counted()); });
  EXPECT_EQ(reordered_array.code(), Errc::idempotency_key_reused);
}

TEST_F(IdempotencyTest, AClientErrorFromTheHandlerIsStoredAndReplayed) {
  auto rejecting = [this]() -> http::Response {
    ++calls_;
    throw ApiError(Errc::resource_missing, "No such delivery.");
  };
  auto first = run(post(R"({"url":"https://a.example"})", "key-1"), rejecting);
  auto second = run(post(R"({"url":"https://a.example"})", "key-1"), rejecting);
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(first.status, 404);
  EXPECT_EQ(nlohmann::json::parse(first.body)["error"]["code"], "RESOURCE_MISSING");
  EXPECT_EQ(second.status, 404);
  EXPECT_EQ(second.body, first.body);
  EXPECT_TRUE(replayed(second));
}

// Stripe's habit: a request refused for its input stores nothing, so the
// corrected request with the same key runs instead of getting a 409.
TEST_F(IdempotencyTest, AValidationErrorLeavesTheKeyForTheCorrectedRequest) {
  auto rejecting = [this]() -> http::Response {
    ++calls_;
    throw invalid_parameter("url", "The url is not allowed.");
  };
  auto refused = api_error_of([&] { run(post(R"({"url":"ftp://x"})", "key-1"), rejecting); });
  EXPECT_EQ(refused.code(), Errc::invalid_parameter);
  auto corrected = run(post(R"({"url":"https://a.example"})", "key-1"), counted());
  EXPECT_EQ(corrected.status, 200);
  EXPECT_FALSE(replayed(corrected));
  EXPECT_EQ(calls_, 2);
  EXPECT_TRUE(replayed(run(post(R"({"url":"https://a.example"})", "key-1"), counted())));
  EXPECT_EQ(calls_, 2);
}

TEST_F(IdempotencyTest, AFailedRequestReleasesTheKeySoARetryRuns) {
  auto request = post(R"({"url":"https://a.example"})", "key-1");
  EXPECT_THROW(run(request, [&]() -> http::Response { ++calls_; throw std::runtime_error("boom"); }),
               std::runtime_error);
  auto unavailable = api_error_of([&] {
    run(request, [&]() -> http::Response { ++calls_; throw ApiError(Errc::service_unavailable, "busy"); });
  });
  EXPECT_EQ(unavailable.code(), Errc::service_unavailable);
  auto server_error = run(request, counted(500));
  EXPECT_EQ(server_error.status, 500);
  EXPECT_FALSE(replayed(server_error));

  auto retry = run(request, counted());
  EXPECT_EQ(retry.status, 200);
  EXPECT_FALSE(replayed(retry));
  EXPECT_EQ(calls_, 4);
  EXPECT_TRUE(replayed(run(request, counted())));
  EXPECT_EQ(calls_, 4);
}

TEST_F(IdempotencyTest, TheSameKeyInAnotherAccountIsIndependent) {
  run(post(R"({"url":"https://a.example"})", "shared"), counted(), kAccount);
  auto other = run(post(R"({"url":"https://b.example"})", "shared"), counted(), kOtherAccount);
  EXPECT_EQ(calls_, 2);
  EXPECT_FALSE(replayed(other));
  EXPECT_EQ(nlohmann::json::parse(other.body)["n"], 2);
  EXPECT_TRUE(replayed(run(post(R"({"url":"https://b.example"})", "shared"), counted(), kOtherAccount)));
  EXPECT_EQ(calls_, 2);
}

TEST_F(IdempotencyTest, WithoutAKeyTheHandlerRunsEveryTime) {
  for (int i = 1; i <= 3; ++i) {
    auto response = run(post(R"({"url":"https://a.example"})", std::nullopt), counted());
    EXPECT_FALSE(replayed(response));
    EXPECT_EQ(nlohmann::json::parse(response.body)["n"], i);
  }
  // Only POST is idempotent by key; other methods pass straight through.
  auto get = post("", "key-1");
  get.method = "GET";
  run(get, counted());
  EXPECT_FALSE(replayed(run(get, counted())));
  EXPECT_EQ(calls_, 5);
}

TEST_F(IdempotencyTest, AnInvalidKeyIs400NamingTheHeader) {
  for (const std::string& key : {std::string(), std::string(300, 'k'), std::string(256, 'k'), std::string("tab\tkey"),
                                 std::string("cl\xc3\xa9")}) {
    auto error = api_error_of([&] { run(post("{}", key), counted()); });
    EXPECT_EQ(error.code(), Errc::invalid_parameter) << key;
    EXPECT_EQ(http_status(error.code()), 400);
    EXPECT_EQ(error.details()["param"], "Idempotency-Key") << key;
  }
  auto twice = post("{}", "key-1");
  twice.headers.emplace_back("idempotency-key", "key-2");
  EXPECT_EQ(api_error_of([&] { run(twice, counted()); }).code(), Errc::invalid_parameter);
  EXPECT_EQ(calls_, 0);
  // The limits themselves are fine.
  EXPECT_EQ(run(post("{}", std::string(255, 'k')), counted()).status, 200);
  EXPECT_EQ(run(post("{}", "a key ~!"), counted()).status, 200);
}

TEST_F(IdempotencyTest, ConcurrentRequestsWithOneKeyRunTheHandlerOnce) {
  constexpr int kThreads = 8;
  std::barrier start(kThreads);
  std::atomic<int> returned{0};
  // Holds the one execution open until every other request has come back
  // (bounded, so a bug fails the test instead of hanging it).
  auto slow = [&] {
    int n = ++calls_;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (returned < kThreads - 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return http::json_response(200, {{"n", n}});
  };
  std::vector<std::string> outcomes(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        auto response = run(post(R"({"url":"https://a.example"})", "race"), slow);
        outcomes[i] = (replayed(response) ? "replayed " : "ran ") + response.body;
      } catch (const ApiError& error) {
        outcomes[i] = std::string(error_code(error.code()));
      } catch (const std::exception& error) {
        outcomes[i] = std::string("unexpected ") + error.what();
      }
      ++returned;
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(calls_, 1);
  int ran = 0;
  for (const auto& outcome : outcomes) {
    if (outcome == R"(ran {"n":1})") {
      ++ran;
    } else {
      EXPECT_TRUE(outcome == R"(replayed {"n":1})" || outcome == "IDEMPOTENCY_REQUEST_IN_PROGRESS") << outcome;
    }
  }
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(replayed(run(post(R"({"url":"https://a.example"})", "race"), counted())));
  EXPECT_EQ(calls_, 1);
}

TEST_F(IdempotencyTest, AStaleInProgressClaimIsTakenOver) {
  auto request = post(R"({"url":"https://a.example"})", "key-1");
  {
    // A request that claimed the key and then vanished (its process died).
    auto conn = pool_->acquire();
    auto claim = db::claim_idempotency_key(*conn, kAccount, "key-1", request_fingerprint(request), "vanished");
    ASSERT_EQ(claim.outcome, db::ClaimOutcome::claimed);
  }
  auto busy = api_error_of([&] { run(request, counted()); });
  EXPECT_EQ(busy.code(), Errc::idempotency_request_in_progress);
  EXPECT_EQ(http_status(busy.code()), 409);
  EXPECT_EQ(calls_, 0);

  sql("UPDATE idempotency_keys SET locked_at = now() - interval '2 minutes'");
  auto taken_over = run(request, counted());
  EXPECT_EQ(taken_over.status, 200);
  EXPECT_FALSE(replayed(taken_over));
  EXPECT_EQ(calls_, 1);
  EXPECT_TRUE(replayed(run(request, counted())));
}

// A handler that signals when it starts and answers {"who": name} with
// `status` once `go` is ready.
std::function<http::Response()> held(std::promise<void>& started, std::shared_future<void> go, std::string name,
                                     int status = 200) {
  return [&started, go, name, status] {
    started.set_value();
    go.wait();
    return http::json_response(status, {{"who", name}});
  };
}

// The first request outlives its claim (60 s), a retry takes the key over and
// finishes: the first one's late response must not replace the retry's.
TEST_F(IdempotencyTest, ALateFirstRequestCannotCompleteAClaimARetryTookOver) {
  auto request = post(R"({"url":"https://a.example"})", "key-1");
  std::promise<void> first_started, finish_first;
  std::optional<http::Response> first_response;
  std::thread first([&] { first_response = run(request, held(first_started, finish_first.get_future().share(), "first")); });
  first_started.get_future().wait();

  sql("UPDATE idempotency_keys SET locked_at = now() - interval '2 minutes'");
  auto retry = run(request, [] { return http::json_response(200, {{"who", "retry"}}); });
  EXPECT_FALSE(replayed(retry));
  finish_first.set_value();
  first.join();
  ASSERT_TRUE(first_response);
  EXPECT_EQ(nlohmann::json::parse(first_response->body)["who"], "first") << "it still answers its own client";

  auto replay = run(request, counted());
  EXPECT_TRUE(replayed(replay));
  EXPECT_EQ(nlohmann::json::parse(replay.body)["who"], "retry");
  EXPECT_EQ(calls_, 0);
}

// The same, when the late first request fails: releasing must not free the
// key the retry now holds, or a third request would run alongside it.
TEST_F(IdempotencyTest, ALateFailingFirstRequestCannotReleaseAClaimARetryTookOver) {
  auto request = post(R"({"url":"https://a.example"})", "key-1");
  std::promise<void> first_started, finish_first, retry_started, finish_retry;
  std::thread first([&] { run(request, held(first_started, finish_first.get_future().share(), "first", 503)); });
  first_started.get_future().wait();
  sql("UPDATE idempotency_keys SET locked_at = now() - interval '2 minutes'");
  std::optional<http::Response> retry_response;
  std::thread retry([&] { retry_response = run(request, held(retry_started, finish_retry.get_future().share(), "retry")); });
  retry_started.get_future().wait();

  finish_first.set_value();
  first.join();
  auto third = api_error_of([&] { run(request, counted()); });
  EXPECT_EQ(third.code(), Errc::idempotency_request_in_progress) << "the retry's claim was released by the first";
  EXPECT_EQ(calls_, 0);

  finish_retry.set_value();
  retry.join();
  auto replay = run(request, counted());
  EXPECT_TRUE(replayed(replay));
  EXPECT_EQ(nlohmann::json::parse(replay.body)["who"], "retry");
}

// The fingerprint used to re-serialize any parseable body with nlohmann's
// recursive dump(): a body nested 400,000 levels deep (under the 1 MiB
// limit) overflowed the handler thread's stack.
TEST_F(IdempotencyTest, ADeeplyNestedBodyIsFingerprintedWithoutRecursingIntoIt) {
  const std::string deep = std::string(400'000, '[') + std::string(400'000, ']');
  auto request = post(deep, "key-deep");
  EXPECT_EQ(request_fingerprint(request).size(), 64u);
  auto first = run(request, counted(400));
  EXPECT_EQ(first.status, 400);
  EXPECT_TRUE(replayed(run(request, counted(400))));
}

TEST_F(IdempotencyTest, AFinishedKeyIsNotTakenOverUntilItExpiresAfter24Hours) {
  run(post(R"({"url":"https://a.example"})", "key-1"), counted());
  sql("UPDATE idempotency_keys SET locked_at = now() - interval '2 minutes'");
  EXPECT_TRUE(replayed(run(post(R"({"url":"https://a.example"})", "key-1"), counted())));

  // That day's partition exists whatever the hour (after midnight UTC, 25
  // hours ago is two days back, older than the migration made).
  sql("SELECT hookgate_create_partition('idempotency_keys', ((now() - interval '25 hours') AT TIME ZONE 'UTC')::date)");
  sql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'");
  // Expired: the key is free again, even for a different request.
  auto fresh = run(post(R"({"url":"https://b.example"})", "key-1"), counted());
  EXPECT_FALSE(replayed(fresh));
  EXPECT_EQ(calls_, 2);
  // The expired row was replaced, not joined by a second one (the table is
  // partitioned by day, so its primary key would allow both).
  auto rows = sql("SELECT fingerprint, state FROM idempotency_keys WHERE key = 'key-1'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1].as<std::string>(), "done");
  EXPECT_EQ(rows[0][0].as<std::string>(), request_fingerprint(post(R"({"url":"https://b.example"})", "key-1")));
}

}  // namespace
}  // namespace hookgate::testing

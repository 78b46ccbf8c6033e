// The HTTP transport over real sockets: routing errors, limits, timeouts,
// keep-alive and graceful shutdown.

#include "app/config.h"
#include "http/router.h"
#include "http/server.h"
#include "support/http_client.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <thread>

namespace hookgate::testing {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = TestServer::start(); }
  unsigned short port() const { return server_->port(); }
  std::unique_ptr<TestServer> server_;
};

TEST_F(HttpServerTest, HealthzAnswersWithARequestId) {
  auto response = request(port(), "GET", "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.json()["status"], "ok");
  EXPECT_EQ(response.header("request-id").rfind("req_", 0), 0u);
  EXPECT_EQ(response.header("content-type"), "application/json");
}

TEST_F(HttpServerTest, ReadyzReportsDatabaseMigrationsAndCatalogue) {
  auto response = request(port(), "GET", "/readyz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.json()["checks"]["database"], true);
  EXPECT_EQ(response.json()["checks"]["migrations_current"], true);
  EXPECT_EQ(response.json()["checks"]["catalogue_loaded"], true);
}

TEST(HttpServerReadiness, ReadyzIsUnavailableWhenMigrationsArePending) {
  TestServer server(test_config(empty_database()), false);
  auto response = request(server.port(), "GET", "/readyz");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.json()["status"], "not_ready");
  EXPECT_EQ(response.json()["checks"]["database"], true);
  EXPECT_EQ(response.json()["checks"]["migrations_current"], false);
}

TEST(HttpServerReadiness, ReadyzIsUnavailableWhenTheDatabaseIsUnreachable) {
  // Port 1 on loopback: nothing listens there.
  auto config = test_config("postgresql://hookgate@127.0.0.1:1/none?connect_timeout=2");
  config.db_acquire_timeout = std::chrono::milliseconds(2000);
  TestServer server(config, false);
  auto response = request(server.port(), "GET", "/readyz");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.json()["checks"]["database"], false);
  EXPECT_EQ(response.json()["checks"]["catalogue_loaded"], false) << "nothing could be loaded";
}

TEST_F(HttpServerTest, UnknownRouteIsAJsonNotFound) {
  auto response = request(port(), "GET", "/v9/nothing-here");
  EXPECT_EQ(response.status, 404);
  auto error = response.json()["error"];
  EXPECT_EQ(error["code"], "ROUTE_NOT_FOUND");
  EXPECT_EQ(error["request_id"], response.header("request-id"));
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  auto response = request(port(), "DELETE", "/healthz");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.header("allow"), "GET");
  EXPECT_EQ(response.json()["error"]["code"], "METHOD_NOT_ALLOWED");
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  std::string huge(server_->config().max_header_bytes + 1024, 'a');
  auto response = request(port(), "GET", "/healthz", "", {{"X-Filler", huge}});
  EXPECT_EQ(response.status, 431);
  EXPECT_EQ(response.json()["error"]["code"], "HEADERS_TOO_LARGE");
}

TEST_F(HttpServerTest, DeclaredOversizedBodyIs413WithoutReadingIt) {
  Connection connection(port());
  auto limit = server_->config().max_body_bytes;
  connection.send_raw("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(limit * 2) +
                      "\r\n\r\n");
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->json()["error"]["code"], "BODY_TOO_LARGE");
  EXPECT_TRUE(connection.wait_closed_by_server());
}

TEST_F(HttpServerTest, ChunkedOversizedBodyIs413) {
  Connection connection(port());
  std::string chunk(64 * 1024, 'x');
  std::string text = "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::size_t chunks = server_->config().max_body_bytes / chunk.size() + 2;
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
  for (std::size_t i = 0; i < chunks; ++i) text += size_line + chunk + "\r\n";
  text += "0\r\n\r\n";
  try {
    connection.send_raw(text);
  } catch (const std::runtime_error&) {
    // The server may close before we finish sending; the answer is still readable.
  }
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
}

TEST_F(HttpServerTest, MalformedRequestLineIs400) {
  Connection connection(port());
  connection.send_raw("THIS IS NOT HTTP\r\n\r\n");
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->json()["error"]["code"], "MALFORMED_REQUEST");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Connection connection(port());
  for (int i = 0; i < 3; ++i) {
    connection.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto response = connection.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
  }
}

// RFC 9112 §6.3: a request whose body length is in doubt gets 400 and its
// connection is closed, so the bytes after its header block are never
// answered as a second request. (tests/unit/request_framing_test.cpp has the
// whole class; this is the same read over a real socket.)
TEST_F(HttpServerTest, UnknownTransferCodingIs400AndTheSmuggledRequestIsNeverAnswered) {
  for (const char* coding : {"xchunked", "identity", "gzip", "chunked, identity"}) {
    SCOPED_TRACE(coding);
    Connection connection(port());
    connection.send_raw(std::string("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + coding +
                        "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto response = connection.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(response->json()["error"]["code"], "MALFORMED_REQUEST");
    EXPECT_NE(response->json()["error"]["message"].get<std::string>().find("Transfer-Encoding"), std::string::npos);
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_EQ(response->json()["error"]["request_id"], response->header("request-id"));
    EXPECT_FALSE(connection.read_response()) << "the bytes after the refused header were answered";
  }
}

TEST_F(HttpServerTest, ContentLengthWithTransferEncodingIs400AndCloses) {
  Connection connection(port());
  connection.send_raw(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_FALSE(connection.read_response());
}

TEST_F(HttpServerTest, ABodyOnGetIs400AndTheConnectionStaysUsable) {
  Connection connection(port());
  connection.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  auto refused = connection.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(refused->json()["error"]["code"], "MALFORMED_REQUEST");
  connection.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  auto next = connection.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(HttpServerTimeouts, SilentClientIsCutOffAfterTheReadTimeout) {
  auto server = TestServer::start([](Config& c) { c.read_timeout = std::chrono::milliseconds(300); });
  // Our own read timeout is far longer: if the server never closes, this fails.
  Connection connection(server->port(), std::chrono::seconds(20));
  EXPECT_TRUE(connection.wait_closed_by_server());
}

TEST(HttpServerTimeouts, ClientStallingInsideTheHeadersIsCutOff) {
  auto server = TestServer::start([](Config& c) { c.read_timeout = std::chrono::milliseconds(300); });
  Connection connection(server->port(), std::chrono::seconds(20));
  connection.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  EXPECT_TRUE(connection.wait_closed_by_server());
}

// HOOKGATE_READ_TIMEOUT_MS bounds one whole request: a header and then a
// body, each trickled in under the limit, are still cut off at one deadline.
// The client would need 3 s for the whole request; the limit is 2 s.
TEST(HttpServerTimeouts, TheReadTimeoutCoversHeaderAndBodyTogether) {
  auto server = TestServer::start([](Config& c) { c.read_timeout = std::chrono::milliseconds(2000); });
  Connection connection(server->port(), std::chrono::seconds(20));
  const std::string header = "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n";
  const std::string body = "{\"a\":\"bcdefgh\"}";
  ASSERT_EQ(body.size(), 15u);
  auto trickle = [&](const std::string& text, std::chrono::milliseconds over) {
    auto gap = over / static_cast<int>(text.size());
    for (char c : text) {
      connection.send_raw(std::string(1, c));
      std::this_thread::sleep_for(gap);
    }
  };
  try {
    trickle(header, std::chrono::milliseconds(1500));
    trickle(body, std::chrono::milliseconds(1500));
  } catch (const std::runtime_error&) {
    // The server closed while we were still sending: what this test expects.
  }
  EXPECT_FALSE(connection.read_response()) << "the request was answered after more than one read timeout";
}

// GET /slow: tells `entered` it runs, then holds its handler thread until
// `released` is ready.
http::Route held_route(std::promise<void>& entered, std::shared_future<void> released) {
  return {"GET", "/slow", "test.slow", [&entered, released](http::Request&) {
            entered.set_value();
            released.wait();
            return http::json_response(200, {{"finished", true}});
          }};
}

// SIGTERM while a request is being handled: the request still gets its full
// answer, new connections are refused, and the server then stops.
TEST(HttpServerShutdown, SigtermDrainsAnInFlightRequest) {
  std::promise<void> entered;
  std::promise<void> release;
  http::Router router;
  router.add(held_route(entered, release.get_future().share()));
  http::ServerOptions options;
  options.listen = ListenAddress{"127.0.0.1", 0};
  // Port 0 would be re-chosen by run_until_signal's start(); reserve one first.
  unsigned short port = 0;
  {
    http::Server probe(options, [](http::Request&) { return http::Response{}; });
    port = probe.start();
  }
  options.listen.port = port;
  http::Server server(options, [&](http::Request& r) { return router.dispatch(r); });
  std::thread runner([&] { server.run_until_signal(); });
  // Wait until the port accepts connections.
  while (connection_refused(port)) std::this_thread::yield();

  auto in_flight = std::async(std::launch::async, [&] { return request(port, "GET", "/slow"); });
  entered.get_future().wait();
  Connection idle(port);  // an idle keep-alive client must be let go too
  ASSERT_EQ(::raise(SIGTERM), 0);
  while (!connection_refused(port)) std::this_thread::yield();
  release.set_value();

  auto response = in_flight.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.json()["finished"], true);
  EXPECT_EQ(response.header("connection"), "close");
  EXPECT_TRUE(idle.wait_closed_by_server());
  runner.join();
}

// A route that never waits is answered on the I/O thread: it does not queue
// behind blocking handlers, here one holding the only handler thread.
TEST(HttpServerInline, NonBlockingRoutesAnswerWhileEveryHandlerThreadIsBusy) {
  std::promise<void> entered, release;
  http::Router router;
  router.add(held_route(entered, release.get_future().share()));
  router.add({"GET", "/fast", "test.fast", [](http::Request&) { return http::json_response(200, {{"fast", true}}); },
              false});
  http::ServerOptions options;
  options.listen = ListenAddress{"127.0.0.1", 0};
  options.handler_threads = 1;
  http::Server server(
      options, [&](http::Request& r) { return router.dispatch(r); },
      [&](http::Request& r) { return router.dispatch_inline(r); });
  auto port = server.start();

  auto slow = std::async(std::launch::async, [&] { return request(port, "GET", "/slow"); });
  entered.get_future().wait();
  auto fast = request(port, "GET", "/fast");
  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(fast.json()["fast"], true);
  EXPECT_EQ(fast.header("request-id").rfind("req_", 0), 0u);
  // Routing refusals need no handler thread either.
  EXPECT_EQ(request(port, "GET", "/nowhere").status, 404);
  EXPECT_EQ(request(port, "POST", "/fast").status, 405);
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout) << "the slow request is still held";
  release.set_value();
  EXPECT_EQ(slow.get().json()["finished"], true);
  server.request_stop();
  server.wait();
}

}  // namespace
}  // namespace hookgate::testing

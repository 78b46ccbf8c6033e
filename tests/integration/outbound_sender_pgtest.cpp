// The outbound webhook sender over real loopback sockets: what a receiver
// sees, keep-alive pooling, bounds, timeouts, TLS verification, the SSRF
// checks at connect time and cancellation. No database is needed.

#include "delivery/beast_sender.h"
#include "support/sender_calls.h"
#include "support/test_http_peer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <ostream>

namespace hookgate::testing {
namespace {

using delivery::BeastSender;
using delivery::OutboundRequest;
using delivery::SenderOptions;
using delivery::SendOutcome;
using delivery::SendResult;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

SenderOptions production_options() { return SenderOptions{}; }

TEST(OutboundSender, PostsTheBodyAndHeadersAndReportsTheResponse) {
  TestHttpPeer peer;
  peer.script({{.status = 200, .body = "thanks"}});
  BeastSender sender(local_options());

  auto future = send_async(sender, OutboundRequest{http_url(peer, "/hooks/in?tenant=7"),
                                                   {{"webhook-id", "msg_2Xv"}, {"webhook-timestamp", "1700000000"}},
                                                   R"({"id":"evt_1"})"});
  SendResult result = await_result(future);

  EXPECT_EQ(result.outcome, SendOutcome::response) << result.error;
  EXPECT_EQ(result.status_code, 200);
  EXPECT_EQ(result.response_snippet, "thanks");
  EXPECT_FALSE(result.retry_after.has_value());
  EXPECT_GT(result.duration.count(), 0);
  ASSERT_EQ(peer.requests().size(), 1u);
  const RecordedRequest request = peer.requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hooks/in?tenant=7");
  EXPECT_EQ(request.body, R"({"id":"evt_1"})");
  EXPECT_EQ(request.header("webhook-id"), "msg_2Xv");
  EXPECT_EQ(request.header("webhook-timestamp"), "1700000000");
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header("content-length"), "14");
  EXPECT_EQ(request.header("user-agent"), "hookgate/1");
  EXPECT_EQ(request.header("host"), "127.0.0.1:" + std::to_string(peer.port()));
}

TEST(OutboundSender, ReusesOneKeepAliveConnectionForSequentialSends) {
  TestHttpPeer peer;
  BeastSender sender(local_options());
  for (int i = 0; i < 5; ++i) {
    SendResult result = send(sender, http_url(peer));
    EXPECT_EQ(result.status_code, 200) << result.error;
  }
  EXPECT_EQ(peer.requests().size(), 5u);
  EXPECT_EQ(peer.accepted_connections(), 1u);
}

TEST(OutboundSender, DoesNotReuseAnExpiredIdleConnection) {
  TestHttpPeer peer;
  SenderOptions options = local_options();
  options.idle_keepalive = std::chrono::milliseconds(0);  // expired as soon as it is idle
  BeastSender sender(options);

  EXPECT_EQ(send(sender, http_url(peer)).status_code, 200);
  EXPECT_EQ(send(sender, http_url(peer)).status_code, 200);

  EXPECT_EQ(peer.accepted_connections(), 2u);
}

TEST(OutboundSender, AcceptsASendMadeFromACompletion) {
  std::promise<SendResult> chained;
  auto chained_result = chained.get_future();
  BeastSender sender(production_options());

  // A refused URL completes without waiting on anything: the worst case for
  // a completion that sends again.
  sender.send(OutboundRequest{"not-a-url", {}, "{}"}, [&](SendResult) {
    sender.send(OutboundRequest{"not-a-url", {}, "{}"}, [&](SendResult result) { chained.set_value(result); });
  });

  SendResult result = await_result(chained_result);
  EXPECT_EQ(result.outcome, SendOutcome::refused_address);
}

TEST(OutboundSender, HandlesManyConcurrentSends) {
  TestHttpPeer peer;
  BeastSender sender(local_options());
  std::vector<std::future<SendResult>> futures;
  for (int i = 0; i < 20; ++i) {
    futures.push_back(send_async(sender, OutboundRequest{http_url(peer), {}, "{\"n\":" + std::to_string(i) + "}"}));
  }
  for (auto& future : futures) {
    SendResult result = await_result(future);
    EXPECT_EQ(result.status_code, 200) << result.error;
  }
  EXPECT_EQ(peer.requests().size(), 20u);
}

TEST(OutboundSender, DoesNotFollowRedirects) {
  TestHttpPeer peer;
  peer.script({{.status = 302, .headers = {{"Location", http_url(peer, "/elsewhere")}}, .body = ""}});
  BeastSender sender(local_options());

  SendResult result = send(sender, http_url(peer));

  EXPECT_EQ(result.outcome, SendOutcome::response);
  EXPECT_EQ(result.status_code, 302);
  ASSERT_EQ(peer.requests().size(), 1u);
  EXPECT_EQ(peer.requests()[0].target, "/hooks");
}

TEST(OutboundSender, ReturnsRetryAfterAsSent) {
  TestHttpPeer peer;
  peer.script({{.status = 429, .headers = {{"Retry-After", "120"}}, .body = "slow down"},
               {.status = 503, .headers = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}}});
  BeastSender sender(local_options());

  SendResult seconds = send(sender, http_url(peer));
  SendResult date = send(sender, http_url(peer));

  EXPECT_EQ(seconds.status_code, 429);
  EXPECT_EQ(seconds.retry_after, std::optional<std::string>("120"));
  EXPECT_EQ(seconds.response_snippet, "slow down");
  EXPECT_EQ(date.status_code, 503);
  EXPECT_EQ(date.retry_after, std::optional<std::string>("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(OutboundSender, KeepsASnippetOfAnOversizedBodyAndDropsItsConnection) {
  std::string big_body;
  for (int i = 0; big_body.size() < 200'000; ++i) big_body += std::to_string(i) + ",";
  TestHttpPeer peer;
  peer.script({{.status = 500, .body = big_body}});
  SenderOptions options = local_options();
  options.max_response_bytes = 4096;
  options.snippet_bytes = 100;
  BeastSender sender(options);

  SendResult oversized = send(sender, http_url(peer));
  SendResult next = send(sender, http_url(peer));

  EXPECT_EQ(oversized.outcome, SendOutcome::response) << oversized.error;
  EXPECT_EQ(oversized.status_code, 500);
  EXPECT_EQ(oversized.response_snippet, big_body.substr(0, 100));
  EXPECT_EQ(next.status_code, 200) << next.error;
  EXPECT_EQ(peer.accepted_connections(), 2u) << "the half-read connection must not be reused";
}

TEST(OutboundSender, DoesNotReuseAConnectionThePeerSaidItWouldClose) {
  TestHttpPeer peer;
  peer.script({{.headers = {{"Connection", "close"}}, .close_after = true}});
  BeastSender sender(local_options());

  SendResult first = send(sender, http_url(peer));
  SendResult second = send(sender, http_url(peer));

  EXPECT_EQ(first.status_code, 200) << first.error;
  EXPECT_EQ(second.status_code, 200) << second.error;
  EXPECT_EQ(peer.accepted_connections(), 2u);
}

TEST(OutboundSender, RetriesOnAFreshConnectionWhenAPooledOneWasClosed) {
  TestHttpPeer peer;
  // Closes without saying so, so the sender pools a connection that is dead.
  peer.script({{.close_after = true}});
  BeastSender sender(local_options());

  SendResult first = send(sender, http_url(peer));
  SendResult second = send(sender, http_url(peer));

  EXPECT_EQ(first.status_code, 200) << first.error;
  EXPECT_EQ(second.outcome, SendOutcome::response) << second.error;
  EXPECT_EQ(second.status_code, 200);
  EXPECT_EQ(peer.requests().size(), 2u);
  EXPECT_EQ(peer.accepted_connections(), 2u);
}

TEST(OutboundSender, TimesOutWhenThePeerNeverAnswers) {
  TestHttpPeer peer;
  peer.script({{.never_answer = true}});
  BeastSender sender(local_options(std::chrono::milliseconds(300)));

  SendResult result = send(sender, http_url(peer));

  EXPECT_EQ(result.outcome, SendOutcome::network_error);
  EXPECT_EQ(result.error, "timed out after 300 ms while waiting for the response");
  EXPECT_EQ(peer.requests().size(), 1u);
}

TEST(OutboundSender, ReportsARefusedConnection) {
  const unsigned short port = unused_loopback_port();
  BeastSender sender(local_options());

  SendResult result = send(sender, "http://127.0.0.1:" + std::to_string(port) + "/");

  EXPECT_EQ(result.outcome, SendOutcome::network_error);
  EXPECT_THAT(result.error, HasSubstr("connection refused"));
}

TEST(OutboundSender, ReportsAFailedDnsLookup) {
  BeastSender sender(local_options());

  SendResult result = send(sender, "https://no-such-host.invalid/hooks");

  EXPECT_EQ(result.outcome, SendOutcome::network_error);
  EXPECT_THAT(result.error, HasSubstr("DNS lookup of no-such-host.invalid failed"));
}

struct RefusedTarget {
  std::string url;            // "{port}" stands for a live loopback peer's port
  std::string error_pattern;  // POSIX extended regex
};

std::ostream& operator<<(std::ostream& out, const RefusedTarget& target) { return out << target.url; }

class OutboundSenderRefusal : public ::testing::TestWithParam<RefusedTarget> {};

// Without allow_private_targets every one of these is refused before any
// connection is made. A permitted send afterwards proves the peer had seen
// no connection before it (accepts are counted in order).
TEST_P(OutboundSenderRefusal, RefusesPrivateTargetsWithoutConnecting) {
  TestHttpPeer peer;
  std::string url = GetParam().url;
  if (auto at = url.find("{port}"); at != std::string::npos) url.replace(at, 6, std::to_string(peer.port()));
  BeastSender production(production_options());

  SendResult refused = send(production, url);

  EXPECT_EQ(refused.outcome, SendOutcome::refused_address) << refused.error;
  EXPECT_THAT(refused.error, ContainsRegex(GetParam().error_pattern));
  BeastSender local(local_options());
  EXPECT_EQ(send(local, http_url(peer)).status_code, 200);
  EXPECT_EQ(peer.accepted_connections(), 1u);
  EXPECT_EQ(peer.requests().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    AddressesAndSchemes, OutboundSenderRefusal,
    ::testing::Values(
        RefusedTarget{"http://127.0.0.1:{port}/hooks", "^plain http is not allowed"},
        RefusedTarget{"https://127.0.0.1:{port}/hooks",
                      "^127\\.0\\.0\\.1 is a loopback address; private targets are not allowed$"},
        // localhost is refused for what it resolves to, not for its name.
        RefusedTarget{"https://localhost:{port}/hooks",
                      "^localhost resolved to (127\\.0\\.0\\.1|::1) \\(loopback\\); private targets are not allowed$"},
        RefusedTarget{"https://[::ffff:127.0.0.1]:{port}/hooks", "^::ffff:127\\.0\\.0\\.1 is a loopback address"},
        RefusedTarget{"https://2130706433:{port}/hooks", "^127\\.0\\.0\\.1 is a loopback address"},
        RefusedTarget{"https://10.0.0.1/hooks", "^10\\.0\\.0\\.1 is a private address"},
        RefusedTarget{"https://169.254.169.254/latest/meta-data", "^169\\.254\\.169\\.254 is a link-local address"},
        RefusedTarget{"not-a-url", "absolute URL"}));

class OutboundSenderTls : public ::testing::Test {
 protected:
  SenderOptions trusting_test_ca() const {
    SenderOptions options = local_options();
    options.extra_ca_file = certificates_.ca_file();
    return options;
  }
  static std::string https_url(const TestHttpPeer& peer, const std::string& host = "localhost") {
    return "https://" + host + ":" + std::to_string(peer.port()) + "/hooks";
  }
  TestCertificates certificates_;
};

TEST_F(OutboundSenderTls, DeliversToAVerifiedPeerByNameAndKeepsTheConnection) {
  TestHttpPeer peer(certificates_.localhost());
  BeastSender sender(trusting_test_ca());

  SendResult first = send(sender, https_url(peer));
  SendResult second = send(sender, https_url(peer));

  EXPECT_EQ(first.outcome, SendOutcome::response) << first.error;
  EXPECT_EQ(first.status_code, 200);
  EXPECT_EQ(second.status_code, 200) << second.error;
  ASSERT_EQ(peer.requests().size(), 2u);
  EXPECT_EQ(peer.requests()[0].header("host"), "localhost:" + std::to_string(peer.port()));
  EXPECT_EQ(peer.accepted_connections(), 1u);
}

TEST_F(OutboundSenderTls, VerifiesAnIpLiteralAgainstTheCertificatesAddresses) {
  TestHttpPeer peer(certificates_.localhost());
  BeastSender sender(trusting_test_ca());

  SendResult result = send(sender, https_url(peer, "127.0.0.1"));

  EXPECT_EQ(result.status_code, 200) << result.error;
}

TEST_F(OutboundSenderTls, RefusesACertificateForAnotherHost) {
  TestHttpPeer peer(certificates_.wrong_example());
  BeastSender sender(trusting_test_ca());

  SendResult result = send(sender, https_url(peer));

  EXPECT_EQ(result.outcome, SendOutcome::network_error);
  EXPECT_THAT(result.error, HasSubstr("TLS handshake failed: certificate verify failed"));
  EXPECT_THAT(result.error, HasSubstr("hostname mismatch"));
  EXPECT_TRUE(peer.requests().empty());
}

TEST_F(OutboundSenderTls, RefusesACertificateFromAnUntrustedAuthority) {
  TestHttpPeer peer(certificates_.localhost());
  BeastSender sender(local_options());  // the test CA is not trusted here

  SendResult result = send(sender, https_url(peer));

  EXPECT_EQ(result.outcome, SendOutcome::network_error);
  EXPECT_THAT(result.error, HasSubstr("certificate verify failed"));
  EXPECT_TRUE(peer.requests().empty());
}

TEST(OutboundSenderStop, CancelsInFlightSendsAndRefusesNewOnes) {
  TestHttpPeer peer;
  peer.script({{.never_answer = true}});
  BeastSender sender(local_options(std::chrono::minutes(10)));

  auto in_flight = send_async(sender, OutboundRequest{http_url(peer), {}, "{}"});
  ASSERT_TRUE(peer.wait_for_requests(1));
  sender.stop();
  SendResult cancelled = await_result(in_flight);
  sender.stop();  // idempotent
  auto after_stop = send_async(sender, OutboundRequest{http_url(peer), {}, "{}"});

  EXPECT_EQ(cancelled.outcome, SendOutcome::cancelled);
  EXPECT_THAT(cancelled.error, HasSubstr("stopped"));
  ASSERT_EQ(after_stop.wait_for(std::chrono::seconds(0)), std::future_status::ready)
      << "a send after stop() completes before send() returns";
  EXPECT_EQ(after_stop.get().outcome, SendOutcome::cancelled);
  EXPECT_EQ(peer.requests().size(), 1u);
}

}  // namespace
}  // namespace hookgate::testing

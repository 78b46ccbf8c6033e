// Receivers that break HTTP on purpose, over real loopback sockets. Each
// send must end as one result that says what went wrong, within the
// whole-attempt timeout, having read a bounded amount, on a connection that
// is not reused. No database is needed.

#include "delivery/beast_sender.h"
#include "support/sender_calls.h"
#include "support/test_http_peer.h"
#include "support/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <ostream>

namespace hookgate::testing {
namespace {

using delivery::BeastSender;
using delivery::SenderOptions;
using delivery::SendOutcome;
using delivery::SendResult;
using ::testing::HasSubstr;
using Then = RawResponse::Then;

// Short, so that the cases that only a timeout ends finish quickly.
constexpr auto hostile_timeout = std::chrono::milliseconds(1000);
constexpr auto drip_pause = std::chrono::milliseconds(10);

SenderOptions hostile_options() { return local_options(hostile_timeout); }

// A receiver that ends the exchange with a network error, never a response.
struct BrokenReceiver {
  std::string name;
  RawResponse raw;
  std::string error;
};

std::ostream& operator<<(std::ostream& out, const BrokenReceiver& receiver) { return out << receiver.name; }

class HostileReceiver : public ::testing::TestWithParam<BrokenReceiver> {};

TEST_P(HostileReceiver, EndsAsOneFailedAttemptSayingWhy) {
  TestHttpPeer peer;
  peer.script({{.raw = GetParam().raw}});
  BeastSender sender(hostile_options());

  SendResult result = send(sender, http_url(peer));

  EXPECT_EQ(result.outcome, SendOutcome::network_error);
  EXPECT_EQ(result.error, GetParam().error);
  EXPECT_EQ(result.status_code, 0);
  EXPECT_EQ(result.response_snippet, "");
  EXPECT_EQ(peer.requests().size(), 1u) << "one attempt, not retried";
  EXPECT_EQ(peer.accepted_connections(), 1u);
}

const std::string ok_status = "HTTP/1.1 200 OK\r\n";
const std::string timed_out = "timed out after 1000 ms while ";
const std::string headers_too_large = "response headers are larger than 16384 bytes";

INSTANTIATE_TEST_SUITE_P(
    Receivers, HostileReceiver,
    ::testing::Values(
        // Each byte resets no per-read timer: the whole-attempt timeout ends it.
        BrokenReceiver{"BodyDrippedForever",
                       {.prefix = ok_status + "Content-Length: 1000000\r\n\r\n", .repeated = "x", .pause = drip_pause},
                       timed_out + "reading the response body"},
        BrokenReceiver{"HeadersDrippedForever", {.prefix = ok_status, .repeated = "X", .pause = drip_pause},
                       timed_out + "waiting for the response"},
        BrokenReceiver{"ChunksDrippedForever",
                       {.prefix = ok_status + "Transfer-Encoding: chunked\r\n\r\n",
                        .repeated = "1\r\nx\r\n",
                        .pause = drip_pause},
                       timed_out + "reading the response body"},
        BrokenReceiver{"EndlessHeaders", {.prefix = ok_status, .repeated = "X-Pad: 0123456789\r\n"}, headers_too_large},
        BrokenReceiver{"EndlessHeaderLine", {.prefix = ok_status + "X-Huge: ", .repeated = std::string(4096, 'a')},
                       headers_too_large},
        BrokenReceiver{"EndlessTrailers",
                       {.prefix = ok_status + "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n",
                        .repeated = "X-Trailer: 0123456789\r\n"},
                       "response trailers or a chunk header are larger than 32768 bytes"},
        BrokenReceiver{"EndlessInterimResponses", {.prefix = "", .repeated = "HTTP/1.1 100 Continue\r\n\r\n"},
                       "invalid HTTP response: more than 16 interim (1xx) responses"},
        BrokenReceiver{"UnaskedProtocolSwitch",
                       {.prefix = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"},
                       "invalid HTTP response: 101 Switching Protocols, which was not asked for"},
        BrokenReceiver{"ResetInTheHeaders", {.prefix = ok_status + "Content-Le", .then = Then::reset},
                       "connection reset by the peer"},
        BrokenReceiver{"ResetInTheBody", {.prefix = ok_status + "Content-Length: 100\r\n\r\nhalf", .then = Then::reset},
                       "connection reset by the peer"},
        BrokenReceiver{"InvalidStatusLine", {.prefix = "HTTP/1.1 2x0 OK\r\n\r\n"}, "invalid HTTP response: bad status"},
        BrokenReceiver{"NotHttpAtAll", {.prefix = "SSH-2.0-OpenSSH_9.2\r\n"}, "invalid HTTP response: bad version"},
        BrokenReceiver{"ShorterBodyThanDeclared",
                       {.prefix = ok_status + "Content-Length: 1000\r\n\r\nonly this", .then = Then::close},
                       "connection closed in the middle of the response"}),
    [](const auto& info) { return info.param.name; });

// Status and snippet are kept, the rest of the body is left unread and the
// connection closed, so that the next send opens a fresh one.
void expect_cut_short(TestHttpPeer& peer, BeastSender& sender, int status, const std::string& snippet) {
  SendResult result = send(sender, http_url(peer));
  SendResult next = send(sender, http_url(peer));

  EXPECT_EQ(result.outcome, SendOutcome::response) << result.error;
  EXPECT_EQ(result.status_code, status);
  EXPECT_EQ(result.response_snippet, snippet);
  EXPECT_EQ(next.status_code, 200) << next.error;
  EXPECT_EQ(peer.requests().size(), 2u);
  EXPECT_EQ(peer.accepted_connections(), 2u) << "the half-read connection must not be reused";
}

constexpr std::size_t ten_megabytes = 10 * 1024 * 1024;
const std::string body_block = repeat("0123456789abcdef", 1024);  // 16 KiB

RawResponse ten_megabyte_body(int status) {
  return {.prefix = "HTTP/1.1 " + std::to_string(status) + " Big\r\nContent-Length: " +
                    std::to_string(ten_megabytes) + "\r\n\r\n",
          .repeated = body_block,
          .repeat_count = ten_megabytes / body_block.size(),
          .then = Then::close};
}

RawResponse endless_chunked_body(int status) {
  return {.prefix = "HTTP/1.1 " + std::to_string(status) + " Chunks\r\nTransfer-Encoding: chunked\r\n\r\n",
          .repeated = repeat("1\r\nx\r\n", 1000)};
}

TEST(HostileReceiverBody, ReadsATenMegabyteBodyOnlyUpToTheCap) {
  TestHttpPeer peer;
  peer.script({{.raw = ten_megabyte_body(500)}});
  BeastSender sender(hostile_options());

  expect_cut_short(peer, sender, 500, body_block.substr(0, SenderOptions{}.snippet_bytes));
}

// The status decides: a 2xx is delivered even if its body is over the cap.
TEST(HostileReceiverBody, CountsATwoHundredWithAnOversizedBodyAsAnswered) {
  TestHttpPeer peer;
  peer.script({{.raw = ten_megabyte_body(200)}});
  BeastSender sender(hostile_options());

  expect_cut_short(peer, sender, 200, body_block.substr(0, SenderOptions{}.snippet_bytes));
}

TEST(HostileReceiverBody, StopsAChunkedBodyThatNeverEndsAtTheCap) {
  TestHttpPeer peer;
  peer.script({{.raw = endless_chunked_body(503)}});
  BeastSender sender(hostile_options());

  expect_cut_short(peer, sender, 503, std::string(SenderOptions{}.snippet_bytes, 'x'));
}

TEST(HostileReceiverBody, SkipsInterimResponsesBeforeTheFinalOne) {
  TestHttpPeer peer;
  peer.script({{.raw = RawResponse{.prefix = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
                                             ok_status + "Content-Length: 6\r\n\r\nthanks",
                                   .then = Then::close}}});
  BeastSender sender(hostile_options());

  SendResult result = send(sender, http_url(peer));

  EXPECT_EQ(result.outcome, SendOutcome::response) << result.error;
  EXPECT_EQ(result.status_code, 200);
  EXPECT_EQ(result.response_snippet, "thanks");
}

// A 3xx is a result to record (and a failed attempt), never a place to go:
// the metadata address is not contacted.
TEST(HostileReceiverRedirect, DoesNotFollowARedirectToTheMetadataAddress) {
  TestHttpPeer peer;
  peer.script({{.status = 302, .headers = {{"Location", "http://169.254.169.254/latest/meta-data/"}}, .body = ""}});
  BeastSender sender(hostile_options());

  SendResult result = send(sender, http_url(peer));
  SendResult next = send(sender, http_url(peer));

  EXPECT_EQ(result.outcome, SendOutcome::response) << result.error;
  EXPECT_EQ(result.status_code, 302);
  EXPECT_EQ(next.status_code, 200) << next.error;
  ASSERT_EQ(peer.requests().size(), 2u);
  EXPECT_EQ(peer.requests()[1].target, "/hooks") << "the second request is ours, not the redirect's";
  EXPECT_EQ(peer.accepted_connections(), 1u) << "the 302 was read to its end and its connection reused";
}

TEST(HostileReceiverRedirect, DoesNotFollowARedirectToAnotherReceiver) {
  TestHttpPeer peer;
  TestHttpPeer elsewhere;
  peer.script({{.status = 307, .headers = {{"Location", http_url(elsewhere, "/stolen")}}, .body = ""}});
  BeastSender sender(hostile_options());

  SendResult result = send(sender, http_url(peer));

  EXPECT_EQ(result.status_code, 307) << result.error;
  EXPECT_EQ(peer.requests().size(), 1u);
  EXPECT_EQ(elsewhere.accepted_connections(), 0u);
}

std::string https_url(const TestHttpPeer& peer) { return "https://127.0.0.1:" + std::to_string(peer.port()) + "/hooks"; }

// A plain peer reads the ClientHello as the start of a request that never
// ends, and says nothing: the handshake is bounded by the whole-attempt timeout.
TEST(HostileReceiverTls, TimesOutAHandshakeThePeerNeverAnswers) {
  TestHttpPeer silent;
  BeastSender sender(hostile_options());

  SendResult result = send(sender, https_url(silent));

  EXPECT_EQ(result.outcome, SendOutcome::network_error);
  EXPECT_EQ(result.error, timed_out + "in the TLS handshake with 127.0.0.1");
  EXPECT_EQ(silent.accepted_connections(), 1u);
  EXPECT_TRUE(silent.requests().empty());
}

TEST(HostileReceiverTls, FailsAHandshakeAnsweredWithPlainHttp) {
  TestHttpPeer plain;
  plain.script({{.raw = RawResponse{.prefix = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
                                    .before_request = true}}});
  BeastSender sender(hostile_options());

  SendResult result = send(sender, https_url(plain));

  EXPECT_EQ(result.outcome, SendOutcome::network_error);
  EXPECT_EQ(result.error, "TLS handshake failed: wrong version number");
  EXPECT_EQ(plain.accepted_connections(), 1u);
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total_pages = 0;
  std::size_t resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// A memory bound, not a timing one: what each oversized response leaves
// behind must not add up.
TEST(HostileReceiverMemory, StaysFlatAcrossManyOversizedResponses) {
  constexpr int warm_up = 20;
  constexpr int measured = 100;
  constexpr std::size_t allowed_growth = 64 * 1024 * 1024;
  TestHttpPeer big;
  TestHttpPeer endless;
  for (int i = 0; i < warm_up + measured; ++i) {
    big.script({{.raw = ten_megabyte_body(500)}});
    endless.script({{.raw = endless_chunked_body(503)}});
  }
  BeastSender sender(hostile_options());
  auto send_batch = [&](int count) {
    for (int i = 0; i < count; ++i) {
      SendResult from_big = send(sender, http_url(big));
      SendResult from_endless = send(sender, http_url(endless));
      ASSERT_EQ(from_big.status_code, 500) << from_big.error;
      ASSERT_EQ(from_endless.status_code, 503) << from_endless.error;
    }
  };

  send_batch(warm_up);
  const std::size_t before = resident_bytes();
  send_batch(measured);
  const std::size_t after = resident_bytes();

  ASSERT_GT(before, 0u);
  EXPECT_LT(after, before + allowed_growth) << "resident " << before << " -> " << after << " bytes";
  EXPECT_EQ(big.requests().size() + endless.requests().size(), 2u * (warm_up + measured));
}

}  // namespace
}  // namespace hookgate::testing

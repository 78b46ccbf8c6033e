// RFC 9112 §6-§7 framing, read the way the server reads a connection: every
// request whose body length is in doubt is refused and nothing after it is
// read as another request.

#include "http/request_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace hookgate::http {
namespace {

const ReadLimits limits{16 * 1024, 1024};
const std::string smuggled = "GET /v1/smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

std::vector<ReadOutcome> read(const std::string& bytes) { return read_requests(bytes, limits); }

const Request& request_at(const std::vector<ReadOutcome>& outcomes, std::size_t i) {
  return std::get<Request>(outcomes.at(i));
}

// The connection's only answer is `code`, and nothing after it was read.
void expect_refused_alone(const std::string& bytes, Errc code = Errc::malformed_request) {
  auto outcomes = read(bytes);
  ASSERT_EQ(outcomes.size(), 1u) << bytes;
  ASSERT_TRUE(std::holds_alternative<ApiError>(outcomes[0])) << bytes;
  EXPECT_EQ(std::get<ApiError>(outcomes[0]).code(), code) << bytes;
}

std::string post_with(const std::string& framing_headers, const std::string& body, const char* version = "1.1") {
  return std::string("POST /v1/webhook_endpoints HTTP/") + version + "\r\nHost: a\r\n" + framing_headers + "\r\n" +
         body;
}

TEST(RequestFraming, TransferEncodingOtherThanChunkedAloneIsRefusedAndNothingAfterItIsRead) {
  for (const char* coding : {"xchunked", "identity", "gzip", "chunked, identity", "gzip, chunked", "chunked;ext=1",
                             "chunked, chunked", "", " , ", "deflate,chunked"}) {
    SCOPED_TRACE(coding);
    expect_refused_alone(post_with(std::string("Transfer-Encoding: ") + coding + "\r\n", smuggled));
  }
}

TEST(RequestFraming, TransferEncodingOnTwoLinesCombinesIntoOneList) {
  expect_refused_alone(post_with("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + smuggled));
  expect_refused_alone(post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"));
}

TEST(RequestFraming, ChunkedInAnyCaseIsRead) {
  auto outcomes = read(post_with("Transfer-Encoding: ChUnKeD\r\n", "3\r\nabc\r\n0\r\n\r\n" + smuggled));
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(request_at(outcomes, 0).body, "abc");
  EXPECT_EQ(request_at(outcomes, 1).target, "/v1/smuggled");
}

TEST(RequestFraming, ContentLengthWithTransferEncodingIsRefusedInEitherOrder) {
  expect_refused_alone(post_with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + smuggled));
  expect_refused_alone(post_with("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n" + smuggled));
  expect_refused_alone(post_with("Transfer-Encoding: gzip\r\nContent-Length: 3\r\n", "abc" + smuggled));
}

TEST(RequestFraming, TransferEncodingInHttp10IsRefused) {
  expect_refused_alone(post_with("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n", "1.0"));
}

TEST(RequestFraming, ContentLengthMustBeOneDecimalNumberOnOneLine) {
  for (const char* lengths : {"Content-Length: 3, 3\r\n", "Content-Length: 3\r\nContent-Length: 3\r\n",
                              "Content-Length: 3\r\nContent-Length: 4\r\n", "Content-Length: 3,4\r\n",
                              "Content-Length: +3\r\n", "Content-Length: -3\r\n", "Content-Length: 0x3\r\n",
                              "Content-Length: 3 3\r\n", "Content-Length: \r\n",
                              "Content-Length: 99999999999999999999999\r\n"}) {
    SCOPED_TRACE(lengths);
    expect_refused_alone(post_with(lengths, "abc" + smuggled));
  }
}

TEST(RequestFraming, AContentLengthBodyIsReadExactlyAndTheNextRequestAfterIt) {
  auto outcomes = read(post_with("Content-Length:  5 \r\n", "{\"a\"}" + smuggled));
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(request_at(outcomes, 0).body, "{\"a\"}");
  EXPECT_EQ(request_at(outcomes, 1).target, "/v1/smuggled");
}

TEST(RequestFraming, ADeclaredBodyOverTheLimitIsRefusedBeforeItIsRead) {
  expect_refused_alone(post_with("Content-Length: 1025\r\n", ""), Errc::body_too_large);
}

TEST(RequestFraming, AChunkedBodyOverTheLimitIsRefused) {
  std::string chunk(600, 'x');
  expect_refused_alone(post_with("Transfer-Encoding: chunked\r\n", "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"),
                       Errc::body_too_large);
}

TEST(RequestFraming, MalformedLinesAreRefused) {
  expect_refused_alone("GET / HTTP/1.1\nHost: a\n\n");                        // bare LF throughout
  expect_refused_alone("GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n");          // a bare LF inside
  expect_refused_alone("GET / HTTP/1.1\r\nHost : a\r\n\r\n");                 // whitespace before the colon
  expect_refused_alone("GET / HTTP/1.1\r\n Host: a\r\n\r\n");                 // a first line that is a fold
  expect_refused_alone(std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 36));  // NUL in a value
  expect_refused_alone("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n");     // a control character
  expect_refused_alone("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n");               // a space in the target
  expect_refused_alone("GET / HTTP/2.0\r\nHost: a\r\n\r\n");
  expect_refused_alone("GET / HTTP/1.1\r\nHost: a\r\nX-\xff: b\r\n\r\n");    // a non-token name
}

TEST(RequestFraming, ObsoleteLineFoldingBecomesASpaceAndCannotHideACoding) {
  auto outcomes = read("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(request_at(outcomes, 0).header("x-a"), "b c");
  expect_refused_alone(post_with("Transfer-Encoding: chunked\r\n , identity\r\n", "0\r\n\r\n" + smuggled));
}

TEST(RequestFraming, BadChunkSizesAndChunkFramingAreRefused) {
  for (const char* body : {"ffffffffffffffffff\r\nabc\r\n0\r\n\r\n", "-3\r\nabc\r\n0\r\n\r\n", "0x3\r\nabc\r\n0\r\n\r\n",
                           "3\r\nabcd\r\n0\r\n\r\n", "3\nabc\r\n0\r\n\r\n", "z\r\n\r\n", " 3\r\nabc\r\n0\r\n\r\n"}) {
    SCOPED_TRACE(body);
    expect_refused_alone(post_with("Transfer-Encoding: chunked\r\n", body + smuggled));
  }
}

TEST(RequestFraming, ChunkExtensionsAreSkipped) {
  auto outcomes = read(post_with("Transfer-Encoding: chunked\r\n", "3;name=value;x\r\nabc\r\n0;last\r\n\r\n"));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(request_at(outcomes, 0).body, "abc");
}

TEST(RequestFraming, TrailersNeverReachTheRequestHeaders) {
  auto outcomes =
      read(post_with("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nAuthorization: Bearer sk_x\r\n\r\n" + smuggled));
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(request_at(outcomes, 0).body, "abc");
  EXPECT_FALSE(request_at(outcomes, 0).header("authorization"));
  EXPECT_EQ(request_at(outcomes, 1).target, "/v1/smuggled");
  // A trailer that would reframe the message is refused outright.
  expect_refused_alone(post_with("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nContent-Length: 5\r\n\r\n"));
}

TEST(RequestFraming, ABodyOnGetOrHeadIsRefusedAndTheConnectionGoesOn) {
  for (const char* method : {"GET", "HEAD"}) {
    SCOPED_TRACE(method);
    auto outcomes = read(std::string(method) + " /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + smuggled);
    ASSERT_EQ(outcomes.size(), 2u);
    ASSERT_TRUE(std::holds_alternative<ApiError>(outcomes[0]));
    EXPECT_NE(std::string(std::get<ApiError>(outcomes[0]).what()).find(method), std::string::npos);
    EXPECT_EQ(request_at(outcomes, 1).target, "/v1/smuggled");
  }
  auto empty = read("GET /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Request>(empty[0]));
  auto deleted = read("DELETE /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Request>(deleted[0])) << "a DELETE body is read and ignored";
}

TEST(RequestFraming, Http11NeedsExactlyOneHost) {
  expect_refused_alone("GET / HTTP/1.1\r\n\r\n" + smuggled);
  expect_refused_alone("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + smuggled);
  auto outcomes = read("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Request>(outcomes[0]));
}

TEST(RequestFraming, AnIncompleteRequestIsNotAnsweredYet) {
  EXPECT_TRUE(read("GET / HTTP/1.1\r\nHost: a\r\n").empty());
  EXPECT_TRUE(read(post_with("Content-Length: 10\r\n", "abc")).empty());
  EXPECT_TRUE(read(post_with("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n")).empty());
}

TEST(RequestFraming, OversizedHeadersAreRefused) {
  expect_refused_alone("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(20 * 1024, 'a') + "\r\n\r\n",
                       Errc::headers_too_large);
}

}  // namespace
}  // namespace hookgate::http

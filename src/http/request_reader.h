#pragma once
// Reading requests off a byte stream with Beast's parser. The server (from a
// socket) and the request fuzzer and framing tests (from memory) share these
// steps, so all of them exercise the same checks. Brings in Beast's parser:
// include it only from server.cpp and those tests.

#include "core/error.h"
#include "http/message.h"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace hookgate::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

struct ReadLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

// A fresh parser per request, so the limits apply to each one.
void configure_parser(RequestParser& parser, const ReadLimits& limits);

// What a failed read is answered with (a limit or malformed HTTP); nullopt
// for a timeout or a peer that went away, which end the connection silently.
std::optional<ApiError> read_failure(const boost::beast::error_code& error, const ReadLimits& limits);

// Once the header block is parsed: the request without its body. Headers are
// taken now, so chunked trailers never reach the handler.
Request header_request(const RequestParser& parser);

// Why a parsed header is refused before any body byte is read: framing that
// leaves the body's end in doubt, or a declared body over the limit. The
// connection is closed after the answer.
std::optional<ApiError> header_refusal(const RequestParser& parser, const Request& request,
                                       const ReadLimits& limits);

// Why a whole request is refused although its framing is sound (the
// connection can stay open): a body on GET or HEAD.
std::optional<ApiError> body_refusal(const Request& request);

// Reads as many requests as `bytes` holds, the way the server reads them off
// one connection: stops at the first refusal (which closes a connection) or
// at bytes that do not complete a request. For the fuzzer and tests.
using ReadOutcome = std::variant<Request, ApiError>;
std::vector<ReadOutcome> read_requests(std::string_view bytes, const ReadLimits& limits);

}  // namespace hookgate::http

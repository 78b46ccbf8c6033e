#pragma once
// The parts of RFC 9112 message framing (§6-§7) that Beast's parser leaves to
// its caller, applied to a request's method and header lines (no body yet). A request whose body length cannot be known for certain is
// refused and its connection closed, so no bytes of it are ever read as a
// second request (request smuggling). Pure functions, no Beast.

#include "http/message.h"

#include <optional>
#include <string>
#include <string_view>

namespace hookgate::http {

// Why the header block's framing is refused, worded for the client; nullopt
// when it is sound. `version` is 10 or 11. Checks: Transfer-Encoding must be
// `chunked` alone (any other coding, a list, or parameters are refused), is
// not allowed in HTTP/1.0 and never together with Content-Length;
// Content-Length appears at most once, as one decimal number (no lists, even
// of equal values); an HTTP/1.1 request has exactly one Host.
std::optional<std::string> framing_problem(unsigned version, const Request& request);

// A GET or HEAD request carries no body here (RFC 9110 §9.3.1: it has no
// meaning and is a known smuggling vector); nullopt when the method may have
// one or the body is empty. Its framing is sound (the body was read), so the
// connection can stay open. Other bodiless methods' bodies are ignored.
std::optional<std::string> unexpected_body(std::string_view method, std::size_t body_bytes);

}  // namespace hookgate::http

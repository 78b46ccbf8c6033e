#include "http/framing.h"

#include <algorithm>
#include <vector>

namespace hookgate::http {

namespace {

// The non-empty elements of every field line named `name`, in order (RFC
// 9110 §5.6.1: lines of one field combine as one comma-separated list).
std::vector<std::string_view> list_elements(const Request& request, std::string_view name) {
  std::vector<std::string_view> elements;
  for (const auto& [key, value] : request.headers) {
    if (!iequals_ascii(key, name)) continue;
    std::string_view rest = value;
    for (;;) {
      auto comma = rest.find(',');
      auto element = trim_ows(rest.substr(0, comma));
      if (!element.empty()) elements.push_back(element);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return elements;
}

bool is_decimal(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<std::string> framing_problem(unsigned version, const Request& request) {
  std::size_t lengths = request.header_count("Content-Length");
  if (request.header_count("Transfer-Encoding") > 0) {
    if (version < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request.";
    if (lengths > 0) return "A request must not carry both Content-Length and Transfer-Encoding.";
    auto codings = list_elements(request, "Transfer-Encoding");
    if (codings.size() != 1 || !iequals_ascii(codings.front(), "chunked")) {
      return "Transfer-Encoding must be \"chunked\" alone; no other transfer coding is accepted.";
    }
  }
  if (lengths > 1) return "Content-Length must appear at most once.";
  if (lengths == 1 && !is_decimal(trim_ows(*request.header("Content-Length")))) {
    return "Content-Length must be a single decimal number.";
  }
  if (version >= 11 && request.header_count("Host") != 1) {
    return "An HTTP/1.1 request must carry exactly one Host header.";
  }
  return std::nullopt;
}

std::optional<std::string> unexpected_body(std::string_view method, std::size_t body_bytes) {
  if (body_bytes == 0) return std::nullopt;
  for (std::string_view bodiless : {"GET", "HEAD"}) {
    if (method == bodiless) return "A " + std::string(method) + " request takes no body.";
  }
  return std::nullopt;
}

}  // namespace hookgate::http

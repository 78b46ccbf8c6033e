#pragma once
// Plain request and response types. The Beast server converts to and from
// these, so nothing below the HTTP transport includes Beast.

#include <nlohmann/json_fwd.hpp>

#include <any>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookgate::http {

// Header names (and other ASCII tokens) compare case-insensitively.
bool iequals_ascii(std::string_view a, std::string_view b);
// Without leading and trailing spaces and tabs (RFC 9110's optional whitespace).
std::string_view trim_ows(std::string_view text);

struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as received, e.g. "/v1/x?limit=3"
  std::string path;    // percent-decoded path of target
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string request_id;
  std::string peer_address;  // the socket's remote address, e.g. "127.0.0.1"
  std::map<std::string, std::string> path_params;  // filled by the router

  // Filled on the way through, for the request's log line and metrics.
  std::string route;  // the matched route's name
  // Extra fields for the log line from whoever handled the request (the
  // gate adds the caller's account and key id, never the key itself).
  std::vector<std::pair<std::string, std::string>> log_fields;
  // What a route's inline phase decided, for its blocking phase to go on
  // from (the gate's decision, so a request is admitted once).
  std::any handoff;

  // Case-insensitive; the first value when repeated.
  std::optional<std::string_view> header(std::string_view name) const;
  // How many times a header appears (for rejecting duplicated credentials).
  std::size_t header_count(std::string_view name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set_header(std::string name, std::string value);
};

Response json_response(int status, const nlohmann::json& body);

}  // namespace hookgate::http

#pragma once
// Maps (method, path pattern) to handlers and is the one place where
// failures become HTTP responses: ApiError → its status and JSON body (plus
// Retry-After where the error says), a lost database connection → 503 (the
// database layer decides which failures are that), anything else → a logged
// 500 that reveals nothing.

#include "http/message.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate::http {

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/v1/webhook_endpoints/{id}": {name} matches one non-empty segment
  std::string name;     // stable label for logs and metrics, e.g. "endpoints.retrieve"
  Handler handler;
};

class Router {
 public:
  void add(Route route);

  // Parses the target, finds the route and runs it; never throws.
  Response dispatch(Request& request) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Parses request.target into path and query; false when it is not a valid
// origin-form target. Throws ApiError when the decoded path (malformed_request)
// or a query parameter (invalid_parameter) is not storable text.
bool parse_target(Request& request);

// Builds the error response for any exception escaping a handler.
Response error_response(std::exception_ptr error, const Request& request);

}  // namespace hookgate::http

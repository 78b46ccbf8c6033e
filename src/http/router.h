#pragma once
// Maps (method, path pattern) to handlers and is the one place where
// failures become HTTP responses: ApiError → its status and JSON body (plus
// Retry-After where the error says), a failure the installed translator
// knows (the api layer's: a lost database → 503) → its ApiError, anything
// else → a logged 500 that reveals nothing.

#include "core/error.h"
#include "http/message.h"

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate::http {

using Handler = std::function<Response(Request&)>;

// Names the ApiError a failure that is not one stands for; nullopt when it
// is unknown to the translator (it then becomes a 500).
using ErrorTranslator = std::function<std::optional<ApiError>(const std::exception&, const Request&)>;

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/v1/webhook_endpoints/{id}": {name} matches one non-empty segment
  std::string name;     // stable label for logs and metrics, e.g. "endpoints.retrieve"
  Handler handler;
  // False for a handler that never waits (no database, no lock held long):
  // it is answered on the I/O thread that read the request, without the
  // hop to the blocking pool and back.
  bool blocking = true;
  // For a blocking route, tried first on the I/O thread: a response when the
  // request can be answered without blocking (a refusal from what is in
  // memory), nullopt to have `handler` run on the blocking pool.
  std::function<std::optional<Response>(Request&)> answer_inline = nullptr;
};

class Router {
 public:
  explicit Router(ErrorTranslator translate = nullptr) : translate_(std::move(translate)) {}

  void add(Route route);

  // Parses the target, finds the route and runs it; never throws.
  Response dispatch(Request& request) const;
  // The same for a request whose answer needs no blocking work (a route not
  // marked blocking or whose answer_inline answers, an unknown route or
  // method, a malformed target); nullopt when dispatch() must run it.
  std::optional<Response> dispatch_inline(Request& request) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    std::vector<std::string> allowed;  // the methods the path has, when route is null
  };
  Match match(Request& request) const;
  Response run(const Match& match, Request& request) const;

  ErrorTranslator translate_;
  std::vector<Route> routes_;
};

// Parses request.target into path and query; false when it is not a valid
// origin-form target. Throws ApiError when the decoded path (malformed_request)
// or a query parameter (invalid_parameter) is not storable text.
bool parse_target(Request& request);

// Builds the error response for any exception escaping a handler.
Response error_response(std::exception_ptr error, const Request& request, const ErrorTranslator& translate = nullptr);

}  // namespace hookgate::http

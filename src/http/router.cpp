#include "http/router.h"

#include "core/error.h"
#include "core/log.h"
#include "core/storable_text.h"

#include <boost/url/parse.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace hookgate::http {

namespace {

// Walks both paths segment by segment ('/'-separated, after the leading '/')
// without building vectors: every route is tried in turn on every request.
bool match_pattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  std::map<std::string, std::string> found;
  std::size_t w_start = 1, a_start = 1;  // paths start with '/'
  for (;;) {
    auto w_end = std::min(pattern.find('/', w_start), pattern.size());
    auto a_end = std::min(path.find('/', a_start), path.size());
    auto w = pattern.substr(w_start, w_end - w_start);
    auto actual = path.substr(a_start, a_end - a_start);
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (actual.empty()) return false;
      found.emplace(std::string(w.substr(1, w.size() - 2)), std::string(actual));
    } else if (w != actual) {
      return false;
    }
    bool pattern_done = w_end == pattern.size();
    bool path_done = a_end == path.size();
    if (pattern_done || path_done) {
      if (pattern_done != path_done) return false;  // different segment counts
      break;
    }
    w_start = w_end + 1;
    a_start = a_end + 1;
  }
  params = std::move(found);
  return true;
}

}  // namespace

// Browsers and curl send Stripe-style parameters such as `created[gte]` with
// bare brackets, which RFC 3986 reserves; they are accepted as if encoded.
std::string encode_brackets(std::string_view target) {
  std::string out;
  out.reserve(target.size() + 8);
  for (char c : target) {
    if (c == '[') out += "%5B";
    else if (c == ']') out += "%5D";
    else out += c;
  }
  return out;
}

bool parse_target(Request& request) {
  std::string encoded;
  std::string_view target = request.target;
  if (target.find_first_of("[]") != std::string_view::npos) target = encoded = encode_brackets(target);
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return false;
  request.path = parsed->path();
  // Decoded text reaches SQL and error messages; PostgreSQL refuses (and
  // libpq cuts at) what is not storable text.
  if (!is_storable_text(request.path)) {
    throw ApiError(Errc::malformed_request,
                   "The request path must be UTF-8 text without U+0000 once percent-decoded.");
  }
  request.query.clear();
  auto as_sent = parsed->encoded_params().begin();
  for (auto param : parsed->params()) {
    if (!is_storable_text(param.key)) {
      // Named as sent (percent-encoded, so printable), and bounded.
      constexpr std::size_t kMaxNameBytes = 100;
      std::string sent((*as_sent).key.substr(0, kMaxNameBytes));
      throw unstorable_text(sent.size() < (*as_sent).key.size() ? sent + "..." : sent);
    }
    require_storable_text(param.value, param.key);
    request.query.emplace_back(param.key, param.value);
    ++as_sent;
  }
  return !request.path.empty() && request.path.front() == '/';
}

namespace {

Response api_error_response(const ApiError& error, const Request& request) {
  auto response = json_response(http_status(error.code()), error_body(error, request.request_id));
  if (int seconds = retry_after_seconds(error.code()); seconds > 0) {
    response.set_header("Retry-After", std::to_string(seconds));
  }
  // RFC 9110 asks a 401 to name its scheme. Basic keys are accepted too,
  // but a Basic challenge would open a browser's login box.
  if (response.status == 401) response.set_header("WWW-Authenticate", "Bearer realm=\"hookgate\"");
  return response;
}

}  // namespace

Response error_response(std::exception_ptr error, const Request& request, const ErrorTranslator& translate) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& api_error) {
    return api_error_response(api_error, request);
  } catch (const std::exception& unexpected) {
    if (auto translated = translate ? translate(unexpected, request) : std::nullopt) {
      return api_error_response(*translated, request);
    }
    log::error("unhandled error", {{"request_id", request.request_id}, {"error", unexpected.what()}});
  } catch (...) {
    log::error("unhandled non-standard exception", {{"request_id", request.request_id}});
  }
  return api_error_response(
      ApiError(Errc::internal, "An internal error occurred; quote the request id when reporting it."), request);
}

void Router::add(Route route) { routes_.push_back(std::move(route)); }

Router::Match Router::match(Request& request) const {
  if (!parse_target(request)) {
    throw ApiError(Errc::malformed_request, "The request target is not a valid path.");
  }
  Match found;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!match_pattern(route.pattern, request.path, params)) continue;
    if (route.method != request.method) {
      if (std::find(found.allowed.begin(), found.allowed.end(), route.method) == found.allowed.end()) {
        found.allowed.push_back(route.method);
      }
      continue;
    }
    request.path_params = std::move(params);
    request.route = route.name;
    found.route = &route;
    return found;
  }
  return found;
}

Response Router::run(const Match& match, Request& request) const {
  if (match.route) return match.route->handler(request);
  if (match.allowed.empty()) {
    throw ApiError(Errc::route_not_found, "No route matches " + request.method + " " + request.path + ".");
  }
  std::string allow;
  for (const auto& method : match.allowed) allow += (allow.empty() ? "" : ", ") + method;
  auto response = error_response(
      std::make_exception_ptr(ApiError(Errc::method_not_allowed, request.method + " is not allowed on " +
                                                                       request.path + "; allowed: " + allow + ".")),
      request);
  response.set_header("Allow", allow);
  return response;
}

Response Router::dispatch(Request& request) const {
  try {
    return run(match(request), request);
  } catch (...) {
    return error_response(std::current_exception(), request, translate_);
  }
}

std::optional<Response> Router::dispatch_inline(Request& request) const {
  try {
    auto found = match(request);
    if (!found.route || !found.route->blocking) return run(found, request);
    if (!found.route->answer_inline) return std::nullopt;
    return found.route->answer_inline(request);
  } catch (...) {
    return error_response(std::current_exception(), request, translate_);
  }
}

}  // namespace hookgate::http

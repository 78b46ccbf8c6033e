#include "api/dashboard_route.h"

#include <stdexcept>
#include <string>

namespace hookgate {

namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string_view file_bytes(std::string_view name) {
  for (const auto& file : dashboard_files()) {
    if (file.name == name) return file.bytes;
  }
  throw std::logic_error("dashboard file not embedded: " + std::string(name));
}

http::Handler serve(std::string_view name, std::string content_type) {
  std::string body(file_bytes(name));  // found at start-up, so a missing file fails loudly
  return [body = std::move(body), content_type = std::move(content_type)](http::Request&) {
    http::Response response;
    response.status = 200;
    response.content_type = content_type;
    response.body = body;
    response.set_header("Content-Security-Policy", kContentSecurityPolicy);
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "no-referrer");
    response.set_header("Cache-Control", "no-cache");
    return response;
  };
}

// A redirect to the dashboard, so `/` and `/dashboard/` lead somewhere.
http::Handler redirect_to_dashboard(int status) {
  return [status](http::Request&) {
    auto response = http::json_response(status, {{"location", "/dashboard"}});
    response.set_header("Location", "/dashboard");
    return response;
  };
}

}  // namespace

void add_dashboard_routes(http::Router& router) {
  // The service's root is its dashboard (found, not moved: the root may serve more one day).
  router.add({"GET", "/", "dashboard.root", redirect_to_dashboard(302), false});
  router.add({"GET", "/dashboard/", "dashboard.slash", redirect_to_dashboard(308), false});
  // Embedded files: answered on the I/O threads (Route::blocking).
  router.add({"GET", "/dashboard", "dashboard.page", serve("index.html", "text/html; charset=utf-8"), false});
  router.add(
      {"GET", "/dashboard/app.js", "dashboard.script", serve("app.js", "text/javascript; charset=utf-8"), false});
  router.add({"GET", "/dashboard/style.css", "dashboard.style", serve("style.css", "text/css; charset=utf-8"), false});
}

}  // namespace hookgate

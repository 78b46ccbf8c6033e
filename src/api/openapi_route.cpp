#include "api/openapi_route.h"

#include "api/request_decoding.h"

#include <stdexcept>
#include <string>

namespace hookgate {

std::string_view openapi_document() {
  for (const auto& file : openapi_files()) {
    if (file.name == "openapi.json") return file.bytes;
  }
  throw std::logic_error("openapi/openapi.json is not embedded in this build");
}

void add_openapi_route(http::Router& router) {
  // Looked up once, when the routes are built, so a build without the file fails at start.
  std::string document(openapi_document());
  router.add({"GET", "/v1/openapi.json", "openapi.document", [document = std::move(document)](http::Request& request) {
                reject_unknown_query(request, {});
                http::Response response;
                response.status = 200;
                response.content_type = "application/json";
                response.body = document;
                response.set_header("Cache-Control", "no-cache");
                return response;
              },
              false});
}

}  // namespace hookgate

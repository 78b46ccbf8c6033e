#pragma once
// GET /v1/openapi.json: the OpenAPI 3.1 document of the /v1 API, exactly as
// kept in the repository (openapi/openapi.json) and compiled into the binary.

#include "http/router.h"

#include <span>
#include <string_view>

namespace hookgate {

// One file of openapi/ at the top of the repository.
struct OpenApiFile {
  std::string_view name;   // "openapi.json"
  std::string_view bytes;
};

// The files of openapi/, embedded at build time by cmake/EmbedFiles.cmake.
std::span<const OpenApiFile> openapi_files();

// The document's bytes; throws std::logic_error when the build did not embed it.
std::string_view openapi_document();

// Adds GET /v1/openapi.json. It is documentation, so it needs no API key and
// does not pass through the gate; unknown query parameters are refused as on
// every /v1 route.
void add_openapi_route(http::Router& router);

}  // namespace hookgate

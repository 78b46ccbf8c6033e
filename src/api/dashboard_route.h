#pragma once

#include "http/router.h"

#include <span>
#include <string_view>

namespace hookgate {

// One file of the dashboard page (dashboard/ at the top of the repository).
struct DashboardFile {
  std::string_view name;   // e.g. "app.js"
  std::string_view bytes;
};

// The files of dashboard/, embedded at build time by cmake/EmbedFiles.cmake.
std::span<const DashboardFile> dashboard_files();

// GET /dashboard (the page), /dashboard/app.js and /dashboard/style.css. No
// key is needed to load them: the page asks for a key and calls the public
// /v1 API itself. A strict Content-Security-Policy allows only same-origin
// scripts, styles and requests.
void add_dashboard_routes(http::Router& router);

}  // namespace hookgate

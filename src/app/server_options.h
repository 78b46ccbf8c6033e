#pragma once
// The HTTP server's settings, taken from the process configuration.

#include "app/config.h"
#include "http/server.h"

#include <memory>

namespace hookgate {

class App;

http::ServerOptions server_options(const Config& config);

// The API server of `app` (not yet started): requests that need no blocking
// work are answered on its I/O threads, the rest on its handler threads.
std::unique_ptr<http::Server> make_server(const Config& config, App& app);

}  // namespace hookgate

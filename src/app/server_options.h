#pragma once
// The HTTP server's settings, taken from the process configuration.

#include "app/config.h"
#include "http/server.h"

namespace hookgate {

http::ServerOptions server_options(const Config& config);

}  // namespace hookgate

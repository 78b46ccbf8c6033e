#include "app/server_options.h"

#include "app/app.h"

namespace hookgate {

http::ServerOptions server_options(const Config& config) {
  return {.listen = config.listen,
          .io_threads = config.http_threads,
          .handler_threads = config.db_pool_size,
          .max_header_bytes = config.max_header_bytes,
          .max_body_bytes = config.max_body_bytes,
          .read_timeout = config.read_timeout,
          .idle_timeout = config.idle_timeout,
          .shutdown_grace = config.shutdown_grace};
}

std::unique_ptr<http::Server> make_server(const Config& config, App& app) {
  return std::make_unique<http::Server>(
      server_options(config), [&app](http::Request& request) { return app.handle(request); },
      [&app](http::Request& request) { return app.handle_inline(request); });
}

}  // namespace hookgate

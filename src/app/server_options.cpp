#include "app/server_options.h"

namespace hookgate {

http::ServerOptions server_options(const Config& config) {
  http::ServerOptions options;
  options.listen = config.listen;
  options.io_threads = config.http_threads;
  options.handler_threads = config.db_pool_size;
  options.max_header_bytes = config.max_header_bytes;
  options.max_body_bytes = config.max_body_bytes;
  options.read_timeout = config.read_timeout;
  options.idle_timeout = config.idle_timeout;
  options.shutdown_grace = config.shutdown_grace;
  return options;
}

}  // namespace hookgate

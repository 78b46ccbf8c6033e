#pragma once
// The HTTP/1.1 server: Boost.Beast coroutines on a few Asio threads, with the
// request handler run on a separate pool of blocking threads (it may use
// libpqxx). Beast stays inside server.cpp; callers see only message.h types.

#include "core/listen_address.h"
#include "http/message.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

namespace hookgate::http {

struct ServerOptions {
  ListenAddress listen;
  std::size_t io_threads = 1;
  std::size_t handler_threads = 4;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{10'000};
};

// Runs on a handler thread; must not throw (Router::dispatch never does).
using RequestHandler = std::function<Response(Request&)>;
// Runs first, on the I/O thread that read the request: its response when the
// request needs no blocking work (Router::dispatch_inline), nullopt to have
// RequestHandler answer it on a handler thread.
using InlineHandler = std::function<std::optional<Response>(Request&)>;

class Server {
 public:
  Server(ServerOptions options, RequestHandler handler, InlineHandler inline_handler = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads; returns the bound port.
  unsigned short start();
  // Graceful stop: no new connections, idle connections closed, in-flight
  // requests answered (with Connection: close) within shutdown_grace.
  void request_stop();
  // Blocks until the server has stopped.
  void wait();
  // start(), then stop gracefully on SIGINT or SIGTERM; returns when stopped.
  void run_until_signal();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookgate::http

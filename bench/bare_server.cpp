// The API benchmark's yardstick: the least an HTTP/1.1 server built on the
// same Boost.Beast and Asio can do per request. One coroutine per
// kept-alive connection reads a request and answers the JSON body hookgate's
// /healthz sends, with a Server header and a Content-Type, nothing else.
//
//   hookgate_bench_bare_server --port-file <path> [--threads N]
//
// Listens on 127.0.0.1 on a free port, writes the port to --port-file once
// listening (a temporary file, then rename), and runs until SIGTERM or
// SIGINT. --threads (default 1) is how many threads run the io_context, so
// the comparison can use the I/O thread count hookgate is given.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, request, use_tuple);
    if (read_ec) co_return;  // the peer closed, or sent garbage
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::server, "bare");
    response.set(http::field::content_type, "application/json");
    response.body() = R"({"status":"ok"})";
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [write_ec, write_bytes] = co_await http::async_write(stream, response, use_tuple);
    if (write_ec || !response.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true));
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve(std::move(socket)), asio::detached);
  }
}

[[noreturn]] void usage() {
  std::cerr << "usage: hookgate_bench_bare_server --port-file <path> [--threads N]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string port_file;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) usage();
    if (arg == "--port-file") {
      port_file = argv[++i];
    } else if (arg == "--threads") {
      threads = std::atoi(argv[++i]);
    } else {
      usage();
    }
  }
  if (port_file.empty() || threads < 1) usage();

  asio::io_context io(threads);
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  {
    std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << acceptor.local_endpoint().port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  asio::co_spawn(io, accept(acceptor), asio::detached);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&io](beast::error_code, int) { io.stop(); });
  std::vector<std::thread> extra;
  for (int i = 1; i < threads; ++i) extra.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : extra) thread.join();
  return 0;
}

// The delivery benchmark's receiver: answers every HTTP/1.1 request with
// 200 on kept-alive connections and does nothing else, so the machine's CPU
// goes to hookgate and PostgreSQL rather than to the receiver. (Signatures
// are verified by the test suite's Node receiver, not here.)
//
//   hookgate_bench_receiver --port-file <path> [--port N]
//
// Listens on 127.0.0.1 (port 0 picks a free one), writes the port to
// --port-file once listening (a temporary file, then rename), and runs until
// SIGTERM or SIGINT, when it prints how many requests it answered.
// `GET /count` answers that number so far (itself not counted), so a bench
// can sample the delivery rate while it runs.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::atomic<std::uint64_t> answered{0};

// One connection: read a request, answer it, repeat until the peer closes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : stream_(std::move(socket)) {
    response_.result(http::status::ok);
    response_.set(http::field::content_type, "text/plain");
    response_.body() = "ok";
    response_.prepare_payload();
  }

  void read() {
    // A parser reads one message: a fresh one per request.
    request_.emplace();
    // Webhook bodies are bounded by hookgate's own payload limit.
    request_->body_limit(1024 * 1024);
    http::async_read(stream_, buffer_, *request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec) return;  // closed by the peer, or garbage: drop the connection
    bool count_query = request_->get().method() == http::verb::get && request_->get().target() == "/count";
    auto& response = count_query ? count_response_ : response_;
    if (count_query) {
      count_response_.result(http::status::ok);
      count_response_.body() = std::to_string(answered.load(std::memory_order_relaxed));
      count_response_.prepare_payload();
    }
    response.keep_alive(request_->keep_alive());
    http::async_write(stream_, response,
                      [self = shared_from_this(), count_query, &response](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (!count_query) answered.fetch_add(1, std::memory_order_relaxed);
                        if (response.keep_alive()) self->read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> request_;
  http::response<http::string_body> response_;
  http::response<http::string_body> count_response_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket))->read();
    }
    accept(acceptor);
  });
}

[[noreturn]] void usage() {
  std::cerr << "usage: hookgate_bench_receiver --port-file <path> [--port N]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string port_file;
  unsigned short port = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) usage();
    if (arg == "--port-file") {
      port_file = argv[++i];
    } else if (arg == "--port") {
      port = static_cast<unsigned short>(std::stoi(argv[++i]));
    } else {
      usage();
    }
  }
  if (port_file.empty()) usage();

  // One thread: a request costs a few microseconds, and a second thread
  // would take a core from what is being measured.
  asio::io_context io(1);
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
  {
    std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << acceptor.local_endpoint().port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  accept(acceptor);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&io](beast::error_code, int) { io.stop(); });
  io.run();
  std::cout << "answered " << answered.load() << " requests\n";
  return 0;
}

// The only translation unit that includes Beast's server side: keeping it
// here keeps the rest of the build fast.

#include "http/server.h"

#include "core/error.h"
#include "core/log.h"
#include "core/typed_id.h"
#include "http/request_reader.h"
#include "http/router.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

namespace hookgate::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct Session {
  explicit Session(tcp::socket socket) : stream(std::move(socket)) {
    beast::error_code ec;
    auto remote = stream.socket().remote_endpoint(ec);
    if (!ec) peer_address = remote.address().to_string();
  }
  beast::tcp_stream stream;
  std::string peer_address;
  bool waiting_for_request = false;  // touched only on the session's strand
};

struct RequestTag {
  static constexpr std::string_view prefix = "req_";
};
using RequestId = Id<RequestTag>;

// Request ids only tell log lines apart: a seeded generator, not the CSPRNG.
std::string new_request_id() {
  thread_local SeededRandom random;
  return RequestId::generate(random).str();
}

Response refusal_response(const ApiError& refusal, const Request& request) {
  auto response = error_response(std::make_exception_ptr(refusal), request);
  response.set_header("Request-Id", request.request_id);
  return response;
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, RequestHandler handler, InlineHandler inline_handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        inline_handler_(std::move(inline_handler)),
        handlers_(options_.handler_threads),
        control_(net::make_strand(ioc_)),
        acceptor_(control_) {}

  ~Impl() {
    request_stop();
    wait();
  }

  unsigned short start() {
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(options_.listen.host, std::to_string(options_.listen.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service);
    tcp::endpoint endpoint = *endpoints.begin();
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(control_, accept_loop(), net::detached);
    for (std::size_t i = 0; i < options_.io_threads; ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    return port_;
  }

  void request_stop() {
    net::post(control_, [this] { begin_shutdown(); });
  }

  void wait() {
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    threads_.clear();
    handlers_.join();
  }

  void run_until_signal() {
    signals_.emplace(control_, SIGINT, SIGTERM);
    signals_->async_wait([this](const beast::error_code& ec, int signal) {
      if (ec) return;
      log::info("shutting down", {{"signal", signal}});
      begin_shutdown();
    });
    auto port = start();
    log::info("listening", {{"host", options_.listen.host}, {"port", port}});
    wait();
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(session_executor(), use_tuple);
      if (stopping_) co_return;
      if (ec) {
        // Out of descriptors and similar: back off briefly rather than spin.
        log::warn("accept failed", {{"error", ec.message()}});
        net::steady_timer pause(control_, std::chrono::milliseconds(50));
        co_await pause.async_wait(use_tuple);
        continue;
      }
      auto session = std::make_shared<Session>(std::move(socket));
      {
        std::lock_guard lock(sessions_mutex_);
        sessions_.insert(session);
      }
      net::co_spawn(session->stream.get_executor(), serve(session), net::detached);
    }
  }

  // A connection's handlers must not run at once: with one I/O thread the
  // io_context itself ensures it, and a strand would only add its cost to
  // every step of every request.
  net::any_io_executor session_executor() {
    if (options_.io_threads == 1) return ioc_.get_executor();
    return net::make_strand(ioc_);
  }

  net::awaitable<void> serve(std::shared_ptr<Session> session) {
    try {
      co_await serve_requests(*session);
    } catch (const std::exception& error) {
      log::error("connection failed", {{"error", error.what()}});
    }
    beast::error_code ignored;
    session->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    session->stream.close();
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
  }

  net::awaitable<void> serve_requests(Session& session) {
    auto& stream = session.stream;
    const ReadLimits limits{options_.max_header_bytes, options_.max_body_bytes};
    beast::flat_buffer buffer;
    for (std::size_t served = 0;; ++served) {
      if (stopping_) co_return;
      RequestParser parser;
      configure_parser(parser, limits);

      // One deadline per request, never re-armed while it is read: for the
      // first request it runs from accept; on a kept-alive connection the
      // idle timeout covers the wait for the next request's first byte.
      session.waiting_for_request = true;
      if (served > 0 && buffer.size() == 0) {
        stream.expires_after(options_.idle_timeout);
        auto [idle_ec, first_bytes] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
        if (idle_ec) co_return;
        buffer.commit(first_bytes);
      }
      stream.expires_after(options_.read_timeout);
      auto [header_ec, header_bytes] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
      session.waiting_for_request = false;
      if (header_ec) {
        co_await answer_refusal(stream, read_failure(header_ec, limits));
        co_return;
      }
      Request request = header_request(parser);
      if (auto refusal = header_refusal(parser, request, limits)) {
        co_await answer_refusal(stream, std::move(refusal));
        co_return;
      }
      // Taken before the body: trailers cannot change how the connection ends.
      bool keep_alive = parser.keep_alive();
      unsigned version = parser.get().version();
      if (!parser.is_done()) {
        auto [body_ec, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
        if (body_ec) {
          co_await answer_refusal(stream, read_failure(body_ec, limits));
          co_return;
        }
      }
      request.body = std::move(parser.get().body());
      request.request_id = new_request_id();
      request.peer_address = session.peer_address;

      Response response;
      if (auto refusal = body_refusal(request)) {
        response = refusal_response(*refusal, request);
      } else if (auto answered = answer_inline(request)) {
        response = std::move(*answered);
      } else {
        response = co_await run_handler(std::move(request));
      }
      keep_alive = keep_alive && !stopping_;
      if (!co_await write(stream, std::move(response), version, keep_alive) || !keep_alive) co_return;
    }
  }

  // Answers a request refused while reading, then the connection closes; a
  // timeout or a peer that went away (no refusal) just ends the session.
  net::awaitable<void> answer_refusal(beast::tcp_stream& stream, std::optional<ApiError> refusal) {
    if (!refusal) co_return;
    Request request;
    request.request_id = new_request_id();
    co_await write(stream, refusal_response(*refusal, request), 11, false);
  }

  // Takes the response: its body moves into the message rather than being copied.
  net::awaitable<bool> write(beast::tcp_stream& stream, Response response, unsigned version, bool keep_alive) {
    bhttp::response<bhttp::string_body> message{static_cast<bhttp::status>(response.status), version};
    message.set(bhttp::field::server, "hookgate");
    message.set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message.set(name, value);
    message.body() = std::move(response.body);
    message.keep_alive(keep_alive);
    message.prepare_payload();
    stream.expires_after(options_.read_timeout);
    auto [ec, bytes] = co_await bhttp::async_write(stream, message, use_tuple);
    co_return !ec;
  }

  // Runs the handler on the blocking pool and resumes on the session's strand.
  net::awaitable<Response> run_handler(Request request) {
    return net::async_initiate<const net::use_awaitable_t<>&, void(Response)>(
        [this, request = std::move(request)](auto completion) mutable {
          auto home = net::prefer(net::get_associated_executor(completion),
                                  net::execution::outstanding_work.tracked);
          net::post(handlers_, [this, request = std::move(request), completion = std::move(completion),
                                home = std::move(home)]() mutable {
            Response response = invoke_handler(request);
            net::dispatch(home, [completion = std::move(completion), response = std::move(response)]() mutable {
              std::move(completion)(std::move(response));
            });
          });
        },
        net::use_awaitable);
  }

  Response invoke_handler(Request& request) {
    Response response;
    try {
      response = handler_(request);
    } catch (...) {
      response = error_response(std::current_exception(), request);
    }
    response.set_header("Request-Id", request.request_id);
    return response;
  }

  // On this I/O thread, when the request needs no blocking work.
  std::optional<Response> answer_inline(Request& request) {
    if (!inline_handler_) return std::nullopt;
    std::optional<Response> response;
    try {
      response = inline_handler_(request);
    } catch (...) {
      response = error_response(std::current_exception(), request);
    }
    if (response) response->set_header("Request-Id", request.request_id);
    return response;
  }

  // Runs on the control strand.
  void begin_shutdown() {
    if (stopping_.exchange(true)) return;
    beast::error_code ignored;
    acceptor_.close(ignored);
    if (signals_) signals_->cancel(ignored);
    {
      std::lock_guard lock(sessions_mutex_);
      for (const auto& session : sessions_) {
        net::post(session->stream.get_executor(), [session] {
          if (session->waiting_for_request) session->stream.cancel();
        });
      }
    }
    // co_spawn may start drain() inline, so no lock may be held here.
    net::co_spawn(control_, drain(), net::detached);
  }

  net::awaitable<void> drain() {
    auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
    net::steady_timer timer(control_);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(sessions_mutex_);
        if (sessions_.empty()) break;
      }
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(use_tuple);
    }
    ioc_.stop();
  }

  ServerOptions options_;
  RequestHandler handler_;
  InlineHandler inline_handler_;
  net::io_context ioc_;
  net::thread_pool handlers_;
  net::strand<net::io_context::executor_type> control_;
  tcp::acceptor acceptor_;
  std::optional<net::signal_set> signals_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mutex_;
  std::unordered_set<std::shared_ptr<Session>> sessions_;
  unsigned short port_ = 0;
};

Server::Server(ServerOptions options, RequestHandler handler, InlineHandler inline_handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(inline_handler))) {}
Server::~Server() = default;
unsigned short Server::start() { return impl_->start(); }
void Server::request_stop() { impl_->request_stop(); }
void Server::wait() { impl_->wait(); }
void Server::run_until_signal() { impl_->run_until_signal(); }

}  // namespace hookgate::http

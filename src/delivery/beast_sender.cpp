// The only translation unit that includes Beast's client side and asio::ssl:
// keeping it here keeps the rest of the build fast.

#include "delivery/beast_sender.h"

#include "core/log.h"
#include "domain/ip_policy.h"
#include "domain/url_policy.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string_view>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <variant>

namespace hookgate::delivery {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
// Response limits (documented in beast_sender.h). A header block over this
// fails the attempt; so does one that never ends.
constexpr std::uint32_t max_response_header_bytes = 16 * 1024;
// Body bytes are taken off the read buffer this much at a time.
constexpr std::size_t body_chunk_bytes = 16 * 1024;
// The read buffer never grows past this: it bounds what one chunk-size line
// or a chunked body's trailers may take (Beast applies no header limit there).
constexpr std::size_t response_buffer_bytes = max_response_header_bytes + body_chunk_bytes;
// Interim (1xx) responses accepted before the final one.
constexpr int max_interim_responses = 16;
constexpr std::chrono::milliseconds min_sweep_interval{1000};
constexpr const char* private_targets_refused = "private targets are not allowed";

using TcpStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using OutgoingMessage = bhttp::request<bhttp::string_body>;
using ResponseParser = bhttp::response_parser<bhttp::buffer_body>;

// Where a request goes, taken from its URL.
struct Target {
  bool tls = true;
  std::string host;  // for DNS and certificate checks; IPv6 without brackets
  unsigned short port = 443;
  bool host_is_ip_literal = false;
  std::string path_and_query;
  std::string host_header;
  std::string origin;  // the pool key: scheme://host:port
};

SendResult failure(SendOutcome outcome, std::string error) {
  SendResult result;
  result.outcome = outcome;
  result.error = std::move(error);
  return result;
}

std::string milliseconds_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

std::string endpoint_text(const tcp::endpoint& endpoint) {
  auto address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

// The URL is parsed exactly as at registration (domain/url_policy.h, which
// also works around a Boost.URL 1.81 host-splitting bug), so the two can
// never disagree about which host a URL names. Address checks are left to
// connect time, where they apply to what the name really resolves to.
std::variant<Target, SendResult> parse_target(const std::string& url, bool allow_private_targets) {
  auto verdict = check_endpoint_url(url, UrlPolicy{.allow_private_targets = true});
  if (const auto* refusal = std::get_if<UrlRefusal>(&verdict)) {
    return failure(SendOutcome::refused_address, describe(*refusal));
  }
  const auto* parsed = &std::get<EndpointUrl>(verdict);
  if (parsed->scheme != "https" && !allow_private_targets)
    return failure(SendOutcome::refused_address,
                   std::string("plain http is not allowed, only https; ") + private_targets_refused);
  Target target;
  target.tls = parsed->scheme == "https";
  target.host = parsed->host;
  target.port = parsed->port;
  target.host_is_ip_literal = parsed->host_is_ip_literal;
  target.path_and_query = parsed->target;
  const bool ipv6 = target.host.find(':') != std::string::npos;
  const std::string bracketed = ipv6 ? "[" + target.host + "]" : target.host;
  const bool default_port = target.port == (target.tls ? 443 : 80);
  target.host_header = default_port ? bracketed : bracketed + ":" + std::to_string(target.port);
  target.origin = parsed->scheme + "://" + bracketed + ":" + std::to_string(target.port);
  return target;
}

AddressClass classify(const net::ip::address& address) {
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    return classify_address(bytes.data(), bytes.size());
  }
  auto bytes = address.to_v6().to_bytes();
  return classify_address(bytes.data(), bytes.size());
}

std::string describe_refusal(const Target& target, const net::ip::address& address, AddressClass why) {
  const std::string class_name(address_class_name(why));
  if (target.host_is_ip_literal) {
    const char* article = std::string_view("aeiou").find(class_name[0]) == std::string_view::npos ? "a" : "an";
    return address.to_string() + " is " + article + " " + class_name + " address; " + private_targets_refused;
  }
  return target.host + " resolved to " + address.to_string() + " (" + class_name + "); " + private_targets_refused;
}

// Short, stable wording for the attempt record.
std::string describe(const error_code& ec) {
  if (ec == net::error::connection_refused) return "connection refused";
  if (ec == net::error::connection_reset) return "connection reset by the peer";
  if (ec == net::error::host_unreachable) return "host unreachable";
  if (ec == net::error::network_unreachable) return "network unreachable";
  if (ec == net::error::broken_pipe) return "connection closed by the peer while sending the request";
  if (ec == bhttp::error::end_of_stream || ec == net::error::eof)
    return "connection closed by the peer before it answered";
  if (ec == bhttp::error::partial_message) return "connection closed in the middle of the response";
  if (ec == ssl::error::stream_truncated) return "TLS connection closed without close_notify";
  if (ec == bhttp::error::header_limit)
    return "response headers are larger than " + std::to_string(max_response_header_bytes) + " bytes";
  if (ec == bhttp::error::buffer_overflow)
    return "response trailers or a chunk header are larger than " + std::to_string(response_buffer_bytes) + " bytes";
  if (ec.category() == error_code(bhttp::error::bad_version).category()) return "invalid HTTP response: " + ec.message();
  return ec.message();
}

std::string describe_tls_failure(const error_code& ec, SSL* session) {
  std::string reason = describe(ec);
  if (ec.category() == net::error::get_ssl_category()) {
    if (const char* text = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) reason = text;
  }
  std::string out = "TLS handshake failed: " + reason;
  const long verify = SSL_get_verify_result(session);
  if (verify != X509_V_OK) out += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  return out;
}

OutgoingMessage build_message(OutboundRequest& request, const Target& target, const std::string& user_agent) {
  OutgoingMessage message{bhttp::verb::post, target.path_and_query, 11};
  for (const auto& [name, value] : request.headers) message.insert(name, value);
  // Framing and identity are the sender's; a caller's copy would contradict them.
  message.erase(bhttp::field::transfer_encoding);
  message.erase(bhttp::field::connection);
  message.set(bhttp::field::host, target.host_header);
  message.set(bhttp::field::user_agent, user_agent);
  message.set(bhttp::field::content_type, "application/json");
  message.body() = std::move(request.body);
  message.keep_alive(true);
  message.prepare_payload();
  return message;
}

// One connection to an origin, plain or TLS; pooled between requests.
class Connection {
 public:
  explicit Connection(const net::any_io_executor& executor) : stream_(std::in_place_type<TcpStream>, executor) {}

  TcpStream& tcp() {
    return std::visit([](auto& stream) -> TcpStream& { return beast::get_lowest_layer(stream); }, stream_);
  }
  // Wraps the connected socket in TLS; call once, before any I/O.
  TlsStream& start_tls(ssl::context& context) {
    TcpStream connected = std::move(std::get<TcpStream>(stream_));
    return stream_.emplace<TlsStream>(std::move(connected), context);
  }
  template <class Visitor>
  auto visit(Visitor&& visitor) {
    return std::visit(std::forward<Visitor>(visitor), stream_);
  }
  // Cancels whatever is pending on it; safe to call repeatedly.
  void close() { tcp().close(); }

  SteadyClock::time_point idle_since{};

 private:
  std::variant<TcpStream, TlsStream> stream_;
};

// Idle keep-alive connections by origin. Touched on the io thread only.
class ConnectionPool {
 public:
  ConnectionPool(std::size_t max_per_origin, std::chrono::milliseconds keepalive)
      : max_per_origin_(max_per_origin), keepalive_(keepalive) {}

  // The most recently used connection that has not expired, or null.
  std::unique_ptr<Connection> take(const std::string& origin) {
    auto found = idle_.find(origin);
    if (found == idle_.end()) return nullptr;
    auto& queue = found->second;
    drop_expired(queue);
    std::unique_ptr<Connection> connection;
    if (!queue.empty()) {
      connection = std::move(queue.back());
      queue.pop_back();
    }
    if (queue.empty()) idle_.erase(found);
    return connection;
  }

  void give_back(const std::string& origin, std::unique_ptr<Connection> connection) {
    if (max_per_origin_ == 0) return;
    auto& queue = idle_[origin];
    if (queue.size() >= max_per_origin_) queue.pop_front();  // keep the freshest
    connection->idle_since = SteadyClock::now();
    queue.push_back(std::move(connection));
  }

  void drop_expired() {
    for (auto it = idle_.begin(); it != idle_.end();) {
      drop_expired(it->second);
      it = it->second.empty() ? idle_.erase(it) : std::next(it);
    }
  }

  void clear() { idle_.clear(); }

 private:
  // Oldest first, so expired ones are at the front.
  void drop_expired(std::deque<std::unique_ptr<Connection>>& queue) const {
    const auto cutoff = SteadyClock::now() - keepalive_;
    while (!queue.empty() && queue.front()->idle_since <= cutoff) queue.pop_front();
  }

  std::size_t max_per_origin_;
  std::chrono::milliseconds keepalive_;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
};

enum class Abort { none, timed_out, cancelled };

// One send in flight. Touched on the io thread only.
struct Call {
  Call(const net::any_io_executor& executor, OutboundRequest request, HttpSender::Completion done)
      : request(std::move(request)), done(std::move(done)), deadline(executor), resolver(executor) {}

  // Stops whatever the attempt is waiting on; it then sees `aborted`.
  void abort(Abort why) {
    if (aborted != Abort::none) return;
    aborted = why;
    resolver.cancel();
    if (connection) connection->close();
  }

  OutboundRequest request;
  HttpSender::Completion done;
  SteadyClock::time_point started = SteadyClock::now();
  net::steady_timer deadline;
  tcp::resolver resolver;
  Connection* connection = nullptr;  // the one in use, so that abort() can close it
  std::string phase = "starting";    // for "timed out ... while <phase>"
  Abort aborted = Abort::none;
};

// What one request/response exchange on a connection came to.
struct Exchanged {
  SendResult result;
  bool failed_before_response = false;  // nothing was received: safe to retry elsewhere
  bool reusable = false;
};

// A fresh connection, or why there is none.
struct Opened {
  std::unique_ptr<Connection> connection;
  SendResult failure;
};

}  // namespace

class BeastSender::Impl {
 public:
  explicit Impl(SenderOptions options)
      : options_(std::move(options)),
        tls_(ssl::context::tls_client),
        work_(net::make_work_guard(ioc_)),
        pool_(options_.max_idle_per_origin, options_.idle_keepalive),
        sweeper_(ioc_) {
    tls_.set_default_verify_paths();
    if (!options_.extra_ca_file.empty()) tls_.load_verify_file(options_.extra_ca_file);
    tls_.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    net::co_spawn(ioc_, sweep_idle(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~Impl() { stop(); }

  void send(OutboundRequest request, Completion done) {
    {
      std::lock_guard lock(stop_mutex_);
      if (!stopped_) {
        auto call = std::make_shared<Call>(ioc_.get_executor(), std::move(request), std::move(done));
        // Posted, never run inline: co_spawn would start the send at once on
        // the io thread (a completion calling send()) with the lock held.
        // A post made before stop() still runs, so `done` is always called.
        net::post(ioc_, [this, call = std::move(call)]() mutable {
          net::co_spawn(ioc_, run(std::move(call)), net::detached);
        });
        return;
      }
    }
    done(failure(SendOutcome::cancelled, "the sender has stopped"));
  }

  void stop() {
    {
      std::lock_guard lock(stop_mutex_);
      if (!stopped_) {
        stopped_ = true;
        net::post(ioc_, [this] { abort_everything(); });
        work_.reset();  // run() returns once the aborted sends have completed
      }
    }
    std::lock_guard lock(join_mutex_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void abort_everything() {
    stopping_ = true;
    sweeper_.cancel();
    pool_.clear();
    for (const auto& call : in_flight_) call->abort(Abort::cancelled);
  }

  net::awaitable<void> sweep_idle() {
    for (;;) {
      // take() checks expiry exactly; this only frees sockets nobody asks for.
      sweeper_.expires_after(std::max(options_.idle_keepalive, min_sweep_interval));
      auto [ec] = co_await sweeper_.async_wait(use_tuple);
      if (ec || stopping_) co_return;
      pool_.drop_expired();
    }
  }

  net::awaitable<void> run(std::shared_ptr<Call> call) {
    SendResult result = failure(SendOutcome::cancelled, "the sender has stopped");
    if (!stopping_) {
      in_flight_.insert(call);
      call->deadline.expires_after(options_.total_timeout);
      call->deadline.async_wait([call](const error_code& ec) {
        if (!ec) call->abort(Abort::timed_out);
      });
      try {
        result = co_await attempt(*call);
      } catch (const std::exception& error) {
        result = failure(SendOutcome::network_error, std::string("internal error: ") + error.what());
      }
      call->deadline.cancel();
      in_flight_.erase(call);
    }
    result.duration = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - call->started);
    try {
      call->done(std::move(result));
    } catch (const std::exception& error) {
      log::error("send completion threw", {{"error", error.what()}});
    }
  }

  SendResult interrupted(const Call& call) const {
    if (call.aborted == Abort::cancelled) return failure(SendOutcome::cancelled, "cancelled: the sender stopped");
    return failure(SendOutcome::network_error,
                   "timed out after " + milliseconds_text(options_.total_timeout) + " while " + call.phase);
  }

  net::awaitable<SendResult> attempt(Call& call) {
    auto parsed = parse_target(call.request.url, options_.allow_private_targets);
    if (auto* refused = std::get_if<SendResult>(&parsed)) co_return std::move(*refused);
    const Target& target = std::get<Target>(parsed);
    OutgoingMessage message = build_message(call.request, target, options_.user_agent);

    if (auto pooled = pool_.take(target.origin)) {
      Exchanged reused = co_await exchange(call, target, std::move(pooled), message);
      // The peer may have closed the idle connection just as it was reused.
      if (!reused.failed_before_response || call.aborted != Abort::none) co_return std::move(reused.result);
    }
    Opened opened = co_await open(call, target);
    if (!opened.connection) co_return std::move(opened.failure);
    Exchanged fresh = co_await exchange(call, target, std::move(opened.connection), message);
    co_return std::move(fresh.result);
  }

  // Resolves, checks every address, connects to the first allowed one that
  // answers and, for https, completes a verified TLS handshake.
  net::awaitable<Opened> open(Call& call, const Target& target) {
    call.phase = "resolving " + target.host;
    auto [resolve_ec, resolved] = co_await call.resolver.async_resolve(
        target.host, std::to_string(target.port), tcp::resolver::numeric_service, use_tuple);
    if (call.aborted != Abort::none) co_return Opened{nullptr, interrupted(call)};
    if (resolve_ec)
      co_return Opened{nullptr, failure(SendOutcome::network_error,
                                        "DNS lookup of " + target.host + " failed: " + resolve_ec.message())};

    std::vector<tcp::endpoint> allowed;
    std::string refusal = "DNS lookup of " + target.host + " returned no addresses";
    bool refused_any = false;
    for (const auto& entry : resolved) {
      const tcp::endpoint endpoint = entry.endpoint();
      const AddressClass address_class = classify(endpoint.address());
      if (options_.allow_private_targets || address_class == AddressClass::public_address) {
        allowed.push_back(endpoint);
      } else if (!refused_any) {
        refused_any = true;
        refusal = describe_refusal(target, endpoint.address(), address_class);
      }
    }
    if (allowed.empty())
      co_return Opened{nullptr, failure(refused_any ? SendOutcome::refused_address : SendOutcome::network_error,
                                        refusal)};

    std::string last_error;
    for (const auto& endpoint : allowed) {
      // The socket connects to this very endpoint, the one just checked.
      auto connection = std::make_unique<Connection>(ioc_.get_executor());
      call.connection = connection.get();
      call.phase = "connecting to " + endpoint_text(endpoint);
      connection->tcp().expires_after(options_.connect_timeout);
      auto [connect_ec] = co_await connection->tcp().async_connect(endpoint, use_tuple);
      connection->tcp().expires_never();
      call.connection = nullptr;
      if (call.aborted != Abort::none) co_return Opened{nullptr, interrupted(call)};
      if (!connect_ec) {
        if (!target.tls) co_return Opened{std::move(connection), {}};
        co_return co_await handshake(call, target, std::move(connection));
      }
      last_error = connect_ec == beast::error::timeout
                       ? "connect to " + endpoint_text(endpoint) + " timed out after " +
                             milliseconds_text(options_.connect_timeout)
                       : describe(connect_ec) + " (" + endpoint_text(endpoint) + ")";
    }
    co_return Opened{nullptr, failure(SendOutcome::network_error, last_error)};
  }

  net::awaitable<Opened> handshake(Call& call, const Target& target, std::unique_ptr<Connection> connection) {
    TlsStream& tls = connection->start_tls(tls_);
    SSL* session = tls.native_handle();
    // SNI is for names only (RFC 6066); an IP literal is verified against the
    // certificate's IP addresses instead of its DNS names.
    const bool configured =
        target.host_is_ip_literal
            ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(session), target.host.c_str()) == 1
            : SSL_set_tlsext_host_name(session, target.host.c_str()) == 1 &&
                  SSL_set1_host(session, target.host.c_str()) == 1;
    if (!configured)
      co_return Opened{nullptr, failure(SendOutcome::network_error, "TLS setup failed for " + target.host)};

    call.connection = connection.get();
    call.phase = "in the TLS handshake with " + target.host;
    auto [ec] = co_await tls.async_handshake(ssl::stream_base::client, use_tuple);
    call.connection = nullptr;
    if (call.aborted != Abort::none) co_return Opened{nullptr, interrupted(call)};
    if (ec) co_return Opened{nullptr, failure(SendOutcome::network_error, describe_tls_failure(ec, session))};
    co_return Opened{std::move(connection), {}};
  }

  // Sends the request and reads the response; gives the connection back to
  // the pool when it may carry another request.
  net::awaitable<Exchanged> exchange(Call& call, const Target& target, std::unique_ptr<Connection> connection,
                                     OutgoingMessage& message) {
    call.connection = connection.get();
    Exchanged out =
        co_await connection->visit([&](auto& stream) { return exchange_over(call, stream, message); });
    call.connection = nullptr;
    if (out.reusable && call.aborted == Abort::none && !stopping_)
      pool_.give_back(target.origin, std::move(connection));
    co_return out;
  }

  // Reads the final response's header into `parser`, past any interim (1xx)
  // responses, which a client must accept before it (RFC 9110 §15.2). What
  // it returns is a failure to report.
  template <class Stream>
  net::awaitable<std::optional<Exchanged>> read_final_header(Call& call, Stream& stream, beast::flat_buffer& buffer,
                                                             std::optional<ResponseParser>& parser) {
    call.phase = "waiting for the response";
    for (int interim = 0;; ++interim) {
      parser.emplace();
      parser->header_limit(max_response_header_bytes);
      parser->body_limit(boost::none);  // bounded by max_response_bytes instead
      auto [header_ec, header_bytes] = co_await bhttp::async_read_header(stream, buffer, *parser, use_tuple);
      if (call.aborted != Abort::none) co_return Exchanged{interrupted(call)};
      if (header_ec)
        co_return Exchanged{failure(SendOutcome::network_error, describe(header_ec)),
                            interim == 0 && !parser->got_some()};
      const unsigned status = parser->get().result_int();
      if (status / 100 != 1) co_return std::nullopt;
      // Unasked for, it would turn the connection into something else.
      if (status == 101)
        co_return Exchanged{failure(SendOutcome::network_error,
                                    "invalid HTTP response: 101 Switching Protocols, which was not asked for")};
      if (interim == max_interim_responses)
        co_return Exchanged{failure(SendOutcome::network_error, "invalid HTTP response: more than " +
                                                                    std::to_string(max_interim_responses) +
                                                                    " interim (1xx) responses")};
    }
  }

  template <class Stream>
  net::awaitable<Exchanged> exchange_over(Call& call, Stream& stream, OutgoingMessage& message) {
    call.phase = "sending the request";
    auto [write_ec, written] = co_await bhttp::async_write(stream, message, use_tuple);
    if (call.aborted != Abort::none) co_return Exchanged{interrupted(call)};
    if (write_ec) co_return Exchanged{failure(SendOutcome::network_error, describe(write_ec)), true};

    beast::flat_buffer buffer(response_buffer_bytes);
    std::optional<ResponseParser> final_response;
    if (auto failed = co_await read_final_header(call, stream, buffer, final_response)) co_return std::move(*failed);
    ResponseParser& parser = *final_response;

    SendResult result;
    result.outcome = SendOutcome::response;
    result.status_code = static_cast<int>(parser.get().result_int());
    if (auto found = parser.get().find(bhttp::field::retry_after); found != parser.get().end())
      result.retry_after = std::string(found->value());

    call.phase = "reading the response body";
    std::vector<char> chunk(body_chunk_bytes);
    std::size_t body_read = 0;
    while (!parser.is_done() && body_read < options_.max_response_bytes) {
      const std::size_t room = std::min(chunk.size(), options_.max_response_bytes - body_read);
      parser.get().body().data = chunk.data();
      parser.get().body().size = room;
      auto [body_ec, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      if (call.aborted != Abort::none) co_return Exchanged{interrupted(call)};
      if (body_ec && body_ec != bhttp::error::need_buffer)
        co_return Exchanged{failure(SendOutcome::network_error, describe(body_ec))};
      const std::size_t got = room - parser.get().body().size;
      const std::size_t keep = std::min(got, options_.snippet_bytes - std::min(options_.snippet_bytes, body_read));
      result.response_snippet.append(chunk.data(), keep);
      body_read += got;
    }
    // A body left unread would be taken for the next response.
    const bool reusable = parser.is_done() && parser.get().keep_alive();
    co_return Exchanged{std::move(result), false, reusable};
  }

  SenderOptions options_;
  net::io_context ioc_;  // first in, last out: every I/O object below uses it
  ssl::context tls_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::mutex stop_mutex_;
  bool stopped_ = false;  // guarded by stop_mutex_: no send is posted after it is set
  std::mutex join_mutex_;
  std::thread thread_;
  // io thread only:
  bool stopping_ = false;
  std::unordered_set<std::shared_ptr<Call>> in_flight_;
  ConnectionPool pool_;
  net::steady_timer sweeper_;
};

BeastSender::BeastSender(SenderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
BeastSender::~BeastSender() = default;
void BeastSender::send(OutboundRequest request, Completion done) { impl_->send(std::move(request), std::move(done)); }
void BeastSender::stop() { impl_->stop(); }

}  // namespace hookgate::delivery

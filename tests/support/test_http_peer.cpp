#include "support/test_http_peer.h"
#include "support/text.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace hookgate::testing {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// "METHOD target HTTP/1.1" and "Name: value" lines; enough for our sender.
RecordedRequest parse_head(const std::string& head) {
  RecordedRequest request;
  std::size_t line_start = 0;
  for (bool first = true; line_start < head.size(); first = false) {
    auto line_end = std::min(head.find("\r\n", line_start), head.size());
    std::string line = head.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    if (first) {
      auto space = line.find(' ');
      request.method = line.substr(0, space);
      request.target = line.substr(space + 1, line.rfind(' ') - space - 1);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    request.headers.emplace_back(lower_ascii(line.substr(0, colon)), trim_blanks(line.substr(colon + 1)));
  }
  return request;
}

template <class Stream>
net::awaitable<bool> read_more(Stream& stream, std::string& pending) {
  std::string chunk(4096, '\0');
  auto [ec, n] = co_await stream.async_read_some(net::buffer(chunk), use_tuple);
  if (ec) co_return false;
  pending.append(chunk, 0, n);
  co_return true;
}

// One request (Content-Length bodies only); nullopt once the client is gone.
template <class Stream>
net::awaitable<std::optional<RecordedRequest>> read_request(Stream& stream, std::string& pending) {
  std::size_t head_end;
  while ((head_end = pending.find("\r\n\r\n")) == std::string::npos) {
    if (!co_await read_more(stream, pending)) co_return std::nullopt;
  }
  RecordedRequest request = parse_head(pending.substr(0, head_end));
  const std::string declared = request.header("content-length");
  const std::size_t length = declared.empty() ? 0 : std::stoul(declared);
  const std::size_t body_start = head_end + 4;
  while (pending.size() < body_start + length) {
    if (!co_await read_more(stream, pending)) co_return std::nullopt;
  }
  request.body = pending.substr(body_start, length);
  pending.erase(0, body_start + length);
  co_return request;
}

// Reads until the client goes, answering nothing. The result is named on
// purpose: with the co_await in the condition (`while (co_await ...) {}`),
// GCC 12 built a coroutine that died of SIGILL when first resumed.
template <class Stream>
net::awaitable<void> hold(Stream& stream, std::string& pending) {
  for (;;) {
    const bool more = co_await read_more(stream, pending);
    if (!more) break;
  }
}

tcp::socket& socket_of(tcp::socket& socket) { return socket; }
tcp::socket& socket_of(ssl::stream<tcp::socket>& stream) { return stream.next_layer(); }

template <class Stream>
net::awaitable<bool> write_all(Stream& stream, const std::string& bytes) {
  auto [ec, written] = co_await net::async_write(stream, net::buffer(bytes), use_tuple);
  co_return !ec;
}

template <class Stream>
net::awaitable<void> play(Stream& stream, const RawResponse& raw, std::string& pending) {
  bool open = co_await write_all(stream, raw.prefix);
  net::steady_timer pause(stream.get_executor());
  for (std::size_t sent = 0; open && !raw.repeated.empty() && (!raw.repeat_count || sent < *raw.repeat_count);
       ++sent) {
    if (raw.pause.count() > 0) {
      pause.expires_after(raw.pause);
      co_await pause.async_wait(use_tuple);
    }
    open = co_await write_all(stream, raw.repeated);
  }
  if (!open) co_return;  // the client went
  if (raw.then == RawResponse::Then::hold) {
    co_await hold(stream, pending);
  } else if (raw.then == RawResponse::Then::reset) {
    boost::system::error_code ignored;
    socket_of(stream).set_option(tcp::socket::linger(true, 0), ignored);
    socket_of(stream).close(ignored);
  }
  // Then::close: the session ends, which closes the socket.
}

std::string render(const ScriptedResponse& response) {
  std::string text = "HTTP/1.1 " + std::to_string(response.status) + " Scripted\r\n";
  for (const auto& [name, value] : response.headers) text += name + ": " + value + "\r\n";
  text += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
  return text + response.body;
}

}  // namespace

std::string RecordedRequest::header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

class TestHttpPeer::Impl {
 public:
  explicit Impl(const TlsIdentity* identity) {
    if (identity) {
      tls_.emplace(ssl::context::tls_server);
      tls_->use_certificate_chain_file(identity->certificate_file);
      tls_->use_private_key_file(identity->private_key_file, ssl::context::pem);
    }
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  // Stopping the io_context destroys every session mid-await, which closes
  // their sockets: clients see the connection go away.
  ~Impl() {
    ioc_.stop();
    thread_.join();
  }

  unsigned short port() const { return port_; }

  void script(std::vector<ScriptedResponse> responses) {
    std::lock_guard lock(mutex_);
    script_.insert(script_.end(), responses.begin(), responses.end());
  }

  std::size_t accepted_connections() const {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      {
        std::lock_guard lock(mutex_);
        ++accepted_;
      }
      if (tls_) {
        net::co_spawn(ioc_, serve_tls(std::move(socket)), net::detached);
      } else {
        net::co_spawn(ioc_, serve_plain(std::move(socket)), net::detached);
      }
    }
  }

  net::awaitable<void> serve_plain(tcp::socket socket) { co_await serve(socket); }

  net::awaitable<void> serve_tls(tcp::socket socket) {
    ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (!ec) co_await serve(stream);
  }

  template <class Stream>
  net::awaitable<void> serve(Stream& stream) {
    std::string pending;
    if (auto greeting = take_greeting()) {
      co_await play(stream, *greeting, pending);
      co_return;
    }
    for (;;) {
      auto request = co_await read_request(stream, pending);
      if (!request) co_return;
      ScriptedResponse response = record(std::move(*request));
      if (response.raw) {
        co_await play(stream, *response.raw, pending);
        co_return;
      }
      if (response.never_answer) {
        co_await hold(stream, pending);
        co_return;
      }
      const std::string text = render(response);
      auto [ec, written] = co_await net::async_write(stream, net::buffer(text), use_tuple);
      if (ec || response.close_after) co_return;
    }
  }

  ScriptedResponse record(RecordedRequest request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
    arrived_.notify_all();
    if (script_.empty()) return ScriptedResponse{};
    ScriptedResponse next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

  // The next scripted response, if it is raw bytes to send before any request.
  std::optional<RawResponse> take_greeting() {
    std::lock_guard lock(mutex_);
    if (script_.empty() || !script_.front().raw || !script_.front().raw->before_request) return std::nullopt;
    RawResponse greeting = std::move(*script_.front().raw);
    script_.pop_front();
    return greeting;
  }

  // The SSL context outlives the io_context, whose destructor frees sessions.
  std::optional<ssl::context> tls_;
  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, tcp::endpoint(net::ip::address_v4::loopback(), 0)};
  unsigned short port_ = acceptor_.local_endpoint().port();
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<ScriptedResponse> script_;
  std::vector<RecordedRequest> requests_;
  std::size_t accepted_ = 0;
};

TestHttpPeer::TestHttpPeer() : impl_(std::make_unique<Impl>(nullptr)) {}
TestHttpPeer::TestHttpPeer(const TlsIdentity& identity) : impl_(std::make_unique<Impl>(&identity)) {}
TestHttpPeer::~TestHttpPeer() = default;
unsigned short TestHttpPeer::port() const { return impl_->port(); }
void TestHttpPeer::script(std::vector<ScriptedResponse> responses) { impl_->script(std::move(responses)); }
std::size_t TestHttpPeer::accepted_connections() const { return impl_->accepted_connections(); }
std::vector<RecordedRequest> TestHttpPeer::requests() const { return impl_->requests(); }
bool TestHttpPeer::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) {
  return impl_->wait_for_requests(count, timeout);
}

namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertificatePtr = std::unique_ptr<X509, decltype(&X509_free)>;

void check(bool ok, const char* step) {
  if (!ok) throw std::runtime_error(std::string("test certificate setup failed at ") + step);
}

KeyPtr new_key() {
  KeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  check(extension != nullptr, "X509V3_EXT_conf_nid");
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  check(added, "X509_add_ext");
}

// Signed by `issuer` (with `issuer_key`), or self-signed when issuer is null.
CertificatePtr new_certificate(EVP_PKEY* key, const std::string& common_name, long serial, X509* issuer,
                               EVP_PKEY* issuer_key, const std::vector<std::pair<int, const char*>>& extensions) {
  CertificatePtr certificate(X509_new(), X509_free);
  X509* cert = certificate.get();
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert, 2) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600) != nullptr, "notAfter");
  check(X509_set_pubkey(cert, key) == 1, "X509_set_pubkey");
  check(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1,
        "common name");
  X509* signer = issuer ? issuer : cert;
  check(X509_set_issuer_name(cert, X509_get_subject_name(signer)) == 1, "X509_set_issuer_name");
  for (const auto& [nid, value] : extensions) add_extension(cert, signer, nid, value);
  check(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return certificate;
}

void write_pem(const std::string& path, X509* certificate, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  check(file != nullptr, "fopen");
  bool ok = certificate ? PEM_write_X509(file, certificate) == 1
                        : PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  ok = std::fclose(file) == 0 && ok;
  check(ok, "PEM write");
}

TlsIdentity issue_leaf(const std::string& directory, const std::string& name, const char* alt_names, long serial,
                       X509* ca, EVP_PKEY* ca_key) {
  KeyPtr key = new_key();
  CertificatePtr certificate = new_certificate(key.get(), name, serial, ca, ca_key,
                                               {{NID_basic_constraints, "critical,CA:FALSE"},
                                                {NID_key_usage, "critical,digitalSignature"},
                                                {NID_ext_key_usage, "serverAuth"},
                                                {NID_subject_alt_name, alt_names},
                                                {NID_authority_key_identifier, "keyid"}});
  TlsIdentity identity{directory + "/" + name + ".crt", directory + "/" + name + ".key"};
  write_pem(identity.certificate_file, certificate.get(), nullptr);
  write_pem(identity.private_key_file, nullptr, key.get());
  return identity;
}

}  // namespace

TestCertificates::TestCertificates() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hookgate-tls-XXXXXX").string();
  check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  directory_ = pattern;

  KeyPtr ca_key = new_key();
  CertificatePtr ca = new_certificate(ca_key.get(), "hookgate test CA", 1, nullptr, nullptr,
                                      {{NID_basic_constraints, "critical,CA:TRUE"},
                                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                       {NID_subject_key_identifier, "hash"}});
  ca_file_ = directory_ + "/ca.crt";
  write_pem(ca_file_, ca.get(), nullptr);
  localhost_ = issue_leaf(directory_, "localhost", "DNS:localhost,IP:127.0.0.1", 2, ca.get(), ca_key.get());
  wrong_example_ = issue_leaf(directory_, "wrong.example", "DNS:wrong.example", 3, ca.get(), ca_key.get());
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

unsigned short unused_loopback_port() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace hookgate::testing

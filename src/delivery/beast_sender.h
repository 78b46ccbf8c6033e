#pragma once
// BeastSender: the real HttpSender, HTTP/1.1 POST over Boost.Beast with
// OpenSSL, on its own io_context and thread. Beast stays inside
// beast_sender.cpp (it is heavy to compile); callers see http_sender.h types.
//
// What it guarantees (DESIGN §5 "Outbound safety"):
// * https only, unless allow_private_targets; a URL that does not validate
//   is refused (domain/url_policy.h parses it, as at registration).
// * Every address the host resolves to is classified (core/ip_policy.h);
//   refused ones are skipped and the socket connects to exactly an endpoint
//   that was checked, so DNS rebinding cannot slip past. If none is allowed
//   the result is refused_address, without any connection attempt.
// * TLS peers are verified against the system trust store plus
//   extra_ca_file, with host-name (or IP) verification and SNI for names.
// * Redirects are never followed: a 3xx is a response like any other.
// * What a receiver can make it read is bounded: a header block (each one)
//   up to 16 KiB, a chunk-size line or the trailers up to the 32 KiB read
//   buffer, up to 16 interim (1xx) responses, which are skipped, and the
//   body up to max_response_bytes (the status still decides; the rest is
//   left unread). Anything over a bound, an unasked-for 101, a malformed or
//   cut-off response is a network_error saying which.
// * Keep-alive connections are pooled per origin (at most
//   max_idle_per_origin, each for at most idle_keepalive). A pooled
//   connection that fails before any response byte arrives is retried once
//   on a fresh connection; one that said `Connection: close` or whose body
//   was not read to the end is closed.
// * connect_timeout bounds each connect, total_timeout the whole attempt:
//   DNS, connect, TLS handshake, request and response together. There is no
//   per-read timer, so bytes dripped slowly cannot keep an attempt alive.
//
// One io thread serves every send: the work is waiting on sockets, and a
// single thread lets the pool and the in-flight set go without locks.

#include "delivery/http_sender.h"

#include <memory>

namespace hookgate::delivery {

class BeastSender final : public HttpSender {
 public:
  // Starts the io thread. Throws if extra_ca_file cannot be loaded.
  explicit BeastSender(SenderOptions options);
  // stop().
  ~BeastSender() override;
  BeastSender(const BeastSender&) = delete;
  BeastSender& operator=(const BeastSender&) = delete;

  void send(OutboundRequest request, Completion done) override;

  // Refuses new sends, cancels in-flight ones (their completions get
  // `cancelled`), closes pooled connections and joins the io thread.
  // Thread-safe and idempotent; must not be called from a completion.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookgate::delivery

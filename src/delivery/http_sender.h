#pragma once
// The outbound HTTP sender the delivery engine posts webhooks through, as a
// small interface of plain types: workers and their tests depend on this
// header alone and can inject a fake. The real one is BeastSender.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookgate::delivery {

struct OutboundRequest {
  // Absolute http(s) URL of the endpoint, as registered.
  std::string url;
  // Signing headers (webhook-id, webhook-timestamp, webhook-signature) and
  // the like. The sender sets Host, Content-Type: application/json,
  // User-Agent and Content-Length itself, overriding any given here.
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent as the POST body.
  std::string body;
};

enum class SendOutcome {
  response,         // the endpoint answered; any status, 3xx included (never followed)
  network_error,    // DNS, connect, TLS, timeout or a broken/invalid response
  refused_address,  // the URL or every address it resolved to is not allowed
  cancelled,        // the sender stopped before the attempt finished
};

struct SendResult {
  SendOutcome outcome = SendOutcome::network_error;
  // The HTTP status, when outcome == response.
  int status_code = 0;
  // The first SenderOptions::snippet_bytes of the (decoded) response body.
  std::string response_snippet;
  // The raw Retry-After header value, if the response had one.
  std::optional<std::string> retry_after;
  // Why, for network_error, refused_address and cancelled: a short sentence
  // such as "connection refused (203.0.113.7:443)".
  std::string error;
  // Wall time of the attempt, from send() to the result.
  std::chrono::microseconds duration{0};
};

struct SenderOptions {
  // HOOKGATE_ALLOW_PRIVATE_TARGETS: permits http:// and private, loopback,
  // link-local and metadata addresses (local development and tests only).
  bool allow_private_targets = false;
  // Per address tried; a name with several addresses may take longer.
  std::chrono::milliseconds connect_timeout{5000};
  // The whole attempt: DNS, connect, TLS, request and response.
  std::chrono::milliseconds total_timeout{15000};
  // Read at most this much of a response body; a connection whose body was
  // cut short is closed rather than reused.
  std::size_t max_response_bytes = 64 * 1024;
  // How much of the body is kept in SendResult::response_snippet.
  std::size_t snippet_bytes = 1024;
  // Keep-alive connections kept per origin (scheme, host, port).
  std::size_t max_idle_per_origin = 16;
  // An idle connection older than this is closed instead of reused.
  std::chrono::milliseconds idle_keepalive{30000};
  // PEM trust anchors added to the system store (tests use a throwaway CA).
  std::string extra_ca_file;
  std::string user_agent = "hookgate/1";
};

class HttpSender {
 public:
  using Completion = std::function<void(SendResult)>;
  virtual ~HttpSender() = default;
  // Thread-safe; returns at once. `done` is called exactly once, on a sender
  // thread; keep it cheap. Once the sender has stopped, `done` is called
  // with `cancelled` before send() returns.
  virtual void send(OutboundRequest request, Completion done) = 0;
};

}  // namespace hookgate::delivery

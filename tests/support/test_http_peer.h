#pragma once
// A webhook receiver for sender tests: a small HTTP/1.1 (or HTTPS) server on
// a free loopback port that answers scripted responses, counts accepted TCP
// connections and records every request. A scripted response can also be raw
// bytes that break the protocol (hostile receivers). Plus a throwaway
// certificate authority, so TLS is tested for real without touching the
// system store.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookgate::testing {

// Bytes written as they are, whatever HTTP would say: `prefix`, then
// `repeated` `repeat_count` times (forever when unset) with `pause` before
// each repetition, then `then`. A write that fails (the client went) ends it.
struct RawResponse {
  enum class Then { close, reset, hold };
  std::string prefix;
  std::string repeated{};
  std::optional<std::size_t> repeat_count{};
  std::chrono::milliseconds pause{0};
  // close: a normal FIN; reset: SO_LINGER 0, so the close sends RST;
  // hold: keep the connection open, reading, until the client goes.
  Then then = Then::hold;
  // Written as soon as the connection is up (accepted, or for an HTTPS peer
  // handshaken), before any request is read: for a client whose first bytes
  // are not a request, such as a TLS ClientHello to a plain peer.
  bool before_request = false;
};

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body = "ok";
  // Hold the connection open and never answer (until the client goes).
  bool never_answer = false;
  // Close the connection after this response, whatever the headers said.
  bool close_after = false;
  // When set, these bytes are the whole answer and the fields above are unused.
  std::optional<RawResponse> raw{};
};

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // The first value of the header, or "" when absent.
  std::string header(const std::string& lower_name) const;
};

struct TlsIdentity {
  std::string certificate_file;  // PEM
  std::string private_key_file;  // PEM
};

class TestHttpPeer {
 public:
  // Plain HTTP on 127.0.0.1.
  TestHttpPeer();
  // HTTPS on 127.0.0.1, presenting `identity`.
  explicit TestHttpPeer(const TlsIdentity& identity);
  ~TestHttpPeer();
  TestHttpPeer(const TestHttpPeer&) = delete;
  TestHttpPeer& operator=(const TestHttpPeer&) = delete;

  unsigned short port() const;
  // Requests get these responses in order, then 200 "ok".
  void script(std::vector<ScriptedResponse> responses);
  std::size_t accepted_connections() const;
  std::vector<RecordedRequest> requests() const;
  // Blocks until `count` requests have arrived; false after `timeout`.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A CA and two leaf certificates it signed, as PEM files in a temporary
// directory that is removed again with this object.
class TestCertificates {
 public:
  TestCertificates();
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  const std::string& ca_file() const { return ca_file_; }
  // Valid for DNS:localhost and IP:127.0.0.1.
  const TlsIdentity& localhost() const { return localhost_; }
  // Valid for DNS:wrong.example only.
  const TlsIdentity& wrong_example() const { return wrong_example_; }

 private:
  std::string directory_;
  std::string ca_file_;
  TlsIdentity localhost_;
  TlsIdentity wrong_example_;
};

// A loopback port that nothing listens on (it was free a moment ago).
unsigned short unused_loopback_port();

}  // namespace hookgate::testing

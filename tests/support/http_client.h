#pragma once
// A deliberately small blocking HTTP/1.1 client over a real TCP socket, for
// tests that need to send exactly the bytes they mean (oversized headers,
// silence, half-sent bodies) as well as ordinary requests.

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookgate::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  // Parsed once and kept, so `response.json()["data"]` in a range-for refers
  // to this response, not to a temporary.
  const nlohmann::json& json() const {
    if (!parsed_) parsed_ = nlohmann::json::parse(body);
    return *parsed_;
  }
  std::string header(const std::string& lower_name) const;

 private:
  mutable std::optional<nlohmann::json> parsed_;
};

class Connection {
 public:
  // Connects to 127.0.0.1:port; throws on failure.
  explicit Connection(unsigned short port, std::chrono::milliseconds io_timeout = std::chrono::seconds(30));
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send_raw(const std::string& bytes);
  // Reads one response; nullopt if the server closed the connection first.
  std::optional<HttpResponse> read_response();
  // True when the server has closed the connection (reads EOF) before io_timeout.
  bool wait_closed_by_server();

 private:
  int fd_ = -1;
  std::string buffer_;
  bool fill();  // false on EOF
};

// One request on a fresh connection. Adds Host and Content-Length. Throws
// when the server closes without answering or is silent for io_timeout.
HttpResponse request(unsigned short port, const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     std::chrono::milliseconds io_timeout = std::chrono::seconds(30));

// True if a TCP connection to 127.0.0.1:port is refused.
bool connection_refused(unsigned short port);

}  // namespace hookgate::testing

#pragma once
// Where a server listens: a host name or address and a TCP port.

#include <string>

namespace hookgate {

struct ListenAddress {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
};

}  // namespace hookgate

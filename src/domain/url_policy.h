#pragma once
// Validation of webhook endpoint URLs at registration (DESIGN §5 "Outbound
// safety"). Only what the URL itself says is checked here; the resolved
// address is checked again at connect time. Pure: no DNS, no sockets.

#include <cstddef>
#include <string>
#include <string_view>

namespace hookgate {

struct UrlPolicy {
  // Operator switch for local development and tests: permits http and
  // private/loopback/link-local/metadata targets.
  bool allow_private_targets = false;
  std::size_t max_length = 2048;
};

struct EndpointUrl {
  std::string normalized;  // scheme://host[:port]/target, lowercase scheme and host, default port omitted
  std::string scheme;      // "https" or "http"
  std::string host;        // without brackets; obfuscated IPv4 spellings become a dotted quad
  unsigned short port;     // 443 or 80 when not given
  std::string target;      // path + query, "/" if the path is empty
  bool host_is_ip_literal;
};

// Throws invalid_parameter("url", ...) saying what is wrong when the URL is
// not acceptable under `policy`.
EndpointUrl validate_endpoint_url(std::string_view text, const UrlPolicy& policy);

}  // namespace hookgate

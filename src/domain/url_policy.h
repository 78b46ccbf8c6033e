#pragma once
// Validation of webhook endpoint URLs at registration (DESIGN §5 "Outbound
// safety"). Only what the URL itself says is checked here; the resolved
// address is checked again at connect time. Pure: no DNS, no sockets.

#include "domain/ip_policy.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

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

// Why a URL is refused, one value per rule it breaks.
enum class UrlProblem {
  empty,
  too_long,            // longer than UrlPolicy::max_length
  control_characters,  // whitespace or control characters
  not_ascii,
  not_absolute,
  not_https,           // scheme other than https (private targets refused)
  not_http_or_https,   // scheme other than http or https (private targets allowed)
  no_host,
  credentials,         // user name or password in the authority
  fragment,
  bad_port,
  unsupported_host,    // neither a host name nor an IP address (IPvFuture)
  percent_encoded_host,
  bad_ipv4,            // reads as an IPv4 address but is not a valid one
  bad_host_name,
  local_host_name,     // localhost, *.local, *.internal... (private targets refused)
  private_address,     // an IP literal of a non-public class (private targets refused)
};

struct UrlRefusal {
  UrlProblem problem;
  std::string host;                  // for local_host_name and private_address
  AddressClass address_class{};      // for private_address
  std::size_t max_length = 0;        // for too_long
};

// The URL, normalised, when it is acceptable under `policy`; otherwise why not.
std::variant<EndpointUrl, UrlRefusal> check_endpoint_url(std::string_view text, const UrlPolicy& policy);

// A sentence saying what is wrong, e.g. "url must use https".
std::string describe(const UrlRefusal& refusal);

}  // namespace hookgate

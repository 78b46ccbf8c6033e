#include "domain/url_policy.h"


#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace hookgate {
namespace {

UrlRefusal refused(UrlProblem problem) { return UrlRefusal{problem, {}}; }

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

// One part of an inet_aton-style address: 0x-hex, 0-octal or decimal.
std::optional<std::uint64_t> parse_part(std::string_view part) {
  unsigned base = 10;
  if (part.size() >= 2 && part[0] == '0' && part[1] == 'x') {
    base = 16;
    part.remove_prefix(2);  // "0x" alone is 0, as browsers read it
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  } else if (part.empty()) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (char c : part) {
    unsigned digit = is_digit(c) ? unsigned(c - '0') : is_hex(c) ? unsigned(c - 'a' + 10) : 99;
    if (digit >= base) return std::nullopt;
    value = value * base + digit;
    if (value > 0xffffffffu) return std::nullopt;
  }
  return value;
}

// Whether the last label reads as a number, which makes resolvers and
// browsers treat the whole host as an IPv4 address rather than a name.
bool ends_in_number(std::string_view host) {
  auto last = host.substr(host.rfind('.') + 1);
  if (last.size() >= 2 && last[0] == '0' && last[1] == 'x') return std::all_of(last.begin() + 2, last.end(), is_hex);
  return !last.empty() && std::all_of(last.begin(), last.end(), is_digit);
}

// inet_aton() semantics: "a", "a.b", "a.b.c" or "a.b.c.d", the last part
// filling the remaining bytes. So "2130706433", "0x7f000001", "0177.0.0.1",
// "127.1" and "127.0.1" all mean 127.0.0.1.
std::optional<std::array<unsigned char, 4>> parse_loose_ipv4(std::string_view host) {
  std::vector<std::uint64_t> parts;
  for (std::size_t start = 0;;) {
    auto dot = host.find('.', start);
    auto value = parse_part(host.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (!value || parts.size() == 4) return std::nullopt;
    parts.push_back(*value);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const std::uint64_t last = parts.back();
  if (last >= (std::uint64_t{1} << (8 * (5 - parts.size())))) return std::nullopt;
  std::uint32_t address = static_cast<std::uint32_t>(last);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] > 255) return std::nullopt;
    address |= static_cast<std::uint32_t>(parts[i]) << (8 * (3 - i));
  }
  return std::array<unsigned char, 4>{static_cast<unsigned char>(address >> 24),
                                      static_cast<unsigned char>(address >> 16),
                                      static_cast<unsigned char>(address >> 8), static_cast<unsigned char>(address)};
}

std::string dotted_quad(const std::array<unsigned char, 4>& b) {
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." + std::to_string(b[3]);
}

bool valid_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (is_digit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

// Names that by convention never leave the machine or the site.
bool is_local_name(std::string_view name) {
  return name == "localhost" || name.ends_with(".localhost") || name == "localhost.localdomain" ||
         name.ends_with(".internal") || name.ends_with(".local");
}

// nullopt when the port is not a number between 1 and 65535.
std::optional<unsigned short> parse_port(std::string_view text, unsigned short fallback) {
  if (text.empty()) return fallback;  // "host:" means the default port
  unsigned long value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + unsigned(c - '0');
    if (value > 65535) return std::nullopt;
  }
  if (value == 0) return std::nullopt;
  return static_cast<unsigned short>(value);
}

}  // namespace

std::string describe(const UrlRefusal& refusal) {
  switch (refusal.problem) {
    case UrlProblem::empty: return "url must not be empty";
    case UrlProblem::too_long: return "url must be at most " + std::to_string(refusal.max_length) + " characters";
    case UrlProblem::control_characters: return "url must not contain whitespace or control characters";
    case UrlProblem::not_ascii:
      return "url must be ASCII: percent-encode the path and query, and use punycode for the host";
    case UrlProblem::not_absolute: return "url must be an absolute URL, e.g. https://example.com/webhooks";
    case UrlProblem::not_https: return "url must use https";
    case UrlProblem::not_http_or_https: return "url must use http or https";
    case UrlProblem::no_host: return "url must include a host";
    case UrlProblem::credentials:
      return "url must not contain a user name or password; credentials in URLs are not allowed";
    case UrlProblem::fragment: return "url must not contain a fragment (#...)";
    case UrlProblem::bad_port: return "url port must be a number between 1 and 65535";
    case UrlProblem::unsupported_host: return "url host must be a host name or an IP address";
    case UrlProblem::percent_encoded_host: return "url host must not be percent-encoded";
    case UrlProblem::bad_ipv4: return "url host looks like an IPv4 address but is not a valid one";
    case UrlProblem::bad_host_name: return "url host is not a valid host name";
    case UrlProblem::local_host_name:
      return "url points to a local host name (" + refusal.host + "); private targets are not allowed";
    case UrlProblem::private_address: break;
  }
  std::string_view name = address_class_name(refusal.address_class);
  std::string_view article = std::string_view("aeiou").find(name[0]) != std::string_view::npos ? "an" : "a";
  return "url points to " + std::string(article) + " " + std::string(name) + " address (" + refusal.host +
         "); private targets are not allowed";
}

std::variant<EndpointUrl, UrlRefusal> check_endpoint_url(std::string_view text, const UrlPolicy& policy) {
  if (text.empty()) return refused(UrlProblem::empty);
  if (text.size() > policy.max_length) return UrlRefusal{UrlProblem::too_long, {}, {}, policy.max_length};
  if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
    return refused(UrlProblem::control_characters);
  if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x80; }))
    return refused(UrlProblem::not_ascii);

  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return refused(UrlProblem::not_absolute);
  const auto& url = *parsed;

  EndpointUrl out;
  out.scheme = lowercase(url.scheme());
  if (out.scheme != "https" && !(out.scheme == "http" && policy.allow_private_targets))
    return refused(policy.allow_private_targets ? UrlProblem::not_http_or_https : UrlProblem::not_https);
  if (!url.has_authority() || url.encoded_host().empty()) return refused(UrlProblem::no_host);
  if (url.has_userinfo()) return refused(UrlProblem::credentials);
  if (url.has_fragment()) return refused(UrlProblem::fragment);

  std::string_view host = url.encoded_host(), port = url.port(), path = url.encoded_path();
  std::string rejoined;
  // Boost.URL 1.81 accepts an authority followed by a path that does not start
  // with '/' (boostorg/url#755): "https://1.2.3.4.example.com/" comes back as
  // host "1.2.3.4" and path ".example.com/". Rejoin what belongs to the host.
  if (!path.empty() && path.front() != '/') {
    if (url.host_type() == boost::urls::host_type::ipv6) return refused(UrlProblem::not_absolute);
    auto slash = path.find('/');
    rejoined = std::string(url.encoded_host_and_port()) + std::string(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
    auto colon = rejoined.rfind(':');
    host = std::string_view(rejoined).substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view() : std::string_view(rejoined).substr(colon + 1);
  }
  auto port_number = parse_port(port, out.scheme == "https" ? 443 : 80);
  if (!port_number) return refused(UrlProblem::bad_port);
  out.port = *port_number;

  std::optional<AddressClass> address_class;
  const bool ipv6 = url.host_type() == boost::urls::host_type::ipv6;
  if (ipv6) {
    auto bytes = url.host_ipv6_address().to_bytes();
    out.host = url.host_ipv6_address().to_string();
    address_class = classify_address(bytes.data(), bytes.size());
  } else if (url.host_type() == boost::urls::host_type::ipvfuture) {
    return refused(UrlProblem::unsupported_host);
  } else {
    // Percent-encoding in a host ("127%2E0.0.1") only serves to hide what it is.
    if (host.find('%') != std::string_view::npos) return refused(UrlProblem::percent_encoded_host);
    out.host = lowercase(host);
    std::string_view bare = out.host;  // a trailing dot ("localhost.") names the same host
    if (bare.ends_with('.')) bare.remove_suffix(1);
    if (ends_in_number(bare)) {
      auto bytes = parse_loose_ipv4(bare);
      if (!bytes) return refused(UrlProblem::bad_ipv4);
      out.host = dotted_quad(*bytes);
      address_class = classify_address(bytes->data(), bytes->size());
    } else if (!valid_host_name(bare)) {
      return refused(UrlProblem::bad_host_name);
    } else if (is_local_name(bare) && !policy.allow_private_targets) {
      return UrlRefusal{UrlProblem::local_host_name, out.host};
    }
  }
  out.host_is_ip_literal = address_class.has_value();
  if (address_class && *address_class != AddressClass::public_address && !policy.allow_private_targets)
    return UrlRefusal{UrlProblem::private_address, out.host, *address_class};

  out.target = path.empty() ? "/" : std::string(path);
  if (url.has_query()) out.target += "?" + std::string(url.encoded_query());

  const bool default_port = out.port == (out.scheme == "https" ? 443 : 80);
  out.normalized = out.scheme + "://" + (ipv6 ? "[" + out.host + "]" : out.host) +
                   (default_port ? "" : ":" + std::to_string(out.port)) + out.target;
  return out;
}

}  // namespace hookgate

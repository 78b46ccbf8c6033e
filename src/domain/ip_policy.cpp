#include "domain/ip_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace hookgate {
namespace {

// Rows with this marker mean "the low 32 bits are an IPv4 address: recheck".
constexpr std::optional<AddressClass> unwrap_ipv4 = std::nullopt;

struct RangeSpec {
  const char* prefix;
  unsigned length;
  std::optional<AddressClass> verdict;
};

// DESIGN §5, in the spec's order. First match wins, so within a family a more
// specific range must come before a wider one that contains it.
constexpr RangeSpec ipv4_ranges[] = {
    {"0.0.0.0", 8, AddressClass::unspecified},        // "this network"
    {"10.0.0.0", 8, AddressClass::private_network},
    {"100.64.0.0", 10, AddressClass::carrier_nat},
    {"127.0.0.0", 8, AddressClass::loopback},
    {"169.254.0.0", 16, AddressClass::link_local},    // incl. cloud metadata
    {"172.16.0.0", 12, AddressClass::private_network},
    {"192.0.0.0", 24, AddressClass::reserved},        // IETF protocol assignments
    {"192.0.2.0", 24, AddressClass::documentation},
    {"192.88.99.0", 24, AddressClass::translation},   // 6to4 relay anycast
    {"192.168.0.0", 16, AddressClass::private_network},
    {"198.18.0.0", 15, AddressClass::reserved},       // benchmarking
    {"198.51.100.0", 24, AddressClass::documentation},
    {"203.0.113.0", 24, AddressClass::documentation},
    {"224.0.0.0", 4, AddressClass::multicast},
    {"240.0.0.0", 4, AddressClass::reserved},         // incl. broadcast
};

constexpr RangeSpec ipv6_ranges[] = {
    {"::", 128, AddressClass::unspecified},
    {"::1", 128, AddressClass::loopback},
    {"::ffff:0:0", 96, unwrap_ipv4},                  // IPv4-mapped
    {"::", 96, unwrap_ipv4},                          // IPv4-compatible
    {"64:ff9b::", 96, AddressClass::translation},     // NAT64
    {"64:ff9b:1::", 48, AddressClass::translation},   // local-use NAT64
    {"100::", 64, AddressClass::reserved},            // discard-only
    {"2001::", 32, AddressClass::translation},        // Teredo
    {"2001:db8::", 32, AddressClass::documentation},
    {"2002::", 16, AddressClass::translation},        // 6to4
    {"3fff::", 20, AddressClass::documentation},
    {"5f00::", 16, AddressClass::reserved},           // SRv6 SIDs
    {"fc00::", 7, AddressClass::private_network},     // unique local
    {"fe80::", 10, AddressClass::link_local},
    {"ff00::", 8, AddressClass::multicast},
};

struct Range {
  std::array<unsigned char, 16> prefix{};
  unsigned length;
  std::optional<AddressClass> verdict;
};

template <std::size_t N>
std::vector<Range> build(const RangeSpec (&specs)[N], int family) {
  std::vector<Range> ranges;
  for (const auto& spec : specs) {
    Range range{{}, spec.length, spec.verdict};
    // The table is a compile-time constant; a typo would be caught by the tests.
    inet_pton(family, spec.prefix, range.prefix.data());
    ranges.push_back(range);
  }
  return ranges;
}

bool matches(const unsigned char* bytes, const Range& range) {
  const unsigned whole = range.length / 8, rest = range.length % 8;
  if (!std::equal(bytes, bytes + whole, range.prefix.begin())) return false;
  if (rest == 0) return true;
  const unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (bytes[whole] & mask) == (range.prefix[whole] & mask);
}

AddressClass classify_ipv4(const unsigned char* bytes) {
  static const std::vector<Range> ranges = build(ipv4_ranges, AF_INET);
  for (const auto& range : ranges)
    if (matches(bytes, range)) return *range.verdict;
  return AddressClass::public_address;
}

AddressClass classify_ipv6(const unsigned char* bytes) {
  static const std::vector<Range> ranges = build(ipv6_ranges, AF_INET6);
  for (const auto& range : ranges) {
    if (!matches(bytes, range)) continue;
    return range.verdict ? *range.verdict : classify_ipv4(bytes + 12);
  }
  return AddressClass::public_address;
}

}  // namespace

std::string_view address_class_name(AddressClass c) {
  switch (c) {
    case AddressClass::public_address: return "public";
    case AddressClass::unspecified: return "unspecified";
    case AddressClass::loopback: return "loopback";
    case AddressClass::private_network: return "private";
    case AddressClass::link_local: return "link-local";
    case AddressClass::carrier_nat: return "carrier-grade NAT";
    case AddressClass::multicast: return "multicast";
    case AddressClass::reserved: return "reserved";
    case AddressClass::documentation: return "documentation";
    case AddressClass::translation: return "translation";
    case AddressClass::unparseable: return "unparseable";
  }
  return "unparseable";
}

AddressClass classify_address(const unsigned char* bytes, std::size_t length) {
  if (bytes == nullptr) return AddressClass::unparseable;
  if (length == 4) return classify_ipv4(bytes);
  if (length == 16) return classify_ipv6(bytes);
  return AddressClass::unparseable;
}

std::optional<AddressClass> classify_ip_literal(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  const bool v6 = text.find(':') != std::string_view::npos;
  // A zone ("fe80::1%eth0", or "%25eth0" inside a URL) only selects an
  // interface; the address alone decides the class.
  if (auto zone = text.find('%'); v6 && zone != std::string_view::npos) text = text.substr(0, zone);
  if (text.find('\0') != std::string_view::npos) return std::nullopt;  // c_str() would cut it short
  const std::string address(text);  // inet_pton needs a terminated string
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, address.c_str(), bytes.data()) != 1) return std::nullopt;
  return classify_address(bytes.data(), v6 ? 16 : 4);
}

}  // namespace hookgate

#pragma once
// Which IP addresses hookgate may deliver webhooks to (SSRF defence, DESIGN
// §5 "Outbound safety"). Used when an endpoint is registered and again on the
// resolved address at connect time. Pure: no DNS, no sockets.

#include <cstddef>
#include <optional>
#include <string_view>

namespace hookgate {

// Why an address is refused; public_address = allowed.
enum class AddressClass {
  public_address,
  unspecified,
  loopback,
  private_network,
  link_local,
  carrier_nat,
  multicast,
  reserved,
  documentation,
  translation,
  unparseable,
};

// Short human name for messages: "public", "loopback", "private", "link-local", ...
std::string_view address_class_name(AddressClass c);

// Classifies 4 or 16 raw network-order bytes (any other length is
// unparseable). IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96, other
// than :: and ::1) IPv6 addresses are unwrapped and classified as IPv4.
AddressClass classify_address(const unsigned char* bytes, std::size_t length);

// Parses a strict textual IP (dotted-quad IPv4, or IPv6 with optional
// brackets and %zone) and classifies it; nullopt if the text is not an IP
// literal. Obfuscated IPv4 spellings ("127.1", "0x7f000001") are not IP
// literals here; url_policy normalises those.
std::optional<AddressClass> classify_ip_literal(std::string_view text);

}  // namespace hookgate

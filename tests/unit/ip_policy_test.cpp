#include "domain/ip_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hookgate {
namespace {

struct Case {
  std::string address;
  AddressClass expected;
};

void expect_all(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    auto got = classify_ip_literal(c.address);
    ASSERT_TRUE(got.has_value()) << c.address;
    EXPECT_EQ(*got, c.expected) << c.address << " is " << address_class_name(*got) << ", expected "
                                << address_class_name(c.expected);
  }
}

// First and last address of every refused IPv4 range (DESIGN §5), and the
// public neighbours just outside where they are not themselves refused.
TEST(IpPolicyTest, Ipv4Ranges) {
  using enum AddressClass;
  expect_all({
      {"0.0.0.0", unspecified}, {"0.255.255.255", unspecified}, {"1.0.0.0", public_address},
      {"9.255.255.255", public_address}, {"10.0.0.0", private_network}, {"10.255.255.255", private_network},
      {"11.0.0.0", public_address},
      {"100.63.255.255", public_address}, {"100.64.0.0", carrier_nat}, {"100.127.255.255", carrier_nat},
      {"100.128.0.0", public_address},
      {"126.255.255.255", public_address}, {"127.0.0.0", loopback}, {"127.0.0.1", loopback},
      {"127.255.255.255", loopback}, {"128.0.0.0", public_address},
      {"169.253.255.255", public_address}, {"169.254.0.0", link_local}, {"169.254.169.254", link_local},
      {"169.254.255.255", link_local}, {"169.255.0.0", public_address},
      {"172.15.255.255", public_address}, {"172.16.0.0", private_network}, {"172.31.255.255", private_network},
      {"172.32.0.0", public_address},
      {"191.255.255.255", public_address}, {"192.0.0.0", reserved}, {"192.0.0.255", reserved},
      {"192.0.1.0", public_address}, {"192.0.2.0", documentation}, {"192.0.2.255", documentation},
      {"192.0.3.0", public_address},
      {"192.88.98.255", public_address}, {"192.88.99.0", translation}, {"192.88.99.255", translation},
      {"192.88.100.0", public_address},
      {"192.167.255.255", public_address}, {"192.168.0.0", private_network}, {"192.168.255.255", private_network},
      {"192.169.0.0", public_address},
      {"198.17.255.255", public_address}, {"198.18.0.0", reserved}, {"198.19.255.255", reserved},
      {"198.20.0.0", public_address},
      {"198.51.99.255", public_address}, {"198.51.100.0", documentation}, {"198.51.100.255", documentation},
      {"198.51.101.0", public_address},
      {"203.0.112.255", public_address}, {"203.0.113.0", documentation}, {"203.0.113.255", documentation},
      {"203.0.114.0", public_address},
      {"223.255.255.255", public_address}, {"224.0.0.0", multicast}, {"239.255.255.255", multicast},
      {"240.0.0.0", reserved}, {"255.255.255.254", reserved}, {"255.255.255.255", reserved},
      {"8.8.8.8", public_address}, {"1.1.1.1", public_address},
  });
}

TEST(IpPolicyTest, Ipv6Ranges) {
  using enum AddressClass;
  expect_all({
      {"::", unspecified}, {"::1", loopback},
      {"64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"64:ff9b::", translation},
      {"64:ff9b::ffff:ffff", translation}, {"64:ff9b::1:0:0", public_address},
      {"64:ff9b:1::", translation}, {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", translation},
      {"64:ff9b:2::", public_address},
      {"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"100::", reserved},
      {"100::ffff:ffff:ffff:ffff", reserved}, {"100:0:0:1::", public_address},
      {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"2001::", translation},
      {"2001:0:ffff:ffff:ffff:ffff:ffff:ffff", translation}, {"2001:1::", public_address},
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"2001:db8::", documentation},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", documentation}, {"2001:db9::", public_address},
      {"2001:4860:4860::8888", public_address},
      {"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"2002::", translation},
      {"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", translation}, {"2003::", public_address},
      {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"3fff::", documentation},
      {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", documentation}, {"3fff:1000::", public_address},
      {"5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"5f00::", reserved},
      {"5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", reserved}, {"5f01::", public_address},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"fc00::", private_network},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", private_network}, {"fe00::", public_address},
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"fe80::", link_local},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", link_local}, {"fec0::", public_address},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_address}, {"ff00::", multicast},
      {"ff02::1", multicast}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", multicast},
  });
}

TEST(IpPolicyTest, UnwrapsIpv4MappedAndCompatibleAddresses) {
  using enum AddressClass;
  expect_all({
      {"::ffff:10.0.0.1", private_network}, {"::ffff:127.0.0.1", loopback}, {"::ffff:7f00:1", loopback},
      {"::ffff:169.254.169.254", link_local}, {"::ffff:0.0.0.0", unspecified}, {"::ffff:8.8.8.8", public_address},
      {"::10.0.0.1", private_network}, {"::127.0.0.1", loopback}, {"::8.8.8.8", public_address},
      {"::2", unspecified},  // ::/96 unwraps to 0.0.0.2
      // Just outside ::ffff:0:0/96: not unwrapped, and not in any refused range.
      {"::1:ffff:7f00:1", public_address}, {"0:0:0:1::7f00:1", public_address},
  });
}

TEST(IpPolicyTest, RawBytes) {
  const unsigned char metadata[] = {169, 254, 169, 254};
  EXPECT_EQ(classify_address(metadata, 4), AddressClass::link_local);
  const unsigned char mapped[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
  EXPECT_EQ(classify_address(mapped, 16), AddressClass::private_network);
  const unsigned char google[] = {8, 8, 8, 8};
  EXPECT_EQ(classify_address(google, 4), AddressClass::public_address);
  EXPECT_EQ(classify_address(google, 3), AddressClass::unparseable);
  EXPECT_EQ(classify_address(nullptr, 4), AddressClass::unparseable);
}

TEST(IpPolicyTest, LiteralSyntax) {
  EXPECT_EQ(classify_ip_literal("[::1]"), AddressClass::loopback);
  EXPECT_EQ(classify_ip_literal("fe80::1%eth0"), AddressClass::link_local);
  EXPECT_EQ(classify_ip_literal("[fe80::1%25eth0]"), AddressClass::link_local);
  EXPECT_EQ(classify_ip_literal("[2606:4700::1111]"), AddressClass::public_address);
  // Not IP literals: names, obfuscated IPv4 (url_policy handles those), junk.
  const std::vector<std::string> not_literals = {
      "", "example.com", "localhost", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "1.2.3.4.5",
      "256.0.0.1", "[::1", "::1]", "1.2.3.4%eth0", "::g", std::string("127.0.0.1\0.example.com", 21)};
  for (const auto& text : not_literals)
    EXPECT_FALSE(classify_ip_literal(text).has_value()) << text;
}

TEST(IpPolicyTest, ClassNames) {
  EXPECT_EQ(address_class_name(AddressClass::public_address), "public");
  EXPECT_EQ(address_class_name(AddressClass::loopback), "loopback");
  EXPECT_EQ(address_class_name(AddressClass::private_network), "private");
  EXPECT_EQ(address_class_name(AddressClass::link_local), "link-local");
  EXPECT_EQ(address_class_name(AddressClass::unparseable), "unparseable");
}

}  // namespace
}  // namespace hookgate

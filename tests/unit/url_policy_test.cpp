#include "domain/url_policy.h"

#include "core/error.h"
#include "services/endpoint_url.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hookgate {
namespace {

const UrlPolicy strict{};
const UrlPolicy permissive{.allow_private_targets = true};

// The message of the invalid_parameter("url") error, or "" when accepted.
std::string refusal(std::string_view url, const UrlPolicy& policy = strict) {
  try {
    validate_endpoint_url(url, policy);
    return "";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), Errc::invalid_parameter) << url;
    EXPECT_EQ(error.details().value("param", ""), "url") << url;
    return error.what();
  }
}

struct Case {
  std::string url;
  std::string message_part;  // a piece of the expected message
};

void expect_refused(const std::vector<Case>& cases, const UrlPolicy& policy = strict) {
  for (const auto& c : cases) {
    auto message = refusal(c.url, policy);
    EXPECT_NE(message.find(c.message_part), std::string::npos)
        << c.url << " -> \"" << message << "\", expected it to mention \"" << c.message_part << "\"";
  }
}

TEST(UrlPolicyTest, RefusesMalformedUrls) {
  expect_refused({
      {"", "must not be empty"},
      {"example.com/hook", "absolute URL"},
      {"/hooks", "absolute URL"},
      {"https://exa mple.com/", "whitespace or control"},
      {" https://example.com/", "whitespace or control"},
      {"https://example.com/\n", "whitespace or control"},
      {"https://example.com/\t", "whitespace or control"},
      {"https://example.com/\x7f", "whitespace or control"},
      {std::string("https://example.com/\0", 21), "whitespace or control"},
      {"https://example.com/\xc3\xa9", "url must be ASCII"},
      {"https://b\xc3\xbc" "cher.example/", "url must be ASCII"},
      {"https://exa\\mple.com/", "absolute URL"},
      {"https://[::1/", "absolute URL"},
      {"https://example.com:99999/", "port must be a number between 1 and 65535"},
      {"https://example.com:65536/", "port must be a number between 1 and 65535"},
      {"https://example.com:0/", "port must be a number between 1 and 65535"},
      {"https://example.com:00/", "port must be a number between 1 and 65535"},
  });
}

TEST(UrlPolicyTest, RequiresHttps) {
  expect_refused({
      {"http://example.com/hook", "url must use https"},
      {"ftp://example.com/hook", "url must use https"},
      {"javascript:alert(1)", "url must use https"},
      {"localhost:8080", "url must use https"},
  });
  expect_refused({{"ftp://example.com/hook", "url must use http or https"}}, permissive);
  EXPECT_EQ(refusal("HTTPS://example.com/"), "");
}

TEST(UrlPolicyTest, RefusesMissingHostCredentialsAndFragments) {
  expect_refused({
      {"https:/example.com/hook", "must include a host"},
      {"https:example.com", "must include a host"},
      {"https:///hook", "must include a host"},
      {"https://", "must include a host"},
      {"https://:443/", "must include a host"},
      {"https://user:pass@example.com/", "credentials in URLs are not allowed"},
      {"https://user@example.com/", "credentials in URLs are not allowed"},
      {"https://@example.com/", "credentials in URLs are not allowed"},
      {"https://example.com@127.0.0.1/", "credentials in URLs are not allowed"},
      {"https://example.com/hook#frag", "fragment"},
      {"https://example.com/hook#", "fragment"},
  });
}

TEST(UrlPolicyTest, RefusesOverlongUrls) {
  std::string base = "https://example.com/";
  EXPECT_EQ(refusal(base + std::string(2048 - base.size(), 'a')), "");
  EXPECT_EQ(refusal(base + std::string(2049 - base.size(), 'a')), "url must be at most 2048 characters");
  EXPECT_EQ(refusal("https://example.com/abc", UrlPolicy{.max_length = 10}), "url must be at most 10 characters");
}

TEST(UrlPolicyTest, RefusesPrivateIpLiterals) {
  expect_refused({
      {"https://127.0.0.1/", "url points to a loopback address (127.0.0.1); private targets are not allowed"},
      {"https://10.1.2.3/", "a private address (10.1.2.3)"},
      {"https://169.254.169.254/latest/meta-data/", "a link-local address (169.254.169.254)"},
      {"https://100.64.0.1/", "carrier-grade NAT address"},
      {"https://0.0.0.0/", "an unspecified address (0.0.0.0)"},
      {"https://224.0.0.1/", "multicast"},
      {"https://255.255.255.255/", "reserved"},
      {"https://192.0.2.1/", "documentation"},
      {"https://[::1]/", "a loopback address (::1)"},
      {"https://[::]/", "unspecified"},
      {"https://[fd00::1]:8443/", "a private address (fd00::1)"},
      {"https://[fe80::1]/", "link-local"},
      {"https://[::ffff:127.0.0.1]/", "loopback"},
      {"https://[::ffff:7f00:1]/", "loopback"},
      {"https://[::ffff:169.254.169.254]/", "link-local"},
      {"https://[64:ff9b::a9fe:a9fe]/", "translation"},
      {"https://[2001:db8::1]/", "documentation"},
  });
}

TEST(UrlPolicyTest, RefusesEveryObfuscatedSpellingOfLoopback) {
  for (std::string host : {"127.0.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1", "0177.0.0.01",
                           "0x7f.0.0.1", "0x7f.1", "127.1", "127.0.1", "017700000001", "127.0.0.1.",
                           "127.000.000.001"}) {
    auto message = refusal("https://" + host + "/hook");
    EXPECT_EQ(message, "url points to a loopback address (127.0.0.1); private targets are not allowed") << host;
  }
  // Other ranges are caught through the same normalisation.
  expect_refused({
      {"https://2852039166/", "link-local address (169.254.169.254)"},
      {"https://0xa9fea9fe/", "link-local address (169.254.169.254)"},
      {"https://10.1/", "private address (10.0.0.1)"},
      {"https://0/", "unspecified address (0.0.0.0)"},
      {"https://0x/", "unspecified address (0.0.0.0)"},
  });
}

TEST(UrlPolicyTest, RefusesHostsThatOnlyLookNumeric) {
  expect_refused({
      {"https://1.2.3.4.5/", "not a valid one"},
      {"https://256.0.0.1/", "not a valid one"},
      {"https://127.0.0.256/", "not a valid one"},
      {"https://4294967296/", "not a valid one"},
      {"https://08.0.0.1/", "not a valid one"},
      {"https://0xg.1/", "not a valid one"},  // a numeric last label makes it an address
      {"https://example.123/", "not a valid one"},
      {"https://127%2E0%2E0%2E1/", "percent-encoded"},
      {"https://exa..mple.com/", "not a valid host name"},
      {"https://.example.com/", "not a valid host name"},
      {"https://exa!mple.com/", "not a valid host name"},
      {"https://[v1.fe80::a]/", "host name or an IP address"},
  });
}

TEST(UrlPolicyTest, RefusesLocalNames) {
  expect_refused({
      {"https://localhost/", "url points to a local host name (localhost); private targets are not allowed"},
      {"https://LOCALHOST:8443/", "local host name (localhost)"},
      {"https://localhost./", "local host name (localhost.)"},
      {"https://api.localhost/", "local host name"},
      {"https://localhost.localdomain/", "local host name"},
      {"https://metadata.google.internal/", "local host name"},
      {"https://printer.local/", "local host name"},
  });
  // Only whole labels count.
  for (auto url : {"https://notlocalhost.com/", "https://localhost.com/", "https://internal.example.com/",
                   "https://example.locality/", "https://mylocal/"})
    EXPECT_EQ(refusal(url), "") << url;
}

TEST(UrlPolicyTest, AcceptsPublicTargets) {
  for (auto url : {"https://example.com/hook", "https://8.8.8.8/", "https://[2606:4700::1111]/x",
                   "https://[::ffff:8.8.8.8]/", "https://1e100.net/", "https://my_host.example.com/",
                   "https://example.com./"})
    EXPECT_EQ(refusal(url), "") << url;
}

// Boost.URL 1.81 splits "1.2.3.4.example.com" into host "1.2.3.4" and path
// ".example.com" (boostorg/url#755); the whole name must still be the host.
TEST(UrlPolicyTest, HostsStartingWithAnAddressAreNotSplit) {
  auto url = validate_endpoint_url("https://1.2.3.4.example.com:8443/x?q=1", strict);
  EXPECT_EQ(url.host, "1.2.3.4.example.com");
  EXPECT_EQ(url.port, 8443);
  EXPECT_EQ(url.target, "/x?q=1");
  EXPECT_FALSE(url.host_is_ip_literal);
  // Names, not addresses: the resolved address is checked at connect time.
  EXPECT_EQ(validate_endpoint_url("https://127.0.0.1.nip.io", strict).host, "127.0.0.1.nip.io");
  EXPECT_EQ(validate_endpoint_url("https://127.0.0.1x/", strict).host, "127.0.0.1x");
  expect_refused({
      {"https://1.2.3.4.5/", "not a valid one"},
      {"https://127.0.0.1.5?q", "not a valid one"},
      {"https://1.2.3.4.localhost/", "local host name (1.2.3.4.localhost)"},
      {"https://1.2.3.4.x:80:90/", "not a valid host name"},
      {"https://1.2.3.4:8x/", "port must be a number"},
      {"https://example.com:80x/", "port must be a number"},
      {"https://[::1]x/", "absolute URL"},
  });
}

TEST(UrlPolicyTest, AllowPrivateTargetsLetsLocalDevelopmentThrough) {
  auto url = validate_endpoint_url("http://127.0.0.1:8080/x", permissive);
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.target, "/x");
  EXPECT_TRUE(url.host_is_ip_literal);
  EXPECT_EQ(url.normalized, "http://127.0.0.1:8080/x");
  for (auto text : {"http://localhost:3000/hook", "https://[::1]/", "http://169.254.169.254/", "http://127.1/",
                    "https://svc.internal/"})
    EXPECT_EQ(refusal(text, permissive), "") << text;
  // The switch relaxes the target rules, not the URL rules.
  expect_refused({{"http://u:p@127.0.0.1/", "credentials"}, {"http://127.0.0.1/#x", "fragment"},
                  {"http://127.0.0.1:0/", "port"}}, permissive);
}

TEST(UrlPolicyTest, NormalizesTheResult) {
  auto url = validate_endpoint_url("HTTPS://Example.COM", strict);
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "example.com");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.target, "/");
  EXPECT_FALSE(url.host_is_ip_literal);
  EXPECT_EQ(url.normalized, "https://example.com/");

  url = validate_endpoint_url("https://example.com:443/a/b?x=1&y=%20", strict);
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.target, "/a/b?x=1&y=%20");
  EXPECT_EQ(url.normalized, "https://example.com/a/b?x=1&y=%20");

  url = validate_endpoint_url("https://example.com?q", strict);
  EXPECT_EQ(url.target, "/?q");

  url = validate_endpoint_url("https://example.com:/hook", strict);
  EXPECT_EQ(url.port, 443);

  url = validate_endpoint_url("https://example.com:8443/hook", strict);
  EXPECT_EQ(url.port, 8443);
  EXPECT_EQ(url.normalized, "https://example.com:8443/hook");

  url = validate_endpoint_url("http://localhost/hook", permissive);
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.normalized, "http://localhost/hook");

  url = validate_endpoint_url("https://[2606:4700:0:0::1111]:8443/h", strict);
  EXPECT_EQ(url.host, "2606:4700::1111");
  EXPECT_TRUE(url.host_is_ip_literal);
  EXPECT_EQ(url.normalized, "https://[2606:4700::1111]:8443/h");

  url = validate_endpoint_url("http://0x7f.1:8080/x", permissive);
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.normalized, "http://127.0.0.1:8080/x");
}

// The sender reads the verdict as a value; the reason is typed, the message
// is the one the API sends.
TEST(UrlPolicyTest, ARefusalSaysWhichRuleAndAbout) {
  auto verdict = check_endpoint_url("https://10.0.0.1/hook", strict);
  ASSERT_TRUE(std::holds_alternative<UrlRefusal>(verdict));
  const auto& refused = std::get<UrlRefusal>(verdict);
  EXPECT_EQ(refused.problem, UrlProblem::private_address);
  EXPECT_EQ(refused.address_class, AddressClass::private_network);
  EXPECT_EQ(refused.host, "10.0.0.1");
  EXPECT_EQ(describe(refused), refusal("https://10.0.0.1/hook"));
  EXPECT_EQ(describe(refused), "url points to a private address (10.0.0.1); private targets are not allowed");

  auto scheme = check_endpoint_url("ftp://example.com/", permissive);
  ASSERT_TRUE(std::holds_alternative<UrlRefusal>(scheme));
  EXPECT_EQ(std::get<UrlRefusal>(scheme).problem, UrlProblem::not_http_or_https);
  EXPECT_TRUE(std::holds_alternative<EndpointUrl>(check_endpoint_url("https://example.com/", strict)));
}

}  // namespace
}  // namespace hookgate

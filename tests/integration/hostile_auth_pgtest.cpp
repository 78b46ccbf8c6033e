// 10,000 hostile Authorization values over a few keep-alive connections:
// every answer is a 401 (or a 400 where the HTTP parser refuses the bytes),
// never a 5xx, never a 200, and the server stays healthy afterwards.

#include "support/api_fixture.h"
#include "support/http_client.h"
#include "support/test_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace hookgate::testing {
namespace {

constexpr int kTotal = 10'000;
constexpr int kConnections = 4;
constexpr std::size_t kMaxValueBytes = 12 * 1024;  // under the 16 KiB header limit
constexpr const char* kKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

enum class Kind {
  empty,
  huge,
  non_ascii,
  bearer_twice,
  wrong_scheme,
  near_miss,
  control_chars,
  random_bytes,
  duplicate_header,
  odd_case_scheme,
  key_shaped,
  count
};

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::empty: return "empty";
    case Kind::huge: return "huge";
    case Kind::non_ascii: return "non_ascii";
    case Kind::bearer_twice: return "bearer_twice";
    case Kind::wrong_scheme: return "wrong_scheme";
    case Kind::near_miss: return "near_miss";
    case Kind::control_chars: return "control_chars";
    case Kind::random_bytes: return "random_bytes";
    case Kind::duplicate_header: return "duplicate_header";
    case Kind::odd_case_scheme: return "odd_case_scheme";
    case Kind::key_shaped: return "key_shaped";
    case Kind::count: break;
  }
  return "?";
}

struct HostileCase {
  Kind kind;
  std::vector<std::string> values;  // one Authorization header each
};

// Builds hostile values from a seeded engine, around real keys so that
// near misses share their prefixes.
class Generator {
 public:
  Generator(unsigned seed, std::vector<std::string> valid_keys) : rng_(seed), keys_(std::move(valid_keys)) {}

  HostileCase next() {
    for (;;) {
      auto kind = static_cast<Kind>(uniform(0, static_cast<int>(Kind::count) - 1));
      HostileCase c{kind, make(kind)};
      // Header values lose surrounding spaces and tabs in transit; never
      // send what would then be a real key on its own.
      if (c.values.size() == 1 && is_valid_authorization(c.values[0])) continue;
      return c;
    }
  }

 private:
  int uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  std::size_t index(std::size_t size) { return static_cast<std::size_t>(uniform(0, static_cast<int>(size) - 1)); }
  const std::string& key() { return keys_[index(keys_.size())]; }

  std::string alphabet_text(std::size_t length) {
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out += kKeyAlphabet[index(64)];
    return out;
  }
  std::string visible_text(std::size_t length) {
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out += static_cast<char>(uniform(0x20, 0x7e));
    return out;
  }
  // Any byte but CR and LF, which would end the header line.
  char any_byte() {
    for (;;) {
      auto byte = static_cast<char>(uniform(0, 255));
      if (byte != '\r' && byte != '\n') return byte;
    }
  }
  char control_char() {
    static const std::string controls = [] {
      std::string out;
      for (int c = 0; c < 0x20; ++c) {
        if (c != '\r' && c != '\n') out += static_cast<char>(c);
      }
      out += '\x7f';
      return out;
    }();
    return controls[index(controls.size())];
  }

  std::string near_miss() {
    const std::string& k = key();
    switch (uniform(0, 6)) {
      case 0: return k.substr(0, 12) + alphabet_text(k.size() - 12);  // same display prefix, well-formed
      case 1: {                                                        // one character changed
        std::string out = k;
        auto at = 3 + index(out.size() - 3);
        char replacement;
        do replacement = kKeyAlphabet[index(64)];
        while (replacement == out[at]);
        out[at] = replacement;
        return out;
      }
      case 2: return k.substr(0, k.size() - 1 - index(10));           // truncated
      case 3: return k + alphabet_text(1 + index(10));                // extended
      case 4: return (k[0] == 's' ? "pk" : "sk") + k.substr(2);       // other kind
      case 5: {                                                        // case flipped
        std::string out = k;
        for (std::size_t i = 3; i < out.size(); ++i) {
          auto c = static_cast<unsigned char>(out[i]);
          if (std::isalpha(c)) {
            out[i] = static_cast<char>(std::isupper(c) ? std::tolower(c) : std::toupper(c));
            break;
          }
        }
        return out;
      }
      default: return k.substr(0, 3 + index(k.size() - 3));          // a prefix only
    }
  }

  std::vector<std::string> make(Kind kind) {
    switch (kind) {
      case Kind::empty: {
        static const std::vector<std::string> blanks = {"", " ", "\t", "  \t  ", "Bearer ", "Bearer \t"};
        return {blanks[index(blanks.size())]};
      }
      case Kind::huge: {
        auto length = 1 + index(kMaxValueBytes - 16);
        std::string body = uniform(0, 1) == 0 ? alphabet_text(length) : visible_text(length);
        return {uniform(0, 1) == 0 ? "Bearer " + body : "Bearer sk_" + body};
      }
      case Kind::non_ascii: {
        std::string value = "Bearer " + key();
        auto count = 1 + index(8);
        for (std::size_t i = 0; i < count; ++i) {
          auto at = index(value.size());
          value[at] = static_cast<char>(uniform(0x80, 0xff));
        }
        if (uniform(0, 3) == 0) value += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91";  // UTF-8 too
        return {value};
      }
      case Kind::bearer_twice: {
        static const std::vector<std::string> forms = {"Bearer Bearer ", "Bearer  Bearer ", "BearerBearer ",
                                                       "Bearer bearer "};
        if (uniform(0, 3) == 0) return {"Bearer " + key() + " Bearer " + key()};
        return {forms[index(forms.size())] + key()};
      }
      case Kind::wrong_scheme: {
        static const std::vector<std::string> schemes = {
            "Basic ", "Token ", "Bearer:", "Bearer\t", "Bearer=", "Bearer,", "Digest ", "Bear ", "Bearerr ",
            "Bearer_", "Beare r ", "OAuth ", "", "ApiKey ", "Bearer\"", "Bearer %20"};
        return {schemes[index(schemes.size())] + key()};
      }
      case Kind::near_miss: return {"Bearer " + near_miss()};
      case Kind::control_chars: {
        std::string value = "Bearer " + key();
        auto count = 1 + index(4);
        for (std::size_t i = 0; i < count; ++i) {
          value.insert(value.begin() + static_cast<std::ptrdiff_t>(index(value.size() + 1)), control_char());
        }
        return {value};
      }
      case Kind::random_bytes: {
        std::string value;
        auto length = index(301);
        for (std::size_t i = 0; i < length; ++i) value += any_byte();
        return {value};
      }
      case Kind::duplicate_header: {
        std::string first = "Bearer " + key();
        std::string second = uniform(0, 1) == 0 ? first : "Bearer " + (uniform(0, 1) == 0 ? key() : near_miss());
        return {first, second};
      }
      case Kind::odd_case_scheme: {
        std::string scheme = "bearer ";
        for (auto& c : scheme) {
          if (uniform(0, 1) == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        return {scheme + near_miss()};
      }
      case Kind::key_shaped: {
        static const std::vector<std::string> prefixes = {"sk_", "pk_", "rk_", "SK_", "Sk_", "sk-", "pk", "_"};
        return {"Bearer " + prefixes[index(prefixes.size())] + alphabet_text(index(101))};
      }
      case Kind::count: break;
    }
    return {""};
  }

  bool is_valid_authorization(const std::string& value) const {
    auto first = value.find_first_not_of(" \t");
    if (first == std::string::npos) return false;
    auto last = value.find_last_not_of(" \t");
    std::string trimmed = value.substr(first, last - first + 1);
    if (trimmed.size() < 7) return false;
    std::string scheme = trimmed.substr(0, 7);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    if (scheme != "bearer ") return false;
    return std::find(keys_.begin(), keys_.end(), trimmed.substr(7)) != keys_.end();
  }

  std::mt19937 rng_;
  std::vector<std::string> keys_;
};

// Only bytes an HTTP parser must accept in a field value (VCHAR, SP, HTAB):
// such a request reaches hookgate, so its answer must be a 401.
bool plain_text(const std::vector<std::string>& values) {
  for (const auto& value : values) {
    for (unsigned char c : value) {
      if (!(c == '\t' || (c >= 0x20 && c <= 0x7e))) return false;
    }
  }
  return true;
}

std::string printable(const std::string& value) {
  std::string out;
  for (unsigned char c : value.substr(0, 80)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    }
  }
  if (value.size() > 80) out += "...(" + std::to_string(value.size()) + " bytes)";
  return out;
}

struct Tally {
  std::map<int, int> statuses;
  std::map<std::string, std::map<int, int>> by_kind;
  std::vector<std::string> problems;
  int sent = 0;

  void problem(const std::string& text) {
    if (problems.size() < 20) problems.push_back(text);
  }
};

void hammer(unsigned short port, unsigned seed, int count, const std::vector<std::string>& keys, Tally& tally) {
  Generator generator(seed, keys);
  auto connection = std::make_unique<Connection>(port);
  for (int i = 0; i < count; ++i) {
    auto c = generator.next();
    std::string text = std::string("GET ") + kEventTypesPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& value : c.values) text += "Authorization: " + value + "\r\n";
    text += "\r\n";
    const std::string label = std::string(kind_name(c.kind)) + " '" + printable(c.values[0]) + "'";
    std::optional<HttpResponse> response;
    try {
      connection->send_raw(text);
      response = connection->read_response();
    } catch (const std::exception& error) {
      tally.problem(label + ": " + error.what());
    }
    ++tally.sent;
    if (!response) {
      tally.problem(label + ": no response");
      connection = std::make_unique<Connection>(port);
      continue;
    }
    tally.statuses[response->status]++;
    tally.by_kind[kind_name(c.kind)][response->status]++;

    std::string code;
    try {
      code = response->json().at("error").at("code").get<std::string>();
    } catch (const std::exception&) {
      tally.problem(label + ": body is not a JSON error: " + printable(response->body));
    }
    if (response->status == 401) {
      if (code != "INVALID_API_KEY" && code != "AUTHENTICATION_REQUIRED") tally.problem(label + ": 401 code " + code);
    } else if (response->status == 400) {
      if (code != "MALFORMED_REQUEST") tally.problem(label + ": 400 code " + code);
      if (plain_text(c.values)) tally.problem(label + ": plain-text value refused as malformed");
    } else {
      tally.problem(label + ": status " + std::to_string(response->status) + " " + printable(response->body));
    }
    if (c.kind == Kind::duplicate_header && code != "INVALID_API_KEY") {
      tally.problem(label + ": duplicate Authorization answered " + code);
    }
    // A refused request ends the connection; otherwise keep it alive.
    auto connection_header = response->header("connection");
    std::transform(connection_header.begin(), connection_header.end(), connection_header.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    if (response->status == 400 || connection_header == "close") connection = std::make_unique<Connection>(port);
  }
}

TEST(HostileAuthentication, TenThousandHostileAuthorizationValues) {
  auto server = TestServer::start();
  ApiFixture api(*server);
  auto account = api.create_account();
  auto sk = api.create_key(account, "sk", {}, "full");
  auto pk = api.create_key(account, "pk", {}, "store");
  const std::vector<std::string> keys = {sk.secret, pk.secret};
  ASSERT_EQ(get(server->port(), kEventTypesPath, sk.secret).status, 200);

  std::vector<Tally> tallies(kConnections);
  std::vector<std::thread> threads;
  for (int t = 0; t < kConnections; ++t) {
    threads.emplace_back([&, t] {
      try {
        hammer(server->port(), 20240917u + static_cast<unsigned>(t), kTotal / kConnections, keys, tallies[t]);
      } catch (const std::exception& error) {
        tallies[t].problem(std::string("worker stopped: ") + error.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();

  Tally total;
  for (const auto& tally : tallies) {
    total.sent += tally.sent;
    for (const auto& [status, n] : tally.statuses) total.statuses[status] += n;
    for (const auto& [kind, statuses] : tally.by_kind) {
      for (const auto& [status, n] : statuses) total.by_kind[kind][status] += n;
    }
    for (const auto& problem : tally.problems) total.problem(problem);
  }
  std::string summary;
  for (const auto& [kind, statuses] : total.by_kind) {
    summary += kind + ":";
    for (const auto& [status, n] : statuses) summary += " " + std::to_string(status) + "x" + std::to_string(n);
    summary += "\n";
  }
  SCOPED_TRACE(summary);
  std::printf("responses by kind:\n%s", summary.c_str());

  EXPECT_EQ(total.sent, kTotal);
  for (const auto& problem : total.problems) ADD_FAILURE() << problem;
  for (const auto& [status, n] : total.statuses) {
    EXPECT_TRUE(status == 401 || status == 400) << n << " responses with status " << status;
  }
  // Most values are well-formed HTTP and reach the authenticator; every kind
  // was generated, and the near misses were all refused by hookgate itself.
  EXPECT_GT(total.statuses[401], kTotal / 2);
  EXPECT_EQ(total.by_kind.size(), static_cast<std::size_t>(Kind::count));
  EXPECT_GT(total.by_kind["near_miss"][401], 0);
  EXPECT_EQ(total.by_kind["near_miss"].size(), 1u) << "near misses must all be 401";
  EXPECT_GT(total.by_kind["huge"][401], 0);

  // Still healthy, and real keys still work, on fresh and on reused connections.
  EXPECT_EQ(request(server->port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(get(server->port(), kEventTypesPath, sk.secret).status, 200);
  EXPECT_EQ(get(server->port(), kEventTypesPath, pk.secret).status, 200);
  Connection connection(server->port());
  for (int i = 0; i < 3; ++i) {
    connection.send_raw(std::string("GET ") + kEventTypesPath + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + sk.secret +
                        "\r\n\r\n");
    auto response = connection.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
  }
}

}  // namespace
}  // namespace hookgate::testing

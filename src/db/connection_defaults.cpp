#include "db/connection_defaults.h"

#include <libpq-fe.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace hookgate::db {

namespace {

struct Default {
  std::string_view keyword;
  std::string_view value;
};

constexpr std::array kDefaults = {
    Default{"connect_timeout", "3"},    Default{"keepalives_idle", "10"},     Default{"keepalives_interval", "3"},
    Default{"keepalives_count", "3"},   Default{"tcp_user_timeout", "15000"},
};

// A keyword=value value in single quotes, with \ and ' escaped (libpq's rule).
void append_quoted(std::string& out, std::string_view value) {
  out += '\'';
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

std::string with_connection_defaults(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(conninfo.c_str(), &error),
                                                                       &PQconninfoFree);
  if (!options) {
    std::string message = error != nullptr ? error : "libpq could not parse it";
    if (error != nullptr) PQfreemem(error);
    while (!message.empty() && (message.back() == '\n' || message.back() == '.')) message.pop_back();
    throw std::invalid_argument(message);
  }

  std::string out;
  auto append = [&](std::string_view keyword, std::string_view value) {
    if (!out.empty()) out += ' ';
    out.append(keyword);
    out += '=';
    append_quoted(out, value);
  };
  // A setting in the URL or in libpq's environment variable (PGCONNECT_TIMEOUT) wins.
  std::array<bool, kDefaults.size()> given{};
  for (auto* option = options.get(); option->keyword != nullptr; ++option) {
    bool set = option->val != nullptr || (option->envvar != nullptr && std::getenv(option->envvar) != nullptr);
    for (std::size_t i = 0; i < kDefaults.size(); ++i) given[i] = given[i] || (set && kDefaults[i].keyword == option->keyword);
    if (option->val != nullptr) append(option->keyword, option->val);
  }
  for (std::size_t i = 0; i < kDefaults.size(); ++i) {
    if (!given[i]) append(kDefaults[i].keyword, kDefaults[i].value);
  }
  return out;
}

}  // namespace hookgate::db

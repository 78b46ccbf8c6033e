#pragma once
// Reading a header back from a handler's http::Response in unit tests.

#include "http/message.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace hookgate::testing {

inline std::optional<std::string> response_header(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (http::iequals_ascii(key, name)) return value;
  }
  return std::nullopt;
}

// The wire code of an error response's body, e.g. "ROUTE_NOT_FOUND".
inline std::string error_code_of(const http::Response& response) {
  return nlohmann::json::parse(response.body)["error"]["code"].get<std::string>();
}

}  // namespace hookgate::testing

#include "http/message.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace hookgate::http {

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_ows(std::string_view text) {
  auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals_ascii(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::size_t Request::header_count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals_ascii(h.first, name); }));
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [key, existing] : headers) {
    if (iequals_ascii(key, name)) {
      existing = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

Response json_response(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  // Replace invalid UTF-8 rather than throwing while answering.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

}  // namespace hookgate::http

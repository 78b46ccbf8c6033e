#pragma once
// Small helpers handlers use to decode path and query parameters.

#include "core/error.h"
#include "domain/pagination.h"
#include "http/message.h"

#include <algorithm>
#include <initializer_list>
#include <string>

namespace hookgate {

// A path id of the expected type; anything else is simply not found.
template <class IdType>
IdType path_id(const http::Request& request, const std::string& param, std::string_view noun) {
  auto it = request.path_params.find(param);
  std::string text = it == request.path_params.end() ? std::string() : it->second;
  auto id = IdType::parse(text);
  if (!id) throw ApiError(Errc::resource_missing, "No such " + std::string(noun) + ": " + text + ".", {{"param", param}});
  return *id;
}

// Unknown query parameters are refused, as unknown body fields are.
inline void reject_unknown_query(const http::Request& request, std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : request.query) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) throw unknown_parameter(name);
  }
}

inline PageRequest page_request(const http::Request& request) {
  return parse_page_request([&](std::string_view name) { return request.query_param(name); });
}

}  // namespace hookgate

#include "domain/pagination.h"

#include "core/error.h"

#include <charconv>

namespace hookgate {

PageDirection PageRequest::direction() const {
  if (starting_after) return PageDirection::after;
  return ending_before ? PageDirection::before : PageDirection::first;
}

PageRequest parse_page_request(const QueryLookup& query) {
  PageRequest request;
  if (auto limit = query("limit")) {
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc{} || end != limit->data() + limit->size() || value < 1 || value > 100) {
      throw invalid_parameter("limit", "limit must be a whole number from 1 to 100.");
    }
    request.limit = value;
  }
  auto cursor = [&](std::string_view name) -> std::optional<std::string> {
    auto value = query(name);
    if (!value) return std::nullopt;
    if (value->empty() || value->size() > 100) {
      throw invalid_parameter(name, std::string(name) + " must be an object id.");
    }
    return std::string(*value);
  };
  request.starting_after = cursor("starting_after");
  request.ending_before = cursor("ending_before");
  if (request.starting_after && request.ending_before) {
    throw invalid_parameter("ending_before", "starting_after and ending_before cannot be used together.");
  }
  return request;
}

}  // namespace hookgate

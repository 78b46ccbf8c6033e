#pragma once
// The one client-facing answer for a list cursor that storage did not find
// among the account's items: invalid_parameter naming the cursor parameter.

#include "core/error.h"
#include "domain/pagination.h"

#include <optional>
#include <string>
#include <string_view>

namespace hookgate {

// `noun` names the list's items as messages do ("webhook endpoint").
template <class T>
Page<T> found_page(std::optional<Page<T>> page, const PageRequest& request, std::string_view noun) {
  if (!page) {
    throw invalid_parameter(request.cursor_parameter(),
                            "No such " + std::string(noun) + ": " + request.cursor().value_or("") + ".");
  }
  return std::move(*page);
}

}  // namespace hookgate

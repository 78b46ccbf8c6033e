#pragma once
// Lists refuse a cursor that names no row of the account the same way for
// every resource: invalid_parameter on the cursor parameter.

#include "core/error.h"
#include "db/storage_error.h"

#include <string>
#include <string_view>

namespace hookgate {

// Runs `list` (a call of a db::list_* function), turning db::UnknownCursor
// into "No such <noun>: <cursor>." on the parameter that carried it.
template <class List>
auto with_known_cursor(std::string_view noun, List&& list) {
  try {
    return list();
  } catch (const db::UnknownCursor& unknown) {
    throw invalid_parameter(unknown.param(), "No such " + std::string(noun) + ": " + unknown.cursor() + ".");
  }
}

}  // namespace hookgate

#include "db/storage_error.h"

namespace hookgate::db {

namespace {

const char* describe(UnavailableReason reason) {
  switch (reason) {
    case UnavailableReason::shutting_down: return "the connection pool is closed";
    case UnavailableReason::pool_exhausted: return "no database connection freed up in time";
    case UnavailableReason::unreachable: return "a database connection could not be opened";
  }
  return "the database is unavailable";
}

}  // namespace

Unavailable::Unavailable(UnavailableReason reason) : std::runtime_error(describe(reason)), reason_(reason) {}

UnknownCursor::UnknownCursor(std::string param, std::string cursor)
    : std::runtime_error("unknown list cursor " + cursor + " in " + param),
      param_(std::move(param)),
      cursor_(std::move(cursor)) {}

}  // namespace hookgate::db

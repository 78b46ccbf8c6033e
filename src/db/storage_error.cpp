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

}  // namespace hookgate::db
